// Shared plumbing of the benchmarks: a throwaway database and Redis key prefix, the
// production build started by PID (logging at the production level into a file, as a
// deployment's log collector would take it), readiness polling, and cleanup (also on Ctrl-C).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'

export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
/** The server's LOG_LEVEL: production's default (info: one line per request), so its cost is measured too. */
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info'

export function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`)
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/**
 * A benchmark's own world: database `bench_<name>_<id>`, Redis prefix `bench:<name>:<id>:`,
 * a scratch directory, and the servers it starts. `cleanup()` undoes all of it.
 */
export function createWorld(name) {
  if (!existsSync('build/server.js')) throw new Error('build/server.js is missing: run `npm run build` first (benchmarks build nothing)')
  const id = randomBytes(4).toString('hex')
  const database = `bench_${name}_${id}`
  const keyPrefix = `bench:${name}:${id}:`
  const scratch = mkdtempSync(path.join(os.tmpdir(), `bench-${name}-${id}-`))
  const u = new URL(ADMIN_URL)
  u.pathname = `/${database}`
  const databaseUrl = u.toString()
  const servers = new Set()
  let cleaning = null

  /**
   * Starts `node build/server.js` (the PID we signal is the server's own) and waits for /readyz.
   * Its output (JSON log lines) goes to `logFile` in the scratch directory, not to the terminal.
   */
  async function startServer(extraEnv = {}, { readyTimeoutMs = 300_000 } = {}) {
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const logFile = path.join(scratch, `server-${port}.log`)
    const out = openSync(logFile, 'a')
    // BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
    const child = spawn(process.execPath, [...nodeArgs, 'build/server.js'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: origin,
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        REDIS_KEY_PREFIX: keyPrefix,
        SEED_ON_EMPTY: 'true',
        RUN_WORKER: 'false',
        RATE_LIMIT_API_MAX: '100000000',
        RATE_LIMIT_AUTH_MAX: '100000000',
        SESSION_SECRET: `bench-session-secret-${'x'.repeat(32)}`,
        JWT_SECRET: `bench-jwt-secret-${'x'.repeat(32)}`,
        LOG_LEVEL,
        LOG_TO_FILES: 'false',
        DATA_DIR: path.join(scratch, 'data'),
        UPLOAD_DIR: path.join(scratch, 'uploads'),
        OUTBOX_DIR: path.join(scratch, 'outbox'),
        LOG_DIR: path.join(scratch, 'logs'),
        ...extraEnv,
      },
      stdio: ['ignore', out, out],
    })
    closeSync(out)
    track(child)
    log(`server PID ${child.pid} on ${origin}, LOG_LEVEL=${LOG_LEVEL}, log in ${logFile}`)
    const deadline = Date.now() + readyTimeoutMs
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}; its last lines:\n${tail(logFile)}`)
      const status = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(3_000) }).then(
        (r) => r.status,
        () => 0,
      )
      if (status === 200) break
      if (Date.now() > deadline) throw new Error(`${origin}/readyz not ready after ${readyTimeoutMs} ms; the server's last lines:\n${tail(logFile)}`)
      await new Promise((r) => setTimeout(r, 500))
    }
    return { child, origin, port, logFile, stop: () => stopChild(child) }
  }

  /** Stops `child` (by PID) at cleanup if it still runs. */
  function track(child) {
    servers.add(child)
    child.once('exit', () => servers.delete(child))
    return child
  }

  function cleanup() {
    cleaning ??= (async () => {
      await Promise.all([...servers].map(stopChild))
      await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch((e) => log(`could not drop ${database}: ${e.message}`))
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
      await redis
        .connect()
        .then(async () => {
          let cursor = '0'
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000)
            cursor = next
            if (keys.length) await redis.del(...keys)
          } while (cursor !== '0')
        })
        .catch((e) => log(`could not delete Redis keys ${keyPrefix}*: ${e.message}`))
      redis.disconnect()
      rmSync(scratch, { recursive: true, force: true })
    })()
    return cleaning
  }

  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      log(`${sig}: cleaning up`)
      void cleanup().finally(() => process.exit(130))
    })
  }

  return {
    database,
    databaseUrl,
    keyPrefix,
    scratch,
    startServer,
    track,
    cleanup,
    /** Creates the database. */
    create: () => withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${database}"`)),
  }
}

/** Stops a child process by its PID: SIGTERM, SIGKILL after 10 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid, 'SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** The last `n` lines of a file ('' if it cannot be read). */
export function tail(file, n = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n')
  } catch {
    return ''
  }
}

/**
 * What a server logged: line counts per level, and the first few warnings and errors (a
 * /readyz 503 while starting is the probe doing its job, not counted).
 */
export function serverLogSummary(file) {
  const levels = {}
  const problems = []
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return { levels, problems }
  }
  for (const line of text.split('\n')) {
    if (!line) continue
    let rec
    try {
      rec = JSON.parse(line)
    } catch {
      rec = { level: 'unparsed', message: line }
    }
    if (rec.path === '/readyz' && rec.status === 503) continue
    levels[rec.level] = (levels[rec.level] ?? 0) + 1
    if (rec.level !== 'info' && rec.level !== 'debug' && problems.length < 5) problems.push(line.slice(0, 300))
  }
  return { levels, problems }
}

/** p-th percentile (0–100) of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}
