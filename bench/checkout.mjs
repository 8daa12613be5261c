// Checkout load test: 20 concurrent buyers each signing in once (phone + one-time code, read
// from the server's SMS outbox as a developer would), then buying until time is up.
// Production build (logging at its default level, info), real PostgreSQL and Redis, 127.0.0.1.
//
//   npm run build                   # first; this script builds nothing
//   node bench/checkout.mjs         # API mode (default): add to cart (the no-JavaScript form
//                                   # post), then POST /api/v1/orders, cash on delivery
//   node bench/checkout.mjs --web   # or BENCH_MODE=web: the no-JavaScript web checkout, form
//                                   # posts with a session cookie, following every redirect:
//                                   # add to cart → cart → address → shipping → payment →
//                                   # review → place order → the order's page
//
// Then it counts SQL statements: after `ALTER DATABASE … SET log_statement = 'all'` (and a
// probe that proves it took effect), a second server on the same database repeats the
// buyers' requests one at a time while the PostgreSQL server log is read (Debian's default
// log_line_prefix names the database). No count, or a count of 0, is a failure, not a number.
// Everything it made (database, Redis keys, files, servers by PID) is removed at the end.
import { randomBytes, randomUUID } from 'node:crypto'
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createWorld, LOG_LEVEL, log, percentile, serverLogSummary, withClient } from './lib.mjs'

const env = process.env
if (env.BENCH_MODE && !['api', 'web'].includes(env.BENCH_MODE)) throw new Error(`BENCH_MODE must be api or web, not ${env.BENCH_MODE}`)
const MODE = process.argv.includes('--web') || env.BENCH_MODE === 'web' ? 'web' : 'api'
const DURATION_S = Number(env.BENCH_DURATION ?? 20)
const BUYERS = Number(env.BENCH_BUYERS ?? 20)
const STATEMENT_SAMPLE = Number(env.BENCH_STATEMENT_ORDERS ?? 20)
const COUNT_STATEMENTS = env.BENCH_STATEMENTS !== '0'
const PG_LOG = env.BENCH_PG_LOG ?? findPgLog()

function findPgLog() {
  try {
    const dir = '/var/log/postgresql'
    const files = readdirSync(dir).filter((f) => f.endsWith('.log'))
    files.sort((a, b) => statSync(path.join(dir, b)).mtimeMs - statSync(path.join(dir, a)).mtimeMs)
    return files[0] ? path.join(dir, files[0]) : null
  } catch {
    return null
  }
}

const world = createWorld('checkout')
const address = { name: 'Bench Buyer', line1: '1 Load Test Road', city: 'Pune', state: 'Maharashtra', postalCode: '411001', country: 'IN', phone: '+919812345678' }

// ───────────────────────────── signing in ─────────────────────────────

/** The code the server "texted" `phone` since `since` (ms), from its SMS outbox folder. */
async function readCode(phone, since) {
  const dir = path.join(world.scratch, 'outbox', 'sms')
  for (let i = 0; i < 100; i++) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      let msg
      try {
        msg = JSON.parse(readFileSync(path.join(dir, f), 'utf8'))
      } catch {
        continue // still being written
      }
      const code = msg.to === phone && Date.parse(msg.createdAt) >= since - 1000 ? /\b(\d{6})\b/.exec(msg.message)?.[1] : null
      if (code) return code
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no code for ${phone} in the outbox`)
}

/** An API buyer: signs in through the OTP API and carries the bearer token. */
async function apiBuyer(origin, phone) {
  const since = Date.now()
  const req = await fetch(`${origin}/api/v1/auth/otp/request`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone }) })
  if (req.status !== 202) throw new Error(`otp request for ${phone}: ${req.status} ${await req.text()}`)
  const code = await readCode(phone, since)
  const res = await fetch(`${origin}/api/v1/auth/otp/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone, code }) })
  if (res.status !== 200) throw new Error(`otp verify for ${phone}: ${res.status} ${await res.text()}`)
  const { token } = await res.json()
  return { auth: { Authorization: `Bearer ${token}` }, take: () => {} }
}

