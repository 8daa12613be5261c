/** A local stand-in for a JSON HTTP SMS provider: records requests, answers with a chosen status. */
import http from 'node:http'
import type net from 'node:net'

export interface FakeSmsRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: unknown
}

export async function startFakeSmsProvider(opts: { status?: number } = {}) {
  const requests: FakeSmsRequest[] = []
  const state = { status: opts.status ?? 202 }
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      let body: unknown = raw
      try {
        body = JSON.parse(raw)
      } catch {
        // keep the raw text
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body })
      res.writeHead(state.status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(state.status < 300 ? { id: `msg_${requests.length}`, status: 'queued' } : { error: 'rejected' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1/messages`,
    requests,
    setStatus: (status: number) => void (state.status = status),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
