// Shutdown as an operator meets it (SIGTERM from the orchestrator, Ctrl-C under `npm start`):
// requests in flight are answered, then the process exits 0; nothing (Redis gone, open
// websockets, a request that never ends) keeps it past SHUTDOWN_TIMEOUT_MS; a second signal
// exits at once. The same for the stand-alone worker.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { io as socketClient } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, freePort, startRedisServer, startServer, waitForStatus, type OwnRedis, type RunningServer } from './helpers.ts'

const servers: RunningServer[] = []
const redises: OwnRedis[] = []
let db: Awaited<ReturnType<typeof createTestDatabase>>
let tmp: string

beforeAll(async () => {
  db = await createTestDatabase('it_shutdown')
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shutdown-test-'))
})

afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL')
  for (const r of redises) await r.stop()
  await db?.drop()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

async function ownRedis(): Promise<OwnRedis> {
  const r = await startRedisServer(await freePort())
  redises.push(r)
  return r
}

/** The store on the test database (migrated on first start, never seeded), ready to serve. */
async function readyServer(env: Record<string, string>): Promise<RunningServer> {
  const s = startServer(
    { DATABASE_URL: db.url, SEED_ON_EMPTY: 'false', DATA_DIR: path.join(tmp, 'data'), UPLOAD_DIR: path.join(tmp, 'uploads'), OUTBOX_DIR: path.join(tmp, 'outbox'), ...env },
    await freePort(),
  )
  servers.push(s)
  await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 120_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\n--- server output ---\n${s.output().slice(-4000)}`)
  })
  return s
}

/**
 * A request whose head is sent in two parts: from its first byte to its answer it is in
 * flight. `finish` sends the rest and resolves with the raw response once the server closes.
 */
async function requestInFlight(port: number, target: string) {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (d: Buffer) => (received += d.toString()))
  socket.on('error', () => undefined)
  const closed = once(socket, 'close').then(() => received)
  socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`)
  return {
    closed,
    finish: () => {
      socket.write('Connection: close\r\n\r\n')
      return closed
    },
  }
}

/** Resolves once `text` appears in the server's output. */
async function logged(s: RunningServer, text: string, timeoutMs = 10_000) {
  await expect.poll(() => s.output(), { timeout: timeoutMs, interval: 50 }).toContain(text)
}

/** `promise`, or a failure naming `what` (with the server's last output) after `ms`. */
async function within<T>(s: RunningServer, what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms\n--- server output ---\n${s.output().slice(-3000)}`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Exit code and the time from now to the exit. */
async function timedExit(s: RunningServer): Promise<{ code: number | null; ms: number }> {
  const started = Date.now()
  const code = await s.exited
  return { code, ms: Date.now() - started }
}

describe('graceful shutdown of the store', () => {
  it('answers a request in flight, refuses new ones, closes websockets at once and exits 0', async () => {
    const redis = await ownRedis()
    const s = await readyServer({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '30000' })

    // Open for the whole shutdown: a Socket.IO client, Vite's HMR websocket (development
    // server), and a page request in flight.
    const client = socketClient(s.url, { transports: ['websocket'], reconnection: false })
    await within(s, 'Socket.IO connect', new Promise<void>((resolve, reject) => client.once('connect', resolve).once('connect_error', reject)))
    const clientGone = new Promise<void>((resolve) => client.once('disconnect', () => resolve()))
    const hmrUpgrade = new Promise<net.Socket>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, path: '/', headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': 'vite-hmr' } })
      req.on('upgrade', (res: http.IncomingMessage, socket: net.Socket) => (res.statusCode === 101 ? resolve(socket) : reject(new Error(`upgrade: ${res.statusCode}`))))
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)))
      req.on('error', reject)
      req.end()
    })
    const hmr = await within(s, 'HMR websocket upgrade', hmrUpgrade)
    hmr.resume() // read it, or its end (and close) would never be seen
    const hmrGone = once(hmr, 'close')
    const page = await requestInFlight(s.port, '/')

    s.child.kill('SIGTERM')
    await logged(s, '"message":"shutting down"')
    await within(s, 'Socket.IO client disconnected', clientGone)
    await within(s, 'HMR websocket closed', hmrGone)
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow() // no longer accepting

    const response = await within(s, 'answer to the request in flight', page.finish())
    expect(response).toMatch(/^HTTP\/1\.1 200 /)
    expect(response).toContain('</html>')
    const { code, ms } = await within(s, 'exit', timedExit(s), 40_000)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(10_000) // nothing waited for the 30 s deadline
    expect(s.output()).toContain('"message":"stopped"')
  }, 180_000)

  it('exits within SHUTDOWN_TIMEOUT_MS when Redis is gone', async () => {
    const redis = await ownRedis()
    const s = await readyServer({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '5000' })
    await redis.stop()
    await waitForStatus(`${s.url}/readyz`, (st) => st === 503, 15_000)

    s.child.kill('SIGTERM')
    const { code, ms } = await timedExit(s)
    expect(ms).toBeLessThan(5_000 + 3_000)
    // Nothing could be handed back to Redis, so nothing is waited for: a clean stop.
    expect(code).toBe(0)
    expect(s.output()).toContain('"message":"stopped"')
  }, 180_000)

  it('exits 1 at the deadline when a request never finishes', async () => {
    const s = await readyServer({ SHUTDOWN_TIMEOUT_MS: '2000' })
    const stuck = await requestInFlight(s.port, '/')

    s.child.kill('SIGTERM')
    const { code, ms } = await timedExit(s)
    expect(code).toBe(1)
    expect(ms).toBeGreaterThanOrEqual(1_900)
    expect(ms).toBeLessThan(2_000 + 2_000 + 3_000) // deadline, force grace, margin
    expect(s.output()).toContain('shutdown timed out')
    await stuck.closed // the connection was dropped
  }, 180_000)

  it('a second signal exits at once', async () => {
    const s = await readyServer({ SHUTDOWN_TIMEOUT_MS: '30000' })
    const stuck = await requestInFlight(s.port, '/')

    s.child.kill('SIGINT')
    await logged(s, '"message":"shutting down"')
    await new Promise((r) => setTimeout(r, 700)) // a repeat within 0.5 s is the same Ctrl-C
    expect(s.child.exitCode).toBeNull()
    s.child.kill('SIGINT')
    const { code, ms } = await timedExit(s)
    expect(code).toBe(130)
    expect(ms).toBeLessThan(5_000) // not the 30 s deadline (exiting Vite's development server takes a moment)
    await stuck.closed
  }, 180_000)
})

describe('shutdown of the stand-alone worker (worker.ts)', () => {
  it('exits within SHUTDOWN_TIMEOUT_MS when Redis is gone', async () => {
    const redis = await ownRedis()
    const port = await freePort() // unused by the worker; startServer's environment wants one
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), DATABASE_URL: db.url, REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '5000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    try {
      await expect.poll(() => out, { timeout: 60_000, interval: 100 }).toContain('workers started')
      await redis.stop()
      await expect.poll(() => out, { timeout: 10_000, interval: 50 }).toContain('redis error')

      child.kill('SIGTERM')
      const started = Date.now()
      const code = await exited
      expect(Date.now() - started).toBeLessThan(5_000 + 3_000)
      expect(code).toBe(0)
      expect(out).toContain('"message":"stopped"')
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }
  }, 180_000)
})