/** A browser without JavaScript: a cookie jar, and an Origin header on its form posts. */
function webBuyer() {
  const cookies = new Map()
  return {
    addressId: null,
    get auth() {
      return cookies.size ? { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}
    },
    take(res) {
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(';')
        const at = pair.indexOf('=')
        const name = pair.slice(0, at).trim()
        const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()))
        if (gone) cookies.delete(name)
        else cookies.set(name, pair.slice(at + 1).trim())
      }
    },
  }
}

/** Signs a web buyer in through the /login form (phone, then the code). */
async function webSignIn(origin, buyer, phone) {
  const since = Date.now()
  await post(origin, buyer, '/login', { intent: 'request', phone, redirectTo: '/' })
  const code = await readCode(phone, since)
  await post(origin, buyer, '/login', { intent: 'verify', phone, code, redirectTo: '/' })
  return buyer
}

// ───────────────────────────── requests ─────────────────────────────

/** Counts every request a buyer makes (the web flow's requests per order are reported). */
const requests = { n: 0 }

/** A form post that must answer 302; returns where it leads. */
async function post(origin, buyer, p, form) {
  requests.n++
  const res = await fetch(origin + p, { method: 'POST', redirect: 'manual', headers: { ...buyer.auth, Origin: origin }, body: new URLSearchParams(form) })
  buyer.take(res)
  const text = await res.text()
  if (res.status !== 302) throw new Error(`POST ${p} (${form.intent}): ${res.status} ${text.slice(0, 200)}`)
  return res.headers.get('location')
}

