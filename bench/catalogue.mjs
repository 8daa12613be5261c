// Storefront read-path load test: the production build (`node build/server.js`) on real
// PostgreSQL and Redis, measured with autocannon against 127.0.0.1 only.
//
//   npm run build            # first; this script builds nothing
//   node bench/catalogue.mjs
//
// It creates its own database (bench_catalogue_<id>, seeded by the server's first start),
// uses its own Redis key prefix, stops everything it started by PID and drops/deletes both
// at the end (also on Ctrl-C). See bench/README.md for the knobs and how to read the output.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import pg from 'pg'

const env = process.env
const ADMIN_URL = env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const DURATION = Number(env.BENCH_DURATION ?? 15)
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50)
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(',') : null

const id = randomBytes(4).toString('hex')
const database = `bench_catalogue_${id}`
const keyPrefix = `bench:catalogue:${id}:`
const scratch = mkdtempSync(path.join(os.tmpdir(), `bench-catalogue-${id}-`))
const databaseUrl = (() => {
  const u = new URL(ADMIN_URL)
  u.pathname = `/${database}`
  return u.toString()
})()

let server = null
let ceiling = null
let cleaning = null

// The ceiling: a bare node:http server answering fixed bytes, in its own process like the
// store (in this process it would share one event loop with autocannon and read low).
const CEILING_SRC = `
const http = require('node:http')
const fs = require('node:fs')
const [bodyPath, type, port] = process.argv.slice(1)
const body = fs.readFileSync(bodyPath)
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length })
    res.end(body)
  })
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\\n'))
process.on('SIGTERM', () => process.exit(0))
`

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`)
}

async function withAdmin(fn) {
  const c = new pg.Client({ connectionString: ADMIN_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Stops a child by its PID: SIGTERM, SIGKILL after 10 s. */
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid, 'SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** Stops the server and the ceiling server (by PID), and removes the database, keys and files. */
function cleanup() {
  cleaning ??= (async () => {
    await stop(server)
    await stop(ceiling)
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch((e) => log(`could not drop ${database}: ${e.message}`))
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

async function waitReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) })
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`)
}

function run(name, url) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers: { accept: 'text/html,application/json' } }, (err, result) => {
      if (err) reject(err)
      else resolve({ name, url, result })
    })
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false })
  })
}

async function main() {
  if (!existsSync('build/server.js')) throw new Error('build/server.js is missing: run `npm run build` first (this script builds nothing)')
  await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`))
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  log(`database ${database}, Redis prefix ${keyPrefix}, server ${origin}`)
  // `exec`-free: spawn node itself so the PID we signal is the server's.
  server = spawn(process.execPath, ['build/server.js'], {
    env: {
      PATH: env.PATH ?? '',
      HOME: env.HOME ?? '',
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
      LOG_LEVEL: 'warn',
      LOG_TO_FILES: 'false',
      DATA_DIR: path.join(scratch, 'data'),
      UPLOAD_DIR: path.join(scratch, 'uploads'),
      OUTBOX_DIR: path.join(scratch, 'outbox'),
      LOG_DIR: path.join(scratch, 'logs'),
    },
    // The server's log lines go to stderr, with ours; stdout carries only the results.
    stdio: ['ignore', 2, 2],
  })
  log(`server PID ${server.pid}; migrating and seeding (first start)…`)
  await waitReady(`${origin}/readyz`, 300_000)

  const apiPath = '/api/v1/products?page=1&limit=20'
  const apiRes = await fetch(origin + apiPath)
  if (apiRes.status !== 200) throw new Error(`${apiPath} answered ${apiRes.status}`)
  const apiBytes = Buffer.from(await apiRes.arrayBuffer())
  const apiType = apiRes.headers.get('content-type') ?? 'application/json'
  const first = JSON.parse(apiBytes.toString('utf8')).items[0]
  const targets = [
    ['api-products', `${origin}${apiPath}`],
    ['product-page', `${origin}/products/${first.slug}`],
    ['category-page', `${origin}/c/${first.category}`],
    ['search-api', `${origin}/api/v1/products?q=kurtha&limit=20`],
    ['search-page', `${origin}/search?q=cotton+shirt`],
  ].filter(([name]) => !ONLY || ONLY.includes(name))

  // The ceiling: a bare node:http server, in its own process, answering the same bytes as the API.
  const bodyPath = path.join(scratch, 'ceiling-body')
  writeFileSync(bodyPath, apiBytes)
  const ceilingPort = await freePort()
  ceiling = spawn(process.execPath, ['-e', CEILING_SRC, bodyPath, apiType, String(ceilingPort)], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    ceiling.once('exit', (code) => reject(new Error(`the ceiling server exited with code ${code}`)))
    ceiling.stdout.once('data', resolve)
  })
  log(`ceiling server PID ${ceiling.pid} on port ${ceilingPort}`)
  if (!ONLY || ONLY.includes('ceiling')) targets.push(['ceiling', `http://127.0.0.1:${ceilingPort}/`])

  // Warm caches (Redis listing/product entries) and the JIT before measuring.
  for (const [, url] of targets) for (let i = 0; i < 20; i++) await (await fetch(url)).arrayBuffer()

  const results = []
  for (const [name, url] of targets) {
    log(`${name}: ${CONNECTIONS} connections for ${DURATION} s → ${url}`)
    results.push(await run(name, url))
  }

  const rows = results.map(({ name, result }) => ({
    target: name,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    'KB/req': result.requests.total ? Math.round(result.throughput.total / result.requests.total / 102.4) / 10 : 0,
  }))
  console.log(`\ncatalogue benchmark — ${CONNECTIONS} connections × ${DURATION} s each, ${os.cpus().length} CPUs, Node ${process.version}\n`)
  console.table(rows)
  const api = rows.find((r) => r.target === 'api-products')
  const top = rows.find((r) => r.target === 'ceiling')
  if (api && top && top['req/s'] > 0) console.log(`API / ceiling: ${(api['req/s'] / top['req/s']).toFixed(3)} (${api['req/s']} vs ${top['req/s']} req/s, same ${apiBytes.length}-byte body)`)
  if (rows.some((r) => r.non2xx > 0 || r.errors > 0)) {
    console.log('warning: some requests failed (non-2xx or errors); the numbers above are not clean')
    process.exitCode = 1
  }
}

main()
  .catch((err) => {
    console.error(`[bench] ${err.stack ?? err.message}`)
    process.exitCode = 1
  })
  .finally(() => cleanup())
