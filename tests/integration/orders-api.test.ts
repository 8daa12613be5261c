// The orders rows of the /api/v1 contract against the real server (own database, own
// Redis prefix, bearer JWTs from the OTP API): placing (server-side prices, all or
// nothing, idempotency), reading (own orders only), staff status changes and cancelling.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys, queryRows } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:orders-api:${randomBytes(4).toString('hex')}:`
const CODE = '314159'

let server: RunningServer
let dbUrl = ''
const cleanups: (() => Promise<void> | void)[] = []

interface Login {
  token: string
  id: string
}
const users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'warehouse' | 'manager' | 'accountant', Login> = {
  alice: { token: '', id: '' },
  bob: { token: '', id: '' },
  carol: { token: '', id: '' },
  dave: { token: '', id: '' },
  warehouse: { token: '', id: '' },
  manager: { token: '', id: '' },
  accountant: { token: '', id: '' },
}

type Json = Record<string, unknown>
interface OrderJson {
  id: string
  number: number
  userId: string
  status: string
  items: { productId: string; name: string; size: string; quantity: number; price: number }[]
  itemsPrice: number
  taxPrice: number
  shippingPrice: number
  totalPrice: number
  currency: string
  paymentMethod: string
  isPaid: boolean
  shippingAddress: Record<string, string>
  events: { status: string; at: string; note?: string; actor?: { role: string } | null }[]
  createdAt: string
}
interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string>; items?: { productId: string; size: string; requested: number; available: number }[] }
}

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => queryRows<T>(dbUrl, text, values)

async function insertProduct(slug: string, price: number, sizes: Record<string, number>): Promise<string> {
  const [cat] = await sql<{ id: string }>(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'oa-cat', 'Orders API') ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`)
  const [row] = await sql<{ id: string }>(
    `INSERT INTO products (id, slug, name, category_id, price, mrp, status, updated_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'active', now()) RETURNING id`,
    [slug, `Product ${slug}`, cat?.id, price, price + 20_000],
  )
  for (const [i, [size, stock]] of Object.entries(sizes).entries()) {
    await sql(`INSERT INTO product_sizes (id, product_id, size, stock, sort_order) VALUES (gen_random_uuid(), $1, $2, $3, $4)`, [row?.id, size, stock, i])
  }
  return row?.id ?? ''
}

interface CallResult<T> {
  status: number
  headers: Headers
  body: T
}

async function api<T = Json>(method: string, p: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`
  let body: string | undefined
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    headers['Content-Type'] ??= 'application/json'
  }
  const res = await fetch(`${server.url}/api/v1${p}`, { method, headers, body })
  const text = await res.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    throw new Error(`${method} ${p} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`)
  }
  return { status: res.status, headers: res.headers, body: parsed as T }
}

async function login(phone: string): Promise<Login> {
  expect((await api('POST', '/auth/otp/request', { body: { phone } })).status).toBe(202)
  const res = await api<{ token: string; user: { id: string } }>('POST', '/auth/otp/verify', { body: { phone, code: CODE } })
  expect(res.status).toBe(200)
  return { token: res.body.token, id: res.body.user.id }
}

/** Stock per size as a client sees it (GET /api/v1/products/:id). */
async function apiStock(productId: string): Promise<Record<string, number>> {
  const res = await api<{ sizes: { size: string; stock: number }[] }>('GET', `/products/${productId}`)
  expect(res.status).toBe(200)
  return Object.fromEntries(res.body.sizes.map((s) => [s.size, s.stock]))
}

/** Stock per size in the database (for "nothing changed" checks no cache can hide). */
async function dbStock(productId: string): Promise<Record<string, number>> {
  const rows = await sql<{ size: string; stock: number }>(`SELECT size, stock FROM product_sizes WHERE product_id = $1`, [productId])
  return Object.fromEntries(rows.map((r) => [r.size, r.stock]))
}