/** A page a browser opens (or is redirected to); must answer 200. Returns its HTML. */
async function get(origin, buyer, p) {
  requests.n++
  const res = await fetch(origin + p, { redirect: 'manual', headers: { ...buyer.auth, Accept: 'text/html' } })
  buyer.take(res)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} → ${res.headers.get('location') ?? text.slice(0, 200)}`)
  return text
}

/** The no-JavaScript add-to-cart form post (answers 302 to the cart). */
function addToCart(origin, buyer, item) {
  return post(origin, buyer, '/cart', { intent: 'add', productId: item.productId, size: item.size, quantity: '1', redirectTo: '/cart' })
}

async function placeApiOrder(origin, buyer, item) {
  requests.n++
  const res = await fetch(`${origin}/api/v1/orders`, {
    method: 'POST',
    headers: { ...buyer.auth, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify({ items: [{ productId: item.productId, size: item.size, quantity: 1 }], shippingAddress: address, paymentMethod: 'cod' }),
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`place order: ${res.status} ${text.slice(0, 200)}`)
}

/** A post that leads to `expected`, whose page is then opened (as a browser follows the redirect). */
async function postAndFollow(origin, buyer, p, form, expected) {
  const to = await post(origin, buyer, p, form)
  if (!expected.test(to ?? '')) throw new Error(`POST ${p} (${form.intent}) led to ${to}, not ${expected}`)
  return get(origin, buyer, to)
}

/** A web buyer's first checkout: the address typed in and saved, so later checkouts pick it from the address book. */
async function saveFirstAddress(origin, buyer, item) {
  await addToCart(origin, buyer, item)
  await post(origin, buyer, '/checkout', { intent: 'new-address', ...address, save: 'on' })
  const html = await get(origin, buyer, '/checkout')
  buyer.addressId = /name="addressId" value="([0-9a-f-]{36})"/.exec(html)?.[1]
  if (!buyer.addressId) throw new Error('the address step lists no saved address')
}

/** The web checkout up to its review page: add to cart, open the cart and the checkout, address, shipping, payment. Returns the review form's token. */
async function webToReview(origin, buyer, item) {
  await postAndFollow(origin, buyer, '/cart', { intent: 'add', productId: item.productId, size: item.size, quantity: '1', redirectTo: '/cart' }, /^\/cart$/)
  await get(origin, buyer, '/checkout')
  await postAndFollow(origin, buyer, '/checkout', { intent: 'use-address', addressId: buyer.addressId }, /step=shipping$/)
  await postAndFollow(origin, buyer, '/checkout', { intent: 'shipping', shippingMethod: 'standard' }, /step=payment$/)
  const review = await postAndFollow(origin, buyer, '/checkout', { intent: 'payment', paymentMethod: 'cod' }, /step=review$/)
  const token = /name="token" value="([^"]+)"/.exec(review)?.[1]
  if (!token) throw new Error('the review page has no order form token')
  return token
}

const ORDER_PAGE = /^\/account\/orders\/[0-9a-f-]{36}$/

/** Places the order from the review form; returns the order page it leads to. */
async function webPlace(origin, buyer, token) {
  const to = await post(origin, buyer, '/checkout', { intent: 'place', token })
  if (!ORDER_PAGE.test(to ?? '')) throw new Error(`placing the order led to ${to}`)
  return to
}

/** One whole web checkout, the order's page included; returns how long placing took (ms). */
async function webCheckout(origin, buyer, item) {
  const token = await webToReview(origin, buyer, item)
  const t0 = performance.now()
  const orderPage = await webPlace(origin, buyer, token)
  const placeMs = performance.now() - t0
  await get(origin, buyer, orderPage)
  return placeMs
}

/** One buyer iteration of the chosen mode; returns how long placing the order took (ms). */
async function buy(origin, buyer, item) {
  if (MODE === 'web') return webCheckout(origin, buyer, item)
  await addToCart(origin, buyer, item)
  const t0 = performance.now()
  await placeApiOrder(origin, buyer, item)
  return performance.now() - t0
}

// ───────────────────────────── counting SQL statements ─────────────────────────────

const STATEMENT_LINE = /LOG:\s+(statement|execute [^:]*):/

/** Statements the benchmark's database logged while `during` ran (only lines that also match `also`, if given). */
async function countStatements(during, also = () => true) {
  const start = statSync(PG_LOG).size
  await during()
  await new Promise((r) => setTimeout(r, 300))
  const fh = await open(PG_LOG, 'r')
  try {
    const { size } = await fh.stat()
    const buf = Buffer.alloc(size - start)
    await fh.read(buf, 0, buf.length, start)
    const tag = `@${world.database} `
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes(tag) && STATEMENT_LINE.test(l) && also(l)).length
  } finally {
    await fh.close()
  }
}

/** Refuses to start a run whose statements could not be counted. */
function checkStatementLog() {
  if (!PG_LOG) throw new Error('cannot count SQL statements: no PostgreSQL server log in /var/log/postgresql. Set BENCH_PG_LOG to it, or BENCH_STATEMENTS=0 to skip the count.')
  try {
    accessSync(PG_LOG, constants.R_OK)
  } catch (err) {
    throw new Error(`cannot count SQL statements: ${PG_LOG} is not readable (${err.code}). Run as a user who may read it, or set BENCH_STATEMENTS=0.`)
  }
}

/** Turns statement logging on for new connections to the benchmark's database, and proves it is seen in PG_LOG. */
async function startStatementLog() {
  checkStatementLog()
  await withClient(world.databaseUrl, (c) => c.query(`ALTER DATABASE "${world.database}" SET log_statement = 'all'`))
  const probe = `bench_probe_${randomBytes(6).toString('hex')}`
  let seen = 0
  for (let i = 0; i < 5 && seen === 0; i++) {
    seen = await countStatements(
      () => withClient(world.databaseUrl, (c) => c.query(`SELECT '${probe}'`)),
      (l) => l.includes(probe),
    )
  }
  if (seen === 0) {
    throw new Error(
      `log_statement = 'all' did not show up in ${PG_LOG} for database ${world.database}: a probe statement was not logged. ` +
        `Is that the running server's log, and does log_line_prefix name the database (%d)?`,
    )
  }
}

