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
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { createWorld, freePort, log } from './lib.mjs'

const env = process.env
const DURATION = Number(env.BENCH_DURATION ?? 15)
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50)
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(',') : null
// Seconds of unmeasured load on each target first (JIT, connection pools, in-process copies).
const WARMUP = Number(env.BENCH_WARMUP ?? 3)

const world = createWorld('catalogue')

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

function run(name, url, extraHeaders = {}, duration = DURATION) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration, headers: { accept: 'text/html,application/json', ...extraHeaders } }, (err, result) => {
      if (err) reject(err)
      else resolve({ name, url, result })
    })
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false })
  })
}

async function main() {
  await world.create()
  log(`database ${world.database}, Redis prefix ${world.keyPrefix}; migrating and seeding on first start…`)
  const { origin } = await world.startServer()

  const apiPath = '/api/v1/products?page=1&limit=20'
  const apiRes = await fetch(origin + apiPath)
  if (apiRes.status !== 200) throw new Error(`${apiPath} answered ${apiRes.status}`)
  const apiBytes = Buffer.from(await apiRes.arrayBuffer())
  const apiType = apiRes.headers.get('content-type') ?? 'application/json'
  const first = JSON.parse(apiBytes.toString('utf8')).items[0]
  const targets = [
    ['api-products', `${origin}${apiPath}`],
    ['product-page', `${origin}/products/${first.slug}`],
    // A visitor with a cart (any cart cookie) never gets the shared page: this is the render itself.
    ['product-page-rendered', `${origin}/products/${first.slug}`, { cookie: 'cart=bench-visitor' }],
    ['category-page', `${origin}/c/${first.category}`],
    ['search-api', `${origin}/api/v1/products?q=kurtha&limit=20`],
    ['search-page', `${origin}/search?q=cotton+shirt`],
  ].filter(([name]) => !ONLY || ONLY.includes(name))

  // The ceiling: a bare node:http server, in its own process, answering the same bytes as the API.
  const bodyPath = path.join(world.scratch, 'ceiling-body')
  writeFileSync(bodyPath, apiBytes)
  const ceilingPort = await freePort()
  const ceiling = world.track(spawn(process.execPath, ['-e', CEILING_SRC, bodyPath, apiType, String(ceilingPort)], { stdio: ['ignore', 'pipe', 'inherit'] }))
  await new Promise((resolve, reject) => {
    ceiling.once('exit', (code) => reject(new Error(`the ceiling server exited with code ${code}`)))
    ceiling.stdout.once('data', resolve)
  })
  log(`ceiling server PID ${ceiling.pid} on port ${ceilingPort}`)
  if (!ONLY || ONLY.includes('ceiling')) targets.push(['ceiling', `http://127.0.0.1:${ceilingPort}/`])

  // Warm caches (Redis listing/product entries) and the JIT before measuring.
  for (const [, url, headers] of targets) for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer()

  const results = []
  for (const [name, url, headers] of targets) {
    if (WARMUP > 0) await run(name, url, headers, WARMUP)
    log(`${name}: ${CONNECTIONS} connections for ${DURATION} s → ${url}`)
    results.push(await run(name, url, headers))
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
  .finally(() => world.cleanup())