async function orderCount(): Promise<number> {
  const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM orders`)
  return Number(row?.n)
}

/** The API requests the server logged with a 5xx status. */
function apiServerErrors(output: string): string[] {
  return output.split('\n').filter((line) => {
    try {
      const rec = JSON.parse(line) as { message?: string; path?: string; status?: number }
      return rec.message === 'request' && rec.path?.startsWith('/api/v1') === true && (rec.status ?? 0) >= 500
    } catch {
      return false
    }
  })
}

const address = { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919876543210' }
const body = (items: unknown[], paymentMethod = 'cod') => ({ items, shippingAddress: address, paymentMethod })

async function place(who: Login, items: { productId: string; size: string; quantity: number }[], headers: Record<string, string> = {}): Promise<OrderJson> {
  const res = await api<OrderJson>('POST', '/orders', { token: who.token, body: body(items), headers })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body
}

const p = { kurta: '', saree: '', socks: '', dupatta: '', stole: '', scarf: '', tee: '', cap: '' }

beforeAll(async () => {
  const db = await createTestDatabase('it_orders_api')
  dbUrl = db.url
  cleanups.push(db.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-api-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  server = startServer(
    {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      DEV_OTP_CODE: CODE,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      RATE_LIMIT_AUTH_MAX: '10000',
      RATE_LIMIT_API_MAX: '10000',
      DB_POOL_MAX: '10',
      JWT_SECRET: 'orders-api-it-jwt-secret-0123456789abcdef',
      SESSION_SECRET: 'orders-api-it-session-secret-0123456789ab',
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
    },
    await freePort(),
  )
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 120_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\n--- server output ---\n${server.output().slice(-4000)}`)
  })

  p.kurta = await insertProduct('oa-kurta', 59_900, { M: 5, L: 3 })
  p.saree = await insertProduct('oa-saree', 129_900, { M: 2 })
  p.socks = await insertProduct('oa-socks', 19_900, { M: 10 })
  p.dupatta = await insertProduct('oa-dupatta', 49_900, { M: 30 })
  p.stole = await insertProduct('oa-stole', 39_900, { M: 5 })
  p.scarf = await insertProduct('oa-scarf', 29_900, { M: 1 })
  p.tee = await insertProduct('oa-tee', 69_900, { M: 20, L: 20 })
  p.cap = await insertProduct('oa-cap', 9_900, { M: 50 })

  // Staff accounts exist with their role; they sign in like anyone else, by OTP.
  await sql(
    `INSERT INTO users (id, name, phone, role, updated_at) VALUES
       (gen_random_uuid(), 'Wendy Warehouse', '+919800000201', 'warehouse', now()),
       (gen_random_uuid(), 'Manny Manager', '+919800000202', 'account_manager', now()),
       (gen_random_uuid(), 'Ada Accountant', '+919800000203', 'accountant', now())`,
  )
  users.warehouse = await login('+919800000201')
  users.manager = await login('+919800000202')
  users.accountant = await login('+919800000203')
  users.alice = await login('+919800000101')
  users.bob = await login('+919800000102')
  users.carol = await login('+919800000103')
  users.dave = await login('+919800000104')
}, 180_000)

afterAll(async () => {
  if (server) {
    // A 5xx from the API anywhere in this file is a defect even if no assertion looked at it.
    expect(apiServerErrors(server.output())).toEqual([])
    await server.stop('SIGKILL')
  }
  await deleteRedisKeys(REDIS_URL, PREFIX)
  for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined)
})

