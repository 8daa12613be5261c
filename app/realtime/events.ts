/** The typed Socket.IO contract shared by server and browser. */
export interface ServerToClientEvents {
  'order:status': (payload: { orderId: string; status: string; at: string }) => void
}

export interface ClientToServerEvents {
  'system:ping': (ack: (reply: { at: string }) => void) => void
}

export interface SocketData {
  userId?: string
  role?: string
}
