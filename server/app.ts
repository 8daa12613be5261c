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
    /** this response's CSP nonce (server.ts sets res.locals.cspNonce); entry.server.tsx renders it */
    cspNonce: string
  }
}

export const requestHandler = createRequestHandler({
  build: () => import('virtual:react-router/server-build') as Promise<ServerBuild>,
  getLoadContext: (_req, res): AppLoadContext => ({ cspNonce: typeof res.locals.cspNonce === 'string' ? res.locals.cspNonce : '' }),
})

export type AppSocketServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>

export function registerSocketHandlers(io: AppSocketServer) {
  registerPing(io)
}
