/**
 * The SSR entry Vite bundles: React Router's request handler and the socket handlers.
 * server.ts loads it through Vite in development and from build/server in production.
 */
import { createRequestHandler } from '@react-router/express'
import { data, type AppLoadContext, type ServerBuild } from 'react-router'
import type { Server } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '#app/realtime/events.ts'
import { registerPing } from '#app/realtime/handlers/ping.server.ts'
import { INVALID_TEXT_MESSAGE, isInvalidText } from '#app/utils/api.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { currentRequestId } from '#app/utils/request-context.server.ts'

declare module 'react-router' {
  interface AppLoadContext {
    /**
     * this response's CSP nonce (res.locals.cspNonce from securityHeaders), made on first
     * read: entry.server.tsx reads it for pages; resource routes never do, and need none
     */
    cspNonce: string
    /** a render failed after the page had started streaming: its HTML must not be kept (page cache) */
    markPageFailed: () => void
  }
}

/** `fn`, except that text PostgreSQL refuses (a NUL, a malformed uuid) comes out as a 400 instead of a 500. */
function refusingInvalidText<A extends unknown[], R>(fn: (...args: A) => R) {
  return async (...args: A): Promise<Awaited<R>> => {
    try {
      return await fn(...args)
    } catch (err) {
      if (!isInvalidText(err)) throw err
      getLogger().warn('input the database cannot take: answered 400', { requestId: currentRequestId() })
      throw data(INVALID_TEXT_MESSAGE, { status: 400 })
    }
  }
}

/**
 * The last line of defence behind validation, for every page and form: each route's loader and
 * action turn a database refusal of the input's text into a 400 (shown by the route's error
 * boundary). The API answers the same in JSON through handleApi.
 */
function withInvalidTextAs400(build: ServerBuild): ServerBuild {
  const routes: ServerBuild['routes'] = {}
  for (const [id, route] of Object.entries(build.routes)) {
    if (!route) continue
    const { loader, action } = route.module
    routes[id] = { ...route, module: { ...route.module, loader: loader && refusingInvalidText(loader), action: action && refusingInvalidText(action) } }
  }
  return { ...build, routes }
}

const serverBuild = async () => withInvalidTextAs400((await import('virtual:react-router/server-build')) as ServerBuild)

export const requestHandler = createRequestHandler({
  // Development: a function, so each request gets Vite's current build (edited routes apply at
  // once). Production: the build never changes; handed over as an object, it lets React Router
  // derive and rank its route tree once instead of on every request.
  build: import.meta.env.DEV ? serverBuild : await serverBuild(),
  getLoadContext: (_req, res): AppLoadContext => ({
    get cspNonce() {
      return typeof res.locals.cspNonce === 'string' ? res.locals.cspNonce : ''
    },
    markPageFailed: () => {
      res.locals.pageFailed = true
    },
  }),
})

export type AppSocketServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

export function registerSocketHandlers(io: AppSocketServer) {
  registerPing(io)
}
