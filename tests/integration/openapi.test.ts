// The OpenAPI document is kept true: real responses of the real server (fresh, seeded
// database) are validated against the schemas the document declares for their status.
// Undocumented statuses fail, and bad query parameters must give the documented 400.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { seed } from '#prisma/seed/index.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:openapi:${randomBytes(4).toString('hex')}:`
const CODE = '246810'

type Schema = Record<string, unknown>
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> } }
type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }> }

let server: RunningServer
let doc: Doc
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => {
  const db = await createTestDatabase('it_openapi')
  cleanups.push(db.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  // Seeded here with a small order history (the server's first-start seed makes 6,000 orders).
  await migrateDeploy(db.url)
  await seed({ url: db.url, orders: 200, uploadDir: path.join(tmp, 'uploads') })
  server = startServer(
    {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      DEV_OTP_CODE: CODE,
      RUN_WORKER: 'false',
      RATE_LIMIT_API_MAX: '10000',
      RATE_LIMIT_AUTH_MAX: '10000',
      JWT_SECRET: 'openapi-jwt-secret-0123456789abcdef0123',
      SESSION_SECRET: 'openapi-session-secret-0123456789abcdef',
      PUBLIC_URL: 'https://shop.example.com',
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
    },
    await freePort(),
  )
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
  const res = await fetch(`${server.url}/api/v1/openapi.json`)
  expect(res.status).toBe(200)
  doc = (await res.json()) as Doc
}, 150_000)

afterAll(async () => {
  await server?.stop('SIGKILL')
  await deleteRedisKeys(REDIS_URL, PREFIX)
  for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined)
})

// ─── a JSON Schema subset: type, required, properties, additionalProperties, items, enum,
// const, minimum/maximum, minLength/maxLength, pattern, format (uuid, date-time), $ref,
// minItems/maxItems, anyOf, oneOf ───

