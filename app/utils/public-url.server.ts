import { getRuntime } from './runtime.server.ts'

/**
 * The store's absolute origin, for addresses that leave the page (canonical links, Open Graph
 * tags): PUBLIC_URL when set, else this request's origin. No trailing slash.
 */
export function publicOrigin(request: Request): string {
  return (getRuntime().env.PUBLIC_URL ?? new URL(request.url).origin).replace(/\/$/, '')
}
