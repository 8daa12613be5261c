/**
 * The request being served, for code that is not handed it (the API's last-resort error log).
 * server.ts runs each request inside `runInRequest`; the store lives on globalThis because
 * server.ts and the Vite-loaded (or separately bundled) routes hold separate copies of this module.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

interface RequestContext {
  requestId: string
}

const g = globalThis as unknown as { __requestContext?: AsyncLocalStorage<RequestContext> }
const storage = (g.__requestContext ??= new AsyncLocalStorage<RequestContext>())

/** Runs `fn` (and everything it starts) as part of the request `requestId`. */
export function runInRequest<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn)
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId
}
