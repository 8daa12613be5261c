/** Spawning the real server (tsx server.ts) and throwaway databases for integration tests. */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { Redis } from 'ioredis'
import pg from 'pg'

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

export async function createTestDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE "${name}"`)
  await admin.end()
  const u = new URL(PG_ADMIN_URL)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await c.end()
    },
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

export interface RunningServer {
  child: ChildProcess
  port: number
  url: string
  output: () => string
  exited: Promise<number | null>
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Starts `node --import tsx server.ts` with the given environment (nothing inherited but PATH/HOME). */
export function startServer(env: Record<string, string>, port: number): RunningServer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Polls `url` until `accept(status)` or the timeout. */
export async function waitForStatus(url: string, accept: (status: number) => boolean, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let last = 0
  while (Date.now() < deadline) {
    try {
      last = (await fetch(url, { signal: AbortSignal.timeout(3_000) })).status
      if (accept(last)) return last
    } catch {
      last = 0
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${url} did not reach the expected status in ${timeoutMs} ms (last: ${last})`)
}

/** Deletes every key under `prefix` (a test's own namespace); a Redis that is down is ignored. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis
    .connect()
    .then(async () => {
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length) await redis.del(...keys)
    })
    .catch(() => undefined)
  redis.disconnect()
}

/** Runs one query on `url` with a short-lived connection and returns its rows. */
export async function queryRows<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query<T>(text, values)).rows
  } finally {
    await c.end()
  }
}

export interface OwnRedis {
  url: string
  /** Kills this redis-server by its PID (SIGKILL) and waits for it to be gone. */
  stop: () => Promise<void>
}

/**
 * A redis-server of the test's own on `port` (no persistence), ready to answer: tests that
 * stop Redis stop this one, never the machine's shared server.
 */
export async function startRedisServer(port: number): Promise<OwnRedis> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const url = `redis://127.0.0.1:${port}/0`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => undefined) // refused until the server listens; connect() reports it
    const pong = await probe
      .connect()
      .then(() => probe.ping())
      .catch(() => null)
    probe.disconnect()
    if (pong === 'PONG') return { url, stop }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop()
      throw new Error(`redis-server did not start on port ${port}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