describe('POST /api/v1/orders', () => {
  it('places a COD order: 201, prices, tax and shipping from the server (client prices ignored), stock taken', async () => {
    const res = await api<OrderJson>('POST', '/orders', {
      token: users.alice.token,
      body: {
        items: [
          { productId: p.kurta, size: 'M', quantity: 2, price: 1, name: 'Free kurta' },
          { productId: p.saree, size: 'M', quantity: 1, price: 1 },
        ],
        // A national phone number and no country: normalised by the server.
        shippingAddress: { ...address, phone: '98765 43210', country: undefined },
        paymentMethod: 'cod',
        itemsPrice: 1,
        taxPrice: 0,
        shippingPrice: 0,
        totalPrice: 1,
        status: 'delivered',
        isPaid: true,
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.headers.get('idempotent-replayed')).toBeNull()
    const o = res.body
    expect(res.headers.get('location')).toBe(`/api/v1/orders/${o.id}`)
    // 2 × 599.00 at 5% GST, 1 × 1,299.00 at 12% GST, free shipping above 499.00.
    expect(o).toMatchObject({
      userId: users.alice.id,
      status: 'processing',
      paymentMethod: 'cod',
      isPaid: false,
      currency: 'INR',
      itemsPrice: 249_700,
      taxPrice: 5_990 + 15_588,
      shippingPrice: 0,
      totalPrice: 271_278,
      shippingAddress: { ...address, phone: '+919876543210', country: 'IN' },
    })
    expect(o.items).toHaveLength(2)
    expect(o.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ productId: p.kurta, name: 'Product oa-kurta', size: 'M', quantity: 2, price: 59_900 }),
        expect.objectContaining({ productId: p.saree, name: 'Product oa-saree', size: 'M', quantity: 1, price: 129_900 }),
      ]),
    )
    expect(o.events).toEqual([expect.objectContaining({ status: 'processing', at: o.createdAt })])
    expect(await apiStock(p.kurta)).toEqual({ M: 3, L: 3 })
    expect(await apiStock(p.saree)).toEqual({ M: 1 })

    // What the client got back is exactly what it reads later.
    const again = await api<OrderJson>('GET', `/orders/${o.id}`, { token: users.alice.token })
    expect(again.status).toBe(200)
    expect(again.headers.get('cache-control')).toBe('private, no-store')
    expect(again.body).toEqual(o)
  })

  // (Razorpay orders are covered by payments-api.test.ts, which configures a fake Razorpay.)
  it('charges shipping below 499.00', async () => {
    const small = await place(users.alice, [{ productId: p.socks, size: 'M', quantity: 2 }])
    expect(small).toMatchObject({ itemsPrice: 39_800, taxPrice: 1_990, shippingPrice: 4_900, totalPrice: 46_690, status: 'processing' })
    expect((await apiStock(p.socks)).M).toBe(8)
  })

  it('shippingMethod: standard when left out, express priced by the server, anything else 400; it is part of the Idempotency-Key body', async () => {
    type ShippedOrder = OrderJson & { shippingMethod: string }
    const tunic = await insertProduct('oa-tunic', 59_900, { M: 5 })
    const line = [{ productId: tunic, size: 'M', quantity: 1 }]
    // 599.00 at 5% GST; standard delivery is free from 499.00, express never is. The client's shippingPrice is ignored.
    const key = `ship-${randomBytes(8).toString('hex')}`
    const express = await api<ShippedOrder>('POST', '/orders', { token: users.alice.token, body: { ...body(line), shippingMethod: 'express', shippingPrice: 0 }, headers: { 'Idempotency-Key': key } })
    expect(express.status, JSON.stringify(express.body)).toBe(201)
    expect(express.body).toMatchObject({ shippingMethod: 'express', itemsPrice: 59_900, taxPrice: 2_995, shippingPrice: 14_900, totalPrice: 77_795 })
    expect((await api<ShippedOrder>('GET', `/orders/${express.body.id}`, { token: users.alice.token })).body).toEqual(express.body)

    const standard = await api<ShippedOrder>('POST', '/orders', { token: users.alice.token, body: body(line) })
    expect(standard.body).toMatchObject({ shippingMethod: 'standard', shippingPrice: 0, totalPrice: 62_895 })

    // The same key with another delivery option is another order: refused.
    const switched = await api<ErrorJson>('POST', '/orders', { token: users.alice.token, body: { ...body(line), shippingMethod: 'standard' }, headers: { 'Idempotency-Key': key } })
    expect(switched.status).toBe(409)
    expect(switched.body.error.code).toBe('CONFLICT')

    const orders = await orderCount()
    for (const bad of ['drone', 'EXPRESS', '', null, 1]) {
      const res = await api<ErrorJson>('POST', '/orders', { token: users.alice.token, body: { ...body(line), shippingMethod: bad } })
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', fields: { shippingMethod: 'Shipping method must be one of standard, express.' } })
    }
    expect(await orderCount()).toBe(orders)
    expect(await dbStock(tunic)).toEqual({ M: 3 })
  })

  it('one short item among several: 409 OUT_OF_STOCK naming it, no stock taken, no order', async () => {
    const before = { kurta: await dbStock(p.kurta), saree: await dbStock(p.saree), socks: await dbStock(p.socks) }
    const orders = await orderCount()
    const res = await api<ErrorJson>('POST', '/orders', {
      token: users.bob.token,
      body: body([
        { productId: p.kurta, size: 'M', quantity: 1 },
        { productId: p.saree, size: 'M', quantity: 3 },
        { productId: p.socks, size: 'M', quantity: 2 },
      ]),
    })
    expect(res.status).toBe(409)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.body.error.code).toBe('OUT_OF_STOCK')
    expect(res.body.error.message).toMatch(/only 1 left of Product oa-saree \(M\)/i)
    expect(res.body.error.items).toEqual([expect.objectContaining({ productId: p.saree, size: 'M', requested: 3, available: 1 })])
    expect({ kurta: await dbStock(p.kurta), saree: await dbStock(p.saree), socks: await dbStock(p.socks) }).toEqual(before)
    expect(await orderCount()).toBe(orders)
    expect((await api<{ total: number }>('GET', '/orders', { token: users.bob.token })).body.total).toBe(0)
  })

  it('checks two lines of one size together, and reports an unknown size or product as unavailable', async () => {
    const summed = await api<ErrorJson>('POST', '/orders', {
      token: users.bob.token,
      body: body([
        { productId: p.stole, size: 'M', quantity: 3 },
        { productId: p.stole, size: 'M', quantity: 3 },
      ]),
    })
    expect(summed.status).toBe(409)
    expect(summed.body.error.items).toEqual([expect.objectContaining({ productId: p.stole, size: 'M', requested: 6, available: 5 })])

    const unknown = '0190f7a2-0000-7000-8000-000000000000'
    const missing = await api<ErrorJson>('POST', '/orders', {
      token: users.bob.token,
      body: body([
        { productId: p.stole, size: 'XXL', quantity: 1 },
        { productId: unknown, size: 'M', quantity: 1 },
      ]),
    })
    expect(missing.status).toBe(409)
    expect(missing.body.error.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ productId: p.stole, size: 'XXL', requested: 1, available: 0 }),
        expect.objectContaining({ productId: unknown, size: 'M', requested: 1, available: 0 }),
      ]),
    )
    expect(await dbStock(p.stole)).toEqual({ M: 5 })
  })

  it('20 parallel requests with one Idempotency-Key create exactly one order; the key with another body is refused', async () => {
    const key = `checkout-${randomBytes(8).toString('hex')}`
    const line = [{ productId: p.dupatta, size: 'M', quantity: 2 }]
    const results = await Promise.all(Array.from({ length: 20 }, () => api<OrderJson>('POST', '/orders', { token: users.carol.token, body: body(line), headers: { 'Idempotency-Key': key } })))
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201))
    const ids = new Set(results.map((r) => r.body.id))
    expect(ids.size).toBe(1)
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19)
    const list = await api<{ items: OrderJson[]; total: number }>('GET', '/orders', { token: users.carol.token })
    expect(list.body.total).toBe(1)
    expect(list.body.items[0]?.id).toBe([...ids][0])
    expect((await apiStock(p.dupatta)).M).toBe(28)

    // A retry later gets the same order again.
    const later = await api<OrderJson>('POST', '/orders', { token: users.carol.token, body: body(line), headers: { 'Idempotency-Key': key } })
    expect(later.status).toBe(201)
    expect(later.headers.get('idempotent-replayed')).toBe('true')
    expect(later.body.id).toBe([...ids][0])

    // The same key for a different order is a client bug: refused, nothing placed.
    const reused = await api<ErrorJson>('POST', '/orders', { token: users.carol.token, body: body([{ productId: p.dupatta, size: 'M', quantity: 1 }]), headers: { 'Idempotency-Key': key } })
    expect(reused.status).toBe(409)
    expect(reused.body.error.code).toBe('CONFLICT')
    expect((await api<{ total: number }>('GET', '/orders', { token: users.carol.token })).body.total).toBe(1)
    expect((await apiStock(p.dupatta)).M).toBe(28)

    // Keys belong to a user: another shopper using the same key gets an order of their own.
    const other = await api<OrderJson>('POST', '/orders', { token: users.dave.token, body: body(line), headers: { 'Idempotency-Key': key } })
    expect(other.status).toBe(201)
    expect(other.headers.get('idempotent-replayed')).toBeNull()
    expect(other.body.id).not.toBe([...ids][0])
    expect((await apiStock(p.dupatta)).M).toBe(26)
  })

  it('parallel repeats of a key whose order takes the last pieces all get that order, not OUT_OF_STOCK', async () => {
    const last = await insertProduct('oa-last-pair', 45_900, { M: 2 })
    const key = `last-${randomBytes(8).toString('hex')}`
    const line = [{ productId: last, size: 'M', quantity: 2 }]
    const results = await Promise.all(Array.from({ length: 10 }, () => api<OrderJson>('POST', '/orders', { token: users.dave.token, body: body(line), headers: { 'Idempotency-Key': key } })))
    expect(results.map((r) => `${r.status} ${r.status === 201 ? '' : JSON.stringify(r.body)}`)).toEqual(Array(10).fill('201 '))
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1)
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1)
    expect(await dbStock(last)).toEqual({ M: 0 })
    // A different shopper asking for the same size now is told it is sold out.
    const late = await api<ErrorJson>('POST', '/orders', { token: users.carol.token, body: body([{ productId: last, size: 'M', quantity: 1 }]) })
    expect(late.status).toBe(409)
    expect(late.body.error.items).toEqual([expect.objectContaining({ productId: last, size: 'M', requested: 1, available: 0 })])
  })

  it('a key whose order failed (out of stock) can be used again once stock is there', async () => {
    const key = `retry-${randomBytes(8).toString('hex')}`
    const line = [{ productId: p.scarf, size: 'M', quantity: 2 }]
    const short = await api<ErrorJson>('POST', '/orders', { token: users.dave.token, body: body(line), headers: { 'Idempotency-Key': key } })
    expect(short.status).toBe(409)
    expect(short.body.error.code).toBe('OUT_OF_STOCK')
    await sql(`UPDATE product_sizes SET stock = 2 WHERE product_id = $1`, [p.scarf])
    const ok = await api<OrderJson>('POST', '/orders', { token: users.dave.token, body: body(line), headers: { 'Idempotency-Key': key } })
    expect(ok.status).toBe(201)
    expect(ok.headers.get('idempotent-replayed')).toBeNull()
  })

  const badBodies: [string, unknown, string][] = [
    ['an empty object', {}, 'items'],
    ['no items', { ...body([]) }, 'items'],
    ['quantity 0', body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 0 }]), 'items.0.quantity'],
    ['a fractional quantity', body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 1.5 }]), 'items.0.quantity'],
    ['a quantity as a string', body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: '1' }]), 'items.0.quantity'],
    ['a huge quantity', body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 1_000_000 }]), 'items.0.quantity'],
    ['a product id that is not a uuid', body([{ productId: 'kurta', size: 'M', quantity: 1 }]), 'items.0.productId'],
    ['no size', body([{ productId: '0190f7a2-0000-7000-8000-000000000000', quantity: 1 }]), 'items.0.size'],
    ['an unknown payment method', body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 1 }], 'bitcoin'), 'paymentMethod'],
    ['a bad phone', { ...body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 1 }]), shippingAddress: { ...address, phone: '12' } }, 'shippingAddress.phone'],
    ['no PIN code', { ...body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 1 }]), shippingAddress: { ...address, postalCode: undefined } }, 'shippingAddress.postalCode'],
    ['an array', [body([{ productId: '0190f7a2-0000-7000-8000-000000000000', size: 'M', quantity: 1 }])], '_'],
  ]
  it.each(badBodies)('400 with fields for %s, never a 500', async (_label, bad, field) => {
    const orders = await orderCount()
    const res = await api<ErrorJson>('POST', '/orders', { token: users.bob.token, body: bad })
    expect(res.status).toBe(400)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.body.error.code).toBe('VALIDATION')
    expect(Object.keys(res.body.error.fields ?? {})).toContain(field)
    expect(await orderCount()).toBe(orders)
  })

  it('400 for a body that is not JSON, and for a malformed Idempotency-Key', async () => {
    const line = body([{ productId: p.cap, size: 'M', quantity: 1 }])
    expect((await api('POST', '/orders', { token: users.bob.token, body: '{"items": [' })).status).toBe(400)
    expect((await api('POST', '/orders', { token: users.bob.token, body: JSON.stringify(line), headers: { 'Content-Type': 'text/plain' } })).status).toBe(400)
    for (const key of ['short', 'has spaces in it', 'x'.repeat(101), 'tab\tinside-key']) {
      const res = await api<ErrorJson>('POST', '/orders', { token: users.bob.token, body: line, headers: { 'Idempotency-Key': key } })
      expect(res.status, JSON.stringify(key)).toBe(400)
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', fields: { 'Idempotency-Key': expect.any(String) } })
    }
    expect(await dbStock(p.cap)).toEqual({ M: 50 })
  })

  it('401 without a token or with a forged one', async () => {
    const line = body([{ productId: p.cap, size: 'M', quantity: 1 }])
    for (const res of [await api<ErrorJson>('POST', '/orders', { body: line }), await api<ErrorJson>('POST', '/orders', { body: line, token: 'not.a.token' }), await api<ErrorJson>('GET', '/orders')]) {
      expect(res.status).toBe(401)
      expect(res.body.error.code).toBe('UNAUTHENTICATED')
    }
    expect(await dbStock(p.cap)).toEqual({ M: 50 })
  })
})

