// Checkout load test: 20 concurrent buyers each signing in once (phone + one-time code, read
// from the server's SMS outbox as a developer would), then, until time is up, adding a
// product size to the cart (the no-JavaScript form post) and placing a cash-on-delivery
// order through POST /api/v1/orders. Production build, real PostgreSQL and Redis, 127.0.0.1.
//
//   npm run build            # first; this script builds nothing
//   node bench/checkout.mjs
//
// Then it counts SQL statements per order: a second server on the same database, started
// after `ALTER DATABASE … SET log_statement = 'all'`, places orders one at a time while the
// PostgreSQL server log is read (Debian's default log_line_prefix names the database).
// Everything it made (database, Redis keys, files, servers by PID) is removed at the end.
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createWorld, log, percentile, withClient } from './lib.mjs'

const env = process.env
const DURATION_S = Number(env.BENCH_DURATION ?? 20)
const BUYERS = Number(env.BENCH_BUYERS ?? 20)
const STATEMENT_SAMPLE = Number(env.BENCH_STATEMENT_ORDERS ?? 20)
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

/** Signs a phone in through the API; the code is read from the server's SMS outbox. */
async function signIn(origin, phone) {
  const before = Date.now()
  const req = await fetch(`${origin}/api/v1/auth/otp/request`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone }) })
  if (req.status !== 202) throw new Error(`otp request for ${phone}: ${req.status} ${await req.text()}`)
  const dir = path.join(world.scratch, 'outbox', 'sms')
  let code = null
  for (let i = 0; i < 100 && !code; i++) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      let msg
      try {
        msg = JSON.parse(readFileSync(path.join(dir, f), 'utf8'))
      } catch {
        continue // still being written
      }
      if (msg.to === phone && Date.parse(msg.createdAt) >= before - 1000) code = /\b(\d{6})\b/.exec(msg.message)?.[1] ?? null
    }
    if (!code) await new Promise((r) => setTimeout(r, 50))
  }
  if (!code) throw new Error(`no code for ${phone} in the outbox`)
  const res = await fetch(`${origin}/api/v1/auth/otp/verify`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone, code }) })
  if (res.status !== 200) throw new Error(`otp verify for ${phone}: ${res.status} ${await res.text()}`)
  return (await res.json()).token
}

/** The no-JavaScript add-to-cart form post (answers 302 to the cart). */
async function addToCart(origin, token, item) {
  const body = new URLSearchParams({ intent: 'add', productId: item.productId, size: item.size, quantity: '1', redirectTo: '/cart' })
  const res = await fetch(`${origin}/cart`, { method: 'POST', redirect: 'manual', headers: { Authorization: `Bearer ${token}` }, body })
  await res.arrayBuffer()
  if (res.status !== 302) throw new Error(`add to cart: ${res.status}`)
}

async function placeOrder(origin, token, item) {
  const res = await fetch(`${origin}/api/v1/orders`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify({ items: [{ productId: item.productId, size: item.size, quantity: 1 }], shippingAddress: address, paymentMethod: 'cod' }),
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`place order: ${res.status} ${text.slice(0, 200)}`)
}

async function countStatements(during) {
  if (!PG_LOG) return null
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
      .filter((l) => l.includes(tag) && /LOG:\s+(statement|execute [^:]*):/.test(l)).length
  } finally {
    await fh.close()
  }
}

