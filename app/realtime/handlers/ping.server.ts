/** Liveness round trip a client can use to check its socket. */
import type { Server } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '../events.ts'

export function registerPing(io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>) {
  io.on('connection', (socket) => {
    socket.on('system:ping', (ack) => {
      if (typeof ack === 'function') ack({ at: new Date().toISOString() })
    })
  })
}