describe('GET /api/v1/orders and /orders/:id', () => {
  it('lists only the caller’s orders, newest first, with page, limit and total', async () => {
    const a = await place(users.dave, [{ productId: p.cap, size: 'M', quantity: 1 }])
    const b = await place(users.dave, [{ productId: p.cap, size: 'M', quantity: 2 }])
    const all = await api<{ items: OrderJson[]; page: number; limit: number; total: number }>('GET', '/orders', { token: users.dave.token })
    expect(all.status).toBe(200)
    expect(all.headers.get('cache-control')).toBe('private, no-store')
    expect(all.body.page).toBe(1)
    expect(all.body.limit).toBe(20)
    expect(all.body.items.every((o) => o.userId === users.dave.id)).toBe(true)
    const total = all.body.total
    expect(total).toBeGreaterThanOrEqual(3)
    expect(all.body.items).toHaveLength(total)
    expect(all.body.items.slice(0, 2).map((o) => o.id)).toEqual([b.id, a.id])

    const first = await api<{ items: OrderJson[]; page: number; limit: number; total: number }>('GET', '/orders?page=1&limit=1', { token: users.dave.token })
    expect(first.body).toMatchObject({ page: 1, limit: 1, total })
    expect(first.body.items.map((o) => o.id)).toEqual([b.id])
    const second = await api<{ items: OrderJson[] }>('GET', '/orders?page=2&limit=1', { token: users.dave.token })
    expect(second.body.items.map((o) => o.id)).toEqual([a.id])
    const beyond = await api<{ items: OrderJson[]; total: number }>('GET', `/orders?page=${total + 1}&limit=1`, { token: users.dave.token })
    expect(beyond.status).toBe(200)
    expect(beyond.body).toMatchObject({ items: [], total })

    // Staff see their own orders here too (the staff list is elsewhere).
    const staff = await api<{ total: number }>('GET', '/orders', { token: users.manager.token })
    expect(staff.body.total).toBe(0)
  })

  const badQueries: [string, string][] = [
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=abc', 'page'],
    ['page=1.5', 'page'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=1e2', 'limit'],
    ['limit=0x10', 'limit'],
  ]
  it.each(badQueries)('GET /orders?%s → 400 naming %s', async (qs, field) => {
    const res = await api<ErrorJson>('GET', `/orders?${qs}`, { token: users.dave.token })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION')
    expect(Object.keys(res.body.error.fields ?? {})).toEqual([field])
  })

  it('another user’s order is 404 (not 403) — to read and to cancel; staff with order:read see it', async () => {
    const o = await place(users.alice, [{ productId: p.cap, size: 'M', quantity: 1 }])
    const peek = await api<ErrorJson>('GET', `/orders/${o.id}`, { token: users.bob.token })
    expect(peek.status).toBe(404)
    expect(peek.body.error.code).toBe('NOT_FOUND')
    const cancel = await api<ErrorJson>('POST', `/orders/${o.id}/cancel`, { token: users.bob.token })
    expect(cancel.status).toBe(404)
    expect((await api<OrderJson>('GET', `/orders/${o.id}`, { token: users.alice.token })).body.status).toBe('processing')

    for (const id of ['0190f7a2-0000-7000-8000-000000000000', 'not-an-id']) {
      expect((await api('GET', `/orders/${id}`, { token: users.alice.token })).status).toBe(404)
      expect((await api('GET', `/orders/${id}`, { token: users.manager.token })).status).toBe(404)
    }
    for (const staff of [users.warehouse, users.accountant, users.manager]) {
      const seen = await api<OrderJson>('GET', `/orders/${o.id}`, { token: staff.token })
      expect(seen.status).toBe(200)
      expect(seen.body.id).toBe(o.id)
    }
    expect((await api('GET', `/orders/${o.id}`)).status).toBe(401)
  })
})

describe('the order life over the API', () => {
  it('the owner cancels before shipping: 200, cancelled, stock back; cancelling again is 422', async () => {
    const o = await place(users.bob, [{ productId: p.tee, size: 'L', quantity: 3 }])
    expect(await apiStock(p.tee)).toEqual({ M: 20, L: 17 })
    const res = await api<OrderJson>('POST', `/orders/${o.id}/cancel`, { token: users.bob.token, body: { reason: 'ordered the wrong size' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.body.status).toBe('cancelled')
    expect(res.body.events.map((e) => e.status)).toEqual(['processing', 'cancelled'])
    expect(res.body.events[1]?.note).toMatch(/ordered the wrong size/)
    expect(await apiStock(p.tee)).toEqual({ M: 20, L: 20 })

    const again = await api<ErrorJson>('POST', `/orders/${o.id}/cancel`, { token: users.bob.token })
    expect(again.status).toBe(422)
    expect(again.body.error.code).toBe('STATE_NOT_ALLOWED')
    expect(await apiStock(p.tee)).toEqual({ M: 20, L: 20 })

    const badReason = await api<ErrorJson>('POST', `/orders/${o.id}/cancel`, { token: users.bob.token, body: { reason: 42 } })
    expect(badReason.status).toBe(400)
    expect(badReason.body.error.fields).toHaveProperty('reason')
  })

  it('staff move an order on; 422 for a move not allowed; 403 for the warehouse cancelling; the owner cannot cancel once shipped', async () => {
    const o = await place(users.bob, [{ productId: p.tee, size: 'M', quantity: 2 }])
    expect((await apiStock(p.tee)).M).toBe(18)

    const shipped = await api<OrderJson>('PUT', `/orders/${o.id}/status`, { token: users.warehouse.token, body: { status: 'shipped', note: 'AWB 123456' } })
    expect(shipped.status).toBe(200)
    expect(shipped.headers.get('cache-control')).toBe('private, no-store')
    expect(shipped.body.status).toBe('shipped')
    expect(shipped.body.events.at(-1)).toMatchObject({ status: 'shipped', note: 'AWB 123456', actor: { role: 'warehouse' } })

    // The owner sees the new status, and can no longer cancel.
    expect((await api<OrderJson>('GET', `/orders/${o.id}`, { token: users.bob.token })).body.status).toBe('shipped')
    const late = await api<ErrorJson>('POST', `/orders/${o.id}/cancel`, { token: users.bob.token })
    expect(late.status).toBe(422)
    expect(late.body.error.code).toBe('STATE_NOT_ALLOWED')

    const backwards = await api<ErrorJson>('PUT', `/orders/${o.id}/status`, { token: users.warehouse.token, body: { status: 'processing' } })
    expect(backwards.status).toBe(422)
    expect(backwards.body.error.code).toBe('STATE_NOT_ALLOWED')

    const warehouseCancel = await api<ErrorJson>('PUT', `/orders/${o.id}/status`, { token: users.warehouse.token, body: { status: 'cancelled' } })
    expect(warehouseCancel.status).toBe(403)
    expect(warehouseCancel.body.error.code).toBe('FORBIDDEN')
    const warehouseCancelEndpoint = await api<ErrorJson>('POST', `/orders/${o.id}/cancel`, { token: users.warehouse.token })
    expect(warehouseCancelEndpoint.status).toBe(403)
    expect((await api<OrderJson>('GET', `/orders/${o.id}`, { token: users.bob.token })).body.status).toBe('shipped')
    expect((await apiStock(p.tee)).M).toBe(18)

    // Neither shoppers nor the accountant (no order:update) move orders.
    for (const who of [users.bob, users.accountant]) {
      const res = await api<ErrorJson>('PUT', `/orders/${o.id}/status`, { token: who.token, body: { status: 'delivered' } })
      expect(res.status).toBe(403)
    }
    const badStatus = await api<ErrorJson>('PUT', `/orders/${o.id}/status`, { token: users.manager.token, body: { status: 'lost' } })
    expect(badStatus.status).toBe(400)
    expect(badStatus.body.error.fields).toHaveProperty('status')
    expect((await api('PUT', '/orders/0190f7a2-0000-7000-8000-000000000000/status', { token: users.manager.token, body: { status: 'shipped' } })).status).toBe(404)

    // The account manager may cancel a shipped order: the stock comes back.
    const cancelled = await api<OrderJson>('POST', `/orders/${o.id}/cancel`, { token: users.manager.token, body: { reason: 'courier lost it' } })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.status).toBe('cancelled')
    expect(cancelled.body.events.at(-1)).toMatchObject({ status: 'cancelled', note: 'courier lost it', actor: { role: 'account_manager' } })
    expect((await apiStock(p.tee)).M).toBe(20)
    const dead = await api<ErrorJson>('PUT', `/orders/${o.id}/status`, { token: users.manager.token, body: { status: 'delivered' } })
    expect(dead.status).toBe(422)
  })

  it('delivered, then returned by staff: the stock comes back once', async () => {
    const o = await place(users.carol, [{ productId: p.tee, size: 'L', quantity: 1 }])
    for (const status of ['shipped', 'out_for_delivery', 'delivered']) {
      const res = await api<OrderJson>('PUT', `/orders/${o.id}/status`, { token: users.warehouse.token, body: { status } })
      expect(res.status, status).toBe(200)
    }
    expect((await apiStock(p.tee)).L).toBe(19)
    const warehouseReturn = await api('PUT', `/orders/${o.id}/status`, { token: users.warehouse.token, body: { status: 'returned' } })
    expect(warehouseReturn.status).toBe(403)
    const returned = await api<OrderJson>('PUT', `/orders/${o.id}/status`, { token: users.manager.token, body: { status: 'returned' } })
    expect(returned.status).toBe(200)
    expect(returned.body.events.map((e) => e.status)).toEqual(['processing', 'shipped', 'out_for_delivery', 'delivered', 'returned'])
    expect((await apiStock(p.tee)).L).toBe(20)
    expect((await api('PUT', `/orders/${o.id}/status`, { token: users.manager.token, body: { status: 'returned' } })).status).toBe(422)
    expect((await apiStock(p.tee)).L).toBe(20)
  })
})