function resolve(schema: Schema): Schema {
  const ref = schema.$ref
  if (typeof ref !== 'string') return schema
  const name = ref.replace('#/components/schemas/', '')
  const target = doc.components.schemas[name]
  if (!target) throw new Error(`unresolved $ref ${ref}`)
  return resolve(target)
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

/** Problems of `value` against `schema`, as "path: message" strings (empty when valid). */
function validate(value: unknown, raw: Schema, at = '$'): string[] {
  const schema = resolve(raw)
  const errors: string[] = []
  if (schema.type !== undefined) {
    const allowed = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[]
    const actual = typeOf(value)
    const ok = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'))
    if (!ok) return [`${at}: expected ${allowed.join('|')}, got ${actual}`]
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`)
  if ('const' in schema && schema.const !== value) errors.push(`${at}: expected ${JSON.stringify(schema.const)}`)
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: below minimum ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${at}: above maximum ${schema.maximum}`)
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`)
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errors.push(`${at}: longer than ${schema.maxLength}`)
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${at}: does not match ${schema.pattern}`)
    if (schema.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) errors.push(`${at}: not a uuid`)
    if (schema.format === 'date-time' && (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value))) errors.push(`${at}: not a date-time`)
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...validate(item, schema.items as Schema, `${at}[${i}]`)))
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`)
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${at}: more than ${schema.maxItems} items`)
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => validate(value, s, at).length === 0)) errors.push(`${at}: matches none of anyOf`)
  if (Array.isArray(schema.oneOf)) {
    const matches = (schema.oneOf as Schema[]).filter((s) => validate(value, s, at).length === 0).length
    if (matches !== 1) errors.push(`${at}: matches ${matches} of oneOf, not exactly 1`)
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in obj)) errors.push(`${at}: missing required "${key}"`)
    const props = (schema.properties ?? {}) as Record<string, Schema>
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) errors.push(...validate(v, props[key], `${at}.${key}`))
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errors.push(...validate(v, schema.additionalProperties as Schema, `${at}.${key}`))
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected "${key}"`)
    }
  }
  return errors
}

/** Calls the API and checks the answer against the document: the status must be documented and the body valid. */
async function call(method: 'get' | 'post' | 'put', docPath: string, url: string, init: RequestInit = {}) {
  const op = doc.paths[docPath]?.[method]
  if (!op) throw new Error(`${method.toUpperCase()} ${docPath} is not in the document`)
  const res = await fetch(`${server.url}/api/v1${url}`, { method: method.toUpperCase(), ...init })
  const body: unknown = await res.json()
  const response = op.responses[String(res.status)]
  expect(response, `${method.toUpperCase()} ${url} answered an undocumented ${res.status}: ${JSON.stringify(body).slice(0, 300)}`).toBeDefined()
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const schema = response!.content?.['application/json']?.schema
  expect(schema, `${res.status} of ${docPath} has no JSON schema`).toBeDefined()
  expect(validate(body, schema!)).toEqual([])
  return { status: res.status, body: body as Record<string, unknown> }
}

const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

describe('the document', () => {
  it('is OpenAPI 3.1 with bearer auth, the error shape and every $ref resolvable', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/products', '/products/{idOrSlug}', '/auth/otp/request', '/auth/otp/verify', '/me', '/orders', '/orders/{id}', '/orders/{id}/status', '/orders/{id}/cancel']),
    )
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
    expect(refs.length).toBeGreaterThan(5)
    for (const r of refs) expect(() => resolve({ $ref: r.slice(8, -1) })).not.toThrow()
  })

  it('the validator itself rejects wrong shapes', () => {
    expect(validate({ items: [], page: 1, limit: 20 }, { $ref: '#/components/schemas/ProductPage' })).toEqual(['$: missing required "total"'])
    expect(validate({ error: { code: 1, message: 'x' } }, { $ref: '#/components/schemas/Error' })).toEqual(['$.error.code: expected string, got integer'])
    expect(validate({ ok: false }, { $ref: '#/components/schemas/Ok' })).toHaveLength(1)
    const conflict409 = doc.paths['/orders']!.post!.responses['409']!.content!['application/json']!.schema
    expect(validate({ error: { code: 'OUT_OF_STOCK', message: 'x' } }, conflict409)).not.toEqual([])
    expect(validate({ error: { code: 'OUT_OF_STOCK', message: 'x', items: [{ productId: 'p', size: 'M', requested: 1, available: 0 }] } }, conflict409)).not.toEqual([])
    expect(validate({ error: { code: 'CONFLICT', message: 'x' } }, conflict409)).toEqual([])
  })
})

describe('catalogue', () => {
  it('GET /products: a page of products with the defaults', async () => {
    const { status, body } = await call('get', '/products', '/products')
    expect(status).toBe(200)
    expect(body).toMatchObject({ page: 1, limit: 20 })
    expect((body.items as unknown[]).length).toBe(20)
    expect(body.total as number).toBeGreaterThan(100)
  })

  it('GET /products with every filter, and a typo search', async () => {
    const filtered = await call('get', '/products', '/products?category=womens-kurtas&minPrice=50000&maxPrice=300000&size=M&sort=price_asc&page=1&limit=5')
    expect(filtered.status).toBe(200)
    const items = filtered.body.items as { category: string; price: number }[]
    expect(items.length).toBeGreaterThan(0)
    for (const p of items) expect(p.category).toBe('womens-kurtas')
    const search = await call('get', '/products', '/products?q=kurtha&limit=3')
    expect((search.body.items as { name: string }[]).length).toBe(3)
  })

  it('GET /products/{idOrSlug} by slug and id; 404 for an unknown one', async () => {
    const list = await call('get', '/products', '/products?limit=1')
    const first = (list.body.items as { id: string; slug: string }[])[0]!
    const bySlug = await call('get', '/products/{idOrSlug}', `/products/${first.slug}`)
    expect(bySlug.status).toBe(200)
    const byId = await call('get', '/products/{idOrSlug}', `/products/${first.id}`)
    expect(byId.body).toEqual(bySlug.body)
    const missing = await call('get', '/products/{idOrSlug}', '/products/no-such-product')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  const bad: [string, string][] = [
    ['page=abc', 'page'],
    ['page=0', 'page'],
    ['limit=1000', 'limit'],
    ['limit=0', 'limit'],
    ['sort=cheap', 'sort'],
    ['minPrice=-1', 'minPrice'],
    ['minPrice=5000&maxPrice=100', 'maxPrice'],
    ['maxPrice=1.5', 'maxPrice'],
    [`q=${'x'.repeat(101)}`, 'q'],
    ['size=ABCDEFGHIJKLM', 'size'],
  ]
  it.each(bad)('GET /products?%s → 400 naming %s, never 500', async (qs, field) => {
    const op = doc.paths['/products']!.get!
    expect(op.parameters?.map((p) => p.name)).toContain(field)
    const { status, body } = await call('get', '/products', `/products?${qs}`)
    expect(status).toBe(400)
    const error = body.error as { code: string; fields: Record<string, string> }
    expect(error.code).toBe('VALIDATION')
    expect(Object.keys(error.fields)).toContain(field)
  })
})

describe('auth', () => {
  it('OTP request → verify → bearer /me, and the documented errors', async () => {
    const phone = '+919812300001'
    const requested = await call('post', '/auth/otp/request', '/auth/otp/request', postJson({ phone }))
    expect(requested.status).toBe(202)
    const wrongBody = await call('post', '/auth/otp/request', '/auth/otp/request', postJson({ mobile: phone }))
    expect(wrongBody.status).toBe(400)

    const verified = await call('post', '/auth/otp/verify', '/auth/otp/verify', postJson({ phone, code: CODE }))
    expect(verified.status).toBe(200)
    const token = verified.body.token as string

    const me = await call('get', '/me', '/me', { headers: { Authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ user: { phone } })
    const anonymous = await call('get', '/me', '/me')
    expect(anonymous.status).toBe(401)
    const forged = await call('get', '/me', '/me', { headers: { Authorization: 'Bearer not.a.token' } })
    expect(forged.status).toBe(401)
  })
})

describe('orders', () => {
  async function login(phone: string): Promise<{ token: string; id: string }> {
    expect((await call('post', '/auth/otp/request', '/auth/otp/request', postJson({ phone }))).status).toBe(202)
    const { body } = await call('post', '/auth/otp/verify', '/auth/otp/verify', postJson({ phone, code: CODE }))
    return { token: body.token as string, id: (body.user as { id: string }).id }
  }
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra })
  const address = { name: 'Meera Iyer', line1: '7 Marine Drive', city: 'Mumbai', state: 'Maharashtra', postalCode: '400002', country: 'IN', phone: '+919820012345' }

  it('place, replay, list, read, move on and cancel: every answer as documented', async () => {
    // The seeded shopper (with seeded order history) and seeded staff, as in the README.
    const shopper = await login('+919000000101')
    const admin = await login('+919000000001')
    const warehouse = await login('+919000000003')
    const stranger = await login('+919812300077')

    const list = await call('get', '/products', '/products?size=M&limit=1')
    const product = (list.body.items as { id: string }[])[0]!
    const order = { items: [{ productId: product.id, size: 'M', quantity: 1 }], shippingAddress: address, paymentMethod: 'cod' }
    const key = `openapi-${randomBytes(6).toString('hex')}`

    const placed = await call('post', '/orders', '/orders', { ...postJson(order), headers: bearer(shopper.token, { 'Content-Type': 'application/json', 'Idempotency-Key': key }) })
    expect(placed.status).toBe(201)
    const id = placed.body.id as string
    const replayed = await call('post', '/orders', '/orders', { ...postJson(order), headers: bearer(shopper.token, { 'Content-Type': 'application/json', 'Idempotency-Key': key }) })
    expect(replayed).toMatchObject({ status: 201, body: { id } })
    const reused = await call('post', '/orders', '/orders', {
      ...postJson({ ...order, items: [{ productId: product.id, size: 'M', quantity: 2 }] }),
      headers: bearer(shopper.token, { 'Content-Type': 'application/json', 'Idempotency-Key': key }),
    })
    expect(reused).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } })
    const short = await call('post', '/orders', '/orders', { ...postJson({ ...order, items: [{ productId: product.id, size: 'NO-SUCH', quantity: 1 }] }), headers: bearer(shopper.token, { 'Content-Type': 'application/json' }) })
    expect(short).toMatchObject({ status: 409, body: { error: { code: 'OUT_OF_STOCK', items: [{ productId: product.id, size: 'NO-SUCH', requested: 1, available: 0 }] } } })
    expect((await call('post', '/orders', '/orders', { ...postJson({ ...order, items: [] }), headers: bearer(shopper.token, { 'Content-Type': 'application/json' }) })).status).toBe(400)
    expect((await call('post', '/orders', '/orders', { ...postJson(order), headers: bearer(shopper.token, { 'Content-Type': 'application/json', 'Idempotency-Key': 'short' }) })).status).toBe(400)
    expect((await call('post', '/orders', '/orders', postJson(order))).status).toBe(401)

    // The list holds seeded orders of every kind as well as the new one: all of them valid.
    const mine = await call('get', '/orders', '/orders?limit=100', { headers: bearer(shopper.token) })
    expect(mine.status).toBe(200)
    const items = mine.body.items as { id: string; status: string }[]
    expect(items[0]?.id).toBe(id)
    expect(items.length, 'seeded orders are validated too').toBeGreaterThan(1)
    expect((await call('get', '/orders', '/orders?limit=0', { headers: bearer(shopper.token) })).status).toBe(400)
    expect((await call('get', '/orders', '/orders')).status).toBe(401)

    expect((await call('get', '/orders/{id}', `/orders/${id}`, { headers: bearer(shopper.token) })).status).toBe(200)
    expect((await call('get', '/orders/{id}', `/orders/${id}`, { headers: bearer(stranger.token) })).status).toBe(404)

    const shipped = await call('put', '/orders/{id}/status', `/orders/${id}/status`, { ...postJson({ status: 'shipped', note: 'AWB 42' }), headers: bearer(admin.token, { 'Content-Type': 'application/json' }) })
    expect(shipped).toMatchObject({ status: 200, body: { status: 'shipped' } })
    const backwards = await call('put', '/orders/{id}/status', `/orders/${id}/status`, { ...postJson({ status: 'processing' }), headers: bearer(admin.token, { 'Content-Type': 'application/json' }) })
    expect(backwards).toMatchObject({ status: 422, body: { error: { code: 'STATE_NOT_ALLOWED' } } })
    const notWarehouse = await call('put', '/orders/{id}/status', `/orders/${id}/status`, { ...postJson({ status: 'cancelled' }), headers: bearer(warehouse.token, { 'Content-Type': 'application/json' }) })
    expect(notWarehouse.status).toBe(403)
    expect((await call('put', '/orders/{id}/status', `/orders/${id}/status`, { ...postJson({ status: 'gone' }), headers: bearer(admin.token, { 'Content-Type': 'application/json' }) })).status).toBe(400)
    expect((await call('put', '/orders/{id}/status', `/orders/${id}/status`, { ...postJson({ status: 'delivered' }), headers: bearer(shopper.token, { 'Content-Type': 'application/json' }) })).status).toBe(403)

    const tooLate = await call('post', '/orders/{id}/cancel', `/orders/${id}/cancel`, { headers: bearer(shopper.token) })
    expect(tooLate).toMatchObject({ status: 422, body: { error: { code: 'STATE_NOT_ALLOWED' } } })
    expect((await call('post', '/orders/{id}/cancel', `/orders/${id}/cancel`, { headers: bearer(warehouse.token) })).status).toBe(403)
    expect((await call('post', '/orders/{id}/cancel', `/orders/${id}/cancel`, { headers: bearer(stranger.token) })).status).toBe(404)
    const cancelled = await call('post', '/orders/{id}/cancel', `/orders/${id}/cancel`, { ...postJson({ reason: 'customer called' }), headers: bearer(admin.token, { 'Content-Type': 'application/json' }) })
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } })
  })
})

// Not OpenAPI, but the same server: the HTML side of the same query schema.
describe('storefront pages', () => {
  it('answer nonsense filters with 400 and a friendly message (no stack trace), valid ones with 200', async () => {
    for (const qs of ['min=abc', 'min=900&max=100', 'sort=cheap', 'page=0']) {
      const res = await fetch(`${server.url}/search?${qs}`)
      expect(res.status, qs).toBe(400)
      const html = await res.text()
      expect(html).toContain('Some filters are not valid')
      expect(html, 'a stack trace').not.toMatch(/\bat [\w.<>]+ \((\/|file:)/)
    }
    const ok = await fetch(`${server.url}/c/womens-kurtas?min=500&max=3000&size=M&sort=price_asc`)
    expect(ok.status).toBe(200)
    expect(await ok.text()).toMatch(/\d+ products?/)
    expect((await fetch(`${server.url}/c/no-such-category`)).status).toBe(404)
  })

  it('product pages carry canonical, og:* and JSON-LD Product metadata', async () => {
    const list = await call('get', '/products', '/products?limit=1')
    const p = (list.body.items as { slug: string; name: string }[])[0]!
    const html = await (await fetch(`${server.url}/products/${p.slug}`)).text()
    expect(html).toContain(`<link rel="canonical" href="https://shop.example.com/products/${p.slug}"`)
    expect(html).toMatch(/<meta property="og:type" content="product"/)
    const ld = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)
    expect(ld).not.toBeNull()
    expect(JSON.parse(ld![1]!)).toMatchObject({ '@type': 'Product', offers: { '@type': 'Offer', priceCurrency: 'INR' } })
  })
})