/** Statements per unit while `during` runs `units` of something; a count of 0 means the count is broken. */
async function perUnit(what, units, during) {
  const n = await countStatements(during)
  if (n === 0) throw new Error(`counted 0 SQL statements for ${units} × ${what}: statement logging did not reach ${PG_LOG}`)
  return n / units
}

// ───────────────────────────── the run ─────────────────────────────

async function main() {
  if (COUNT_STATEMENTS) checkStatementLog()
  await world.create()
  log(`${MODE} mode; database ${world.database}, Redis prefix ${world.keyPrefix}; migrating and seeding on first start…`)
  const server = await world.startServer()
  const { origin } = server

  // Plenty of stock everywhere, so the run measures ordering, not selling out.
  const items = await withClient(world.databaseUrl, async (c) => {
    await c.query(`UPDATE product_sizes SET stock = 1000000`)
    const { rows } = await c.query(`SELECT ps.product_id::text AS "productId", ps.size FROM product_sizes ps JOIN products p ON p.id = ps.product_id WHERE p.status = 'active'`)
    return rows
  })
  const pick = () => items[Math.floor(Math.random() * items.length)]

  log(`${BUYERS} buyers sign in…`)
  const run = randomBytes(2).readUInt16BE(0) % 1000
  const phone = (i) => `+9171${String(run).padStart(3, '0')}${String(i).padStart(5, '0')}`
  const buyers = await Promise.all(
    Array.from({ length: BUYERS }, async (_, i) => {
      if (MODE === 'api') return apiBuyer(origin, phone(i))
      const buyer = await webSignIn(origin, webBuyer(), phone(i))
      await saveFirstAddress(origin, buyer, pick())
      return buyer
    }),
  )

  // Warm-up: a few full iterations per buyer (JIT, pools, caches).
  await Promise.all(
    buyers.map(async (b) => {
      for (let i = 0; i < 3; i++) await buy(origin, b, pick())
    }),
  )

  log(`measuring: ${BUYERS} buyers for ${DURATION_S} s…`)
  const placeMs = []
  const iterationMs = []
  const errors = []
  const requestsBefore = requests.n
  const deadline = performance.now() + DURATION_S * 1000
  const started = performance.now()
  await Promise.all(
    buyers.map(async (buyer) => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        try {
          placeMs.push(await buy(origin, buyer, pick()))
          iterationMs.push(performance.now() - t0)
        } catch (err) {
          errors.push(err.message)
        }
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const requestsMeasured = requests.n - requestsBefore
  placeMs.sort((a, b) => a - b)
  iterationMs.sort((a, b) => a - b)
  const oversold = (await withClient(world.databaseUrl, (c) => c.query(`SELECT count(*)::int AS n FROM product_sizes WHERE stock < 0`))).rows[0].n
  await server.stop()
  const serverLog = serverLogSummary(server.logFile)

  // SQL statements, on a second instance whose new connections log every statement. Sessions
  // and tokens live in the shared Redis and database, so the same buyers go on there.
  const statements = []
  if (COUNT_STATEMENTS) {
    try {
      await startStatementLog()
      const counter = await world.startServer()
      const o = counter.origin
      const sample = Array.from({ length: STATEMENT_SAMPLE }, pick)
      // One warm-up iteration, so one-time work (first connections, type lookups) is not counted.
      await buy(o, buyers[0], sample[0])
      if (MODE === 'api') {
        const [b] = buyers
        const adds = await perUnit('add to cart', sample.length, async () => {
          for (const item of sample) await addToCart(o, b, item)
        })
        const orders = await perUnit('order', sample.length, async () => {
          for (const item of sample) await placeApiOrder(o, b, item)
        })
        statements.push(['SQL statements per order (POST /api/v1/orders)', orders], ['SQL statements per add-to-cart form post', adds])
      } else {
        // One order per buyer at a time: each buyer's checkout choices live in their session.
        const sampleBuyers = buyers.slice(0, sample.length)
        const before = requests.n
        const flows = await perUnit('web checkout', sampleBuyers.length, async () => {
          for (const [i, b] of sampleBuyers.entries()) await webCheckout(o, b, sample[i])
        })
        const requestsPerFlow = (requests.n - before) / sampleBuyers.length
        // Every buyer up to the review (not counted), then only the place-order posts.
        const tokens = []
        for (const [i, b] of sampleBuyers.entries()) tokens.push(await webToReview(o, b, sample[i]))
        const orders = await perUnit('web order', sampleBuyers.length, async () => {
          for (const [i, b] of sampleBuyers.entries()) await webPlace(o, b, tokens[i])
        })
        statements.push(['SQL statements per web order (the place-order post)', orders], [`SQL statements per full web checkout (${requestsPerFlow} requests)`, flows])
      }
      await counter.stop()
    } finally {
      await withClient(world.databaseUrl, (c) => c.query(`ALTER DATABASE "${world.database}" RESET log_statement`)).catch(() => undefined)
    }
  }

  const ms = (v) => v.toFixed(1)
  const order = MODE === 'web' ? 'web order' : 'order'
  const rows = [
    [`${order}s placed`, String(placeMs.length)],
    [`${order}s per second`, (placeMs.length / elapsed).toFixed(1)],
    [MODE === 'web' ? 'place order (review form post) p50, ms' : 'place order (POST /api/v1/orders) p50, ms', ms(percentile(placeMs, 50))],
    [MODE === 'web' ? 'place order (review form post) p99, ms' : 'place order (POST /api/v1/orders) p99, ms', ms(percentile(placeMs, 99))],
    [MODE === 'web' ? 'full web checkout p50, ms' : 'add to cart + order p50, ms', ms(percentile(iterationMs, 50))],
    [MODE === 'web' ? 'full web checkout p99, ms' : 'add to cart + order p99, ms', ms(percentile(iterationMs, 99))],
    ['requests per second', (requestsMeasured / elapsed).toFixed(1)],
    ['errors', String(errors.length)],
    ['sizes with stock < 0', String(oversold)],
    [`server log lines (${LOG_LEVEL} and above)`, String(Object.values(serverLog.levels).reduce((a, b) => a + b, 0))],
    ['server warnings and errors', String((serverLog.levels.warn ?? 0) + (serverLog.levels.error ?? 0))],
    ...statements.map(([label, v]) => [label, v.toFixed(1)]),
  ]
  if (!COUNT_STATEMENTS) rows.push(['SQL statements', 'not counted (BENCH_STATEMENTS=0)'])

  console.log(`\ncheckout benchmark, ${MODE} mode: ${BUYERS} buyers × ${DURATION_S} s, ${os.cpus().length} CPUs, Node ${process.version}, server LOG_LEVEL=${LOG_LEVEL}\n`)
  const width = Math.max(...rows.map(([label]) => label.length))
  const valueWidth = Math.max(5, ...rows.map(([, v]) => v.length))
  console.log(`| ${'measure'.padEnd(width)} | ${'value'.padStart(valueWidth)} |`)
  console.log(`| ${'-'.repeat(width)} | ${'-'.repeat(valueWidth - 1)}: |`)
  for (const [label, value] of rows) console.log(`| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`)

  if (serverLog.problems.length) log(`the server logged warnings or errors, first ones:\n  ${serverLog.problems.join('\n  ')}`)
  if (errors.length) log(`first errors:\n  ${[...new Set(errors)].slice(0, 5).join('\n  ')}`)
  if (errors.length || oversold || serverLog.levels.error) process.exitCode = 1
}

main()
  .catch((err) => {
    console.error(`[bench] ${err.stack ?? err.message}`)
    process.exitCode = 1
  })
  .finally(() => world.cleanup())