async function main() {
  await world.create()
  log(`database ${world.database}, Redis prefix ${world.keyPrefix}; migrating and seeding on first start…`)
  const { origin } = await world.startServer()

  // Plenty of stock everywhere, so the run measures ordering, not selling out.
  const items = await withClient(world.databaseUrl, async (c) => {
    await c.query(`UPDATE product_sizes SET stock = 1000000`)
    const { rows } = await c.query(`SELECT ps.product_id::text AS "productId", ps.size FROM product_sizes ps JOIN products p ON p.id = ps.product_id WHERE p.status = 'active'`)
    return rows
  })
  const pick = () => items[Math.floor(Math.random() * items.length)]

  log(`${BUYERS} buyers sign in…`)
  const run = randomBytes(2).readUInt16BE(0) % 1000
  const tokens = await Promise.all(Array.from({ length: BUYERS }, (_, i) => signIn(origin, `+9171${String(run).padStart(3, '0')}${String(i).padStart(5, '0')}`)))

  // Warm-up: a few full iterations per buyer (JIT, pools, caches).
  await Promise.all(tokens.map(async (t) => {
    for (let i = 0; i < 3; i++) {
      const item = pick()
      await addToCart(origin, t, item)
      await placeOrder(origin, t, item)
    }
  }))

  log(`measuring: ${BUYERS} buyers for ${DURATION_S} s…`)
  const orderMs = []
  const iterationMs = []
  const errors = []
  const deadline = performance.now() + DURATION_S * 1000
  const started = performance.now()
  await Promise.all(
    tokens.map(async (token) => {
      while (performance.now() < deadline) {
        const item = pick()
        const t0 = performance.now()
        try {
          await addToCart(origin, token, item)
          const t1 = performance.now()
          await placeOrder(origin, token, item)
          const t2 = performance.now()
          orderMs.push(t2 - t1)
          iterationMs.push(t2 - t0)
        } catch (err) {
          errors.push(err.message)
        }
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  orderMs.sort((a, b) => a - b)
  iterationMs.sort((a, b) => a - b)

  const oversold = await withClient(world.databaseUrl, (c) => c.query(`SELECT count(*)::int AS n FROM product_sizes WHERE stock < 0`))

  // SQL statements per order, on a second instance whose connections log every statement.
  let perOrder = null
  let perAdd = null
  if (PG_LOG) {
    await withClient(world.databaseUrl, (c) => c.query(`ALTER DATABASE "${world.database}" SET log_statement = 'all'`))
    const counter = await world.startServer()
    const token = await signIn(counter.origin, '+917199900001')
    const sample = Array.from({ length: STATEMENT_SAMPLE }, pick)
    // One warm-up of each, so one-time work (prepared types, first session) is not counted.
    await addToCart(counter.origin, token, sample[0])
    await placeOrder(counter.origin, token, sample[0])
    const adds = await countStatements(async () => {
      for (const item of sample) await addToCart(counter.origin, token, item)
    })
    const orders = await countStatements(async () => {
      for (const item of sample) await placeOrder(counter.origin, token, item)
    })
    perAdd = adds === null ? null : adds / sample.length
    perOrder = orders === null ? null : orders / sample.length
    await counter.stop()
    await withClient(world.databaseUrl, (c) => c.query(`ALTER DATABASE "${world.database}" RESET log_statement`))
  }

  const ms = (v) => Math.round(v * 10) / 10
  console.log(`\ncheckout benchmark — ${BUYERS} buyers × ${DURATION_S} s, ${os.cpus().length} CPUs, Node ${process.version}\n`)
  console.table([
    {
      orders: orderMs.length,
      'orders/s': Math.round((orderMs.length / elapsed) * 10) / 10,
      'place p50 ms': ms(percentile(orderMs, 50)),
      'place p99 ms': ms(percentile(orderMs, 99)),
      'iteration p50 ms': ms(percentile(iterationMs, 50)),
      'iteration p99 ms': ms(percentile(iterationMs, 99)),
      errors: errors.length,
      'sizes < 0': oversold.rows[0].n,
    },
  ])
  if (perOrder !== null) console.log(`SQL statements per order (POST /api/v1/orders, whole request): ${perOrder.toFixed(1)}; per add-to-cart form post: ${perAdd.toFixed(1)}`)
  else console.log('SQL statements per order: not measured (PostgreSQL server log not found; set BENCH_PG_LOG)')
  if (errors.length) {
    console.log(`first errors:\n  ${[...new Set(errors)].slice(0, 5).join('\n  ')}`)
    process.exitCode = 1
  }
}

main()
  .catch((err) => {
    console.error(`[bench] ${err.stack ?? err.message}`)
    process.exitCode = 1
  })
  .finally(() => world.cleanup())
