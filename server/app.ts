/**
 * The SSR entry Vite bundles: React Router's request handler and the socket handlers.
 * server.ts loads it through Vite in development and from build/server in production.
 */
import { createRequestHandler } from '@react-router/express'
import type { AppLoadContext, ServerBuild } from 'react-router'
import type { Server } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '#app/realtime/events.ts'
import { registerPing } from '#app/realtime/handlers/ping.server.ts'

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

const serverBuild = () => import('virtual:react-router/server-build') as Promise<ServerBuild>

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
