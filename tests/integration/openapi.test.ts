// The OpenAPI document is kept true: real responses of the real server (fresh, seeded
// database) are validated against the schemas the document declares for their status.
// Undocumented statuses fail, bad query parameters must give the documented 400, the
// bodies of successful calls must fit the documented request schema, and every /api/v1
// route (with the methods it answers) must be in the document and nothing else.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import routes from '#app/routes.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { seed } from '#prisma/seed/index.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:openapi:${randomBytes(4).toString('hex')}:`
const CODE = '246810'

type Schema = Record<string, unknown>
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> } }
type Operation = {
  parameters?: { name: string; in: string }[]
  security?: unknown[]
  requestBody?: { content: { 'application/json': { schema: Schema } } }
  responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }>
}
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

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
// minItems/maxItems, minProperties, anyOf, oneOf ───

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
    if (typeof schema.minProperties === 'number' && Object.keys(obj).length < schema.minProperties) errors.push(`${at}: fewer than ${schema.minProperties} properties`)
    const props = (schema.properties ?? {}) as Record<string, Schema>
    for (const [key, v] of Object.entries(obj)) {
      if (props[key]) errors.push(...validate(v, props[key], `${at}.${key}`))
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errors.push(...validate(v, schema.additionalProperties as Schema, `${at}.${key}`))
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected "${key}"`)
    }
  }
  return errors
}

/**
 * Calls the API and checks the answer against the document: the status must be documented
 * and the body valid (or absent, where the document declares none). The JSON body of a
 * successful call must fit the documented request schema: the document accepts what works.
 */
async function call(method: Method, docPath: string, url: string, init: RequestInit = {}) {
  const op = doc.paths[docPath]?.[method]
  if (!op) throw new Error(`${method.toUpperCase()} ${docPath} is not in the document`)
  const res = await fetch(`${server.url}/api/v1${url}`, { method: method.toUpperCase(), ...init })
  const text = await res.text()
  const response = op.responses[String(res.status)]
  expect(response, `${method.toUpperCase()} ${url} answered an undocumented ${res.status}: ${text.slice(0, 300)}`).toBeDefined()
  if (res.ok && typeof init.body === 'string') {
    const requestSchema = op.requestBody?.content['application/json'].schema
    expect(requestSchema, `${method.toUpperCase()} ${docPath} takes a body the document does not describe`).toBeDefined()
    expect(validate(JSON.parse(init.body), requestSchema!), `the body of a successful ${method.toUpperCase()} ${docPath} breaks its request schema`).toEqual([])
  }
  const schema = response!.content?.['application/json']?.schema
  if (!schema) {
    expect(text, `${res.status} of ${method.toUpperCase()} ${docPath} is documented without a body`).toBe('')
    return { status: res.status, body: {} as Record<string, unknown>, headers: res.headers }
  }
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const body: unknown = JSON.parse(text)
  expect(validate(body, schema)).toEqual([])
  return { status: res.status, body: body as Record<string, unknown>, headers: res.headers }
}

const postJson = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/**
 * Signs in through the OTP API (DEV_OTP_CODE); the seeded staff and shoppers are listed in the
 * README. Once per phone: a second code within 30 seconds would be refused (429).
 */
const logins = new Map<string, Promise<{ token: string; id: string }>>()
function login(phone: string): Promise<{ token: string; id: string }> {
  let session = logins.get(phone)
  if (!session) {
    session = (async () => {
      expect((await call('post', '/auth/otp/request', '/auth/otp/request', postJson({ phone }))).status).toBe(202)
      const { body } = await call('post', '/auth/otp/verify', '/auth/otp/verify', postJson({ phone, code: CODE }))
      return { token: body.token as string, id: (body.user as { id: string }).id }
    })()
    logins.set(phone, session)
  }
  return session
}
const bearer = (token: string, extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${token}`, ...extra })
/** A JSON body sent with a bearer token. */
const authJson = (token: string, body: unknown): RequestInit => ({ headers: bearer(token, { 'Content-Type': 'application/json' }), body: JSON.stringify(body) })
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000'
const STAFF = { admin: '+919000000001', accountManager: '+919000000002', warehouse: '+919000000003', accountant: '+919000000004' }

/** The /api/v1 routes of app/routes.ts as document paths: `api/v1/orders/:id` → `/orders/{id}`. */
function apiRoutes(): { docPath: string; file: string }[] {
  const flat: { path: string; file: string }[] = []
  const walk = (list: readonly { path?: string; file: string; children?: unknown[] }[], parent: string) => {
    for (const r of list) {
      const full = [parent, r.path ?? ''].filter(Boolean).join('/')
      flat.push({ path: full, file: r.file })
      if (r.children) walk(r.children as typeof list, full)
    }
  }
  walk(routes, '')
  return flat.filter((r) => r.path.startsWith('api/v1/')).map((r) => ({ docPath: r.path.slice('api/v1'.length).replace(/:(\w+)/g, '{$1}'), file: r.file }))
}

describe('the document', () => {
  it('is OpenAPI 3.1 with bearer auth, the error shape and every $ref resolvable', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
    expect(refs.length).toBeGreaterThan(5)
    for (const r of refs) expect(() => resolve({ $ref: r.slice(8, -1) })).not.toThrow()
  })

  it('has exactly the /api/v1 routes of app/routes.ts, and every api.v1.* route file is routed', () => {
    const routed = apiRoutes()
    expect(routed.length).toBeGreaterThan(15)
    expect(Object.keys(doc.paths).sort()).toEqual(routed.map((r) => r.docPath).sort())
    const files = fs.readdirSync(path.join(process.cwd(), 'app/routes')).filter((f) => f.startsWith('api.v1.') && !f.includes('.test.'))
    expect(files.map((f) => `routes/${f}`).sort()).toEqual(routed.map((r) => r.file).sort())
  })

  it('documents exactly the methods each route answers (the Allow header of its 405)', async () => {
    for (const { docPath } of apiRoutes()) {
      const url = `${server.url}/api/v1${docPath.replace(/\{\w+\}/g, NO_SUCH_ID)}`
      // Each route answers a method it does not take with 405 and `Allow`; no route takes all three.
      let allow: string | null = null
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const res = await fetch(url, { method })
        await res.body?.cancel()
        if (res.status === 405) {
          allow = res.headers.get('allow')
          break
        }
      }
      expect(allow, `${docPath}: no 405 with Allow`).toBeTruthy()
      const answered = allow!.split(',').map((m) => m.trim().toLowerCase()).sort()
      expect(Object.keys(doc.paths[docPath]!).sort(), docPath).toEqual(answered)
    }
  })

  it('every operation with a bearer token documents 401, with a body 400, and all but the signed webhook 429 and 503', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses)
        const where = `${m.toUpperCase()} ${p}`
        if (op.security?.length) expect(codes, where).toContain('401')
        if (op.requestBody) expect(codes, where).toContain('400')
        expect(codes, where).toContain('503')
        if (p !== '/payments/razorpay/webhook') expect(codes, where).toContain('429')
      }
    }
  })

  it('the validator itself rejects wrong shapes', () => {
    expect(validate({ items: [], page: 1, limit: 20 }, { $ref: '#/components/schemas/ProductPage' })).toEqual(['$: missing required "total"'])
    expect(validate({ error: { code: 1, message: 'x' } }, { $ref: '#/components/schemas/Error' })).toEqual(['$.error.code: expected string, got integer'])
    expect(validate({ ok: false }, { $ref: '#/components/schemas/Ok' })).toHaveLength(1)
    expect(validate({}, { $ref: '#/components/schemas/ProductUpdate' })).toEqual(['$: fewer than 1 properties'])
    expect(validate({ role: 'user', extra: 1 }, { $ref: '#/components/schemas/UserAccessChange' })).toEqual(['$: unexpected "extra"'])
    expect(validate({ productId: NO_SUCH_ID, added: false }, doc.paths['/user/wishlist']!.post!.responses['201']!.content!['application/json']!.schema)).toHaveLength(1)
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
    const notANumber = await call('post', '/auth/otp/request', '/auth/otp/request', postJson({ phone: 'call me' }))
    expect(notANumber).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', fields: { phone: expect.any(String) } } } })

    const wrongCode = await call('post', '/auth/otp/verify', '/auth/otp/verify', postJson({ phone, code: '000000' }))
    expect(wrongCode).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } })
    expect((await call('post', '/auth/otp/verify', '/auth/otp/verify', postJson({ phone }))).status).toBe(400)

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
  const address = { name: 'Meera Iyer', line1: '7 Marine Drive', city: 'Mumbai', state: 'Maharashtra', postalCode: '400002', country: 'IN', phone: '+919820012345' }

  it('place, replay, list, read, move on and cancel: every answer as documented', async () => {
    // The seeded shopper (with seeded order history) and seeded staff, as in the README.
    const shopper = await login('+919000000101')
    const admin = await login(STAFF.admin)
    const warehouse = await login(STAFF.warehouse)
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

describe('catalogue writes (staff)', () => {
  it('create, read back, change, stock and archive: every answer as documented', async () => {
    const manager = await login(STAFF.accountManager)
    const warehouse = await login(STAFF.warehouse)
    const accountant = await login(STAFF.accountant)
    const slug = `openapi-kurta-${randomBytes(4).toString('hex')}`
    const product = {
      name: 'OpenAPI Cotton Kurta',
      slug,
      description: 'Hand-block printed.',
      category: 'womens-kurtas',
      brand: 'Kirana Threads',
      price: 129900,
      mrp: 159900,
      costPrice: 70000,
      status: 'active',
      featured: true,
      sizes: [
        { size: 'S', stock: 3 },
        { size: 'M', stock: 0 },
      ],
    }

    const created = await call('post', '/products', '/products', authJson(manager.token, product))
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ slug, price: 129900, mrp: 159900, costPrice: 70000, status: 'active', featured: true, category: 'womens-kurtas', totalStock: 3, sizes: product.sizes })
    const id = created.body.id as string
    expect(created.headers.get('location')).toBe(`/api/v1/products/${id}`)

    // The public answer is the contract's Product: no staff fields.
    const shown = await call('get', '/products/{idOrSlug}', `/products/${slug}`)
    expect(shown.body).toMatchObject({ id, totalStock: 3 })
    for (const staffOnly of ['costPrice', 'status', 'media', 'categoryId']) expect(shown.body).not.toHaveProperty(staffOnly)

    // Errors: taken slug, bad fields, unknown category, wrong staff, anonymous.
    const taken = await call('post', '/products', '/products', authJson(manager.token, { ...product, name: 'Another kurta' }))
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', fields: { slug: expect.any(String) } } } })
    const noName = await call('post', '/products', '/products', authJson(manager.token, { ...product, slug: undefined, name: '' }))
    expect(noName).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', fields: { name: expect.any(String) } } } })
    const mrpBelowPrice = await call('post', '/products', '/products', authJson(manager.token, { ...product, slug: undefined, price: 2000, mrp: 1000 }))
    expect(mrpBelowPrice).toMatchObject({ status: 400, body: { error: { fields: { mrp: expect.any(String) } } } })
    const noCategory = await call('post', '/products', '/products', authJson(manager.token, { ...product, slug: undefined, category: 'no-such-category' }))
    expect(noCategory).toMatchObject({ status: 400, body: { error: { fields: { category: expect.any(String) } } } })
    expect((await call('post', '/products', '/products', authJson(warehouse.token, { ...product, slug: undefined }))).status).toBe(403)
    expect((await call('post', '/products', '/products', postJson(product))).status).toBe(401)

    const put = (token: string, target: string, body: unknown) => call('put', '/products/{idOrSlug}', `/products/${target}`, authJson(token, body))
    const changed = await put(manager.token, id, { price: 119900, costPrice: null, featured: false })
    expect(changed).toMatchObject({ status: 200, body: { id, price: 119900, costPrice: null, mrp: 159900, featured: false } })
    expect((await put(manager.token, id, {})).status).toBe(400)
    expect(await put(manager.token, id, { mrp: 100 })).toMatchObject({ status: 400, body: { error: { fields: { mrp: expect.any(String) } } } })
    const other = ((await call('get', '/products', '/products?limit=2')).body.items as { id: string; slug: string }[]).find((p) => p.id !== id)!
    expect(await put(manager.token, id, { slug: other.slug })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', fields: { slug: expect.any(String) } } } })
    expect((await put(manager.token, NO_SUCH_ID, { price: 100 })).status).toBe(404)
    expect((await put(manager.token, slug, { price: 100 })).status, 'writes take the id, not the slug').toBe(404)
    expect((await put(warehouse.token, id, { price: 100 })).status).toBe(403)
    expect((await call('put', '/products/{idOrSlug}', `/products/${id}`, postJson({ price: 100 }))).status).toBe(401)

    // Stock per size: listed sizes get exactly these counts, a new size is added, S keeps its 3.
    const stock = (token: string, target: string, body: unknown) => call('put', '/products/{id}/stock', `/products/${target}/stock`, authJson(token, body))
    const stocked = await stock(warehouse.token, id, { sizes: [{ size: 'M', stock: 7 }, { size: 'L', stock: 2 }] })
    expect(stocked.status).toBe(200)
    expect(stocked.body).toMatchObject({ totalStock: 12, sizes: [{ size: 'S', stock: 3 }, { size: 'M', stock: 7 }, { size: 'L', stock: 2 }] })
    expect((await call('get', '/products/{idOrSlug}', `/products/${id}`)).body).toMatchObject({ totalStock: 12 })
    expect(await stock(warehouse.token, id, { sizes: [{ size: 'M', stock: -1 }] })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } })
    expect((await stock(warehouse.token, id, { sizes: [{ size: 'M', stock: 1 }, { size: 'm', stock: 2 }] })).status).toBe(400)
    expect((await stock(warehouse.token, NO_SUCH_ID, { sizes: [{ size: 'M', stock: 1 }] })).status).toBe(404)
    expect((await stock(accountant.token, id, { sizes: [{ size: 'M', stock: 1 }] })).status).toBe(403)
    expect((await call('put', '/products/{id}/stock', `/products/${id}/stock`, postJson({ sizes: [{ size: 'M', stock: 1 }] }))).status).toBe(401)

    // Archive: 204 without a body, again 204; the public API no longer shows it.
    const archive = (init: RequestInit, target = id) => call('delete', '/products/{idOrSlug}', `/products/${target}`, init)
    expect((await archive({ headers: bearer(warehouse.token) })).status).toBe(403)
    expect((await archive({})).status).toBe(401)
    expect((await archive({ headers: bearer(manager.token) }, NO_SUCH_ID)).status).toBe(404)
    expect((await archive({ headers: bearer(manager.token) })).status).toBe(204)
    expect((await archive({ headers: bearer(manager.token) })).status).toBe(204)
    expect((await call('get', '/products/{idOrSlug}', `/products/${id}`)).status).toBe(404)
    const archived = await put(manager.token, id, { name: 'OpenAPI Cotton Kurta (archived)' })
    expect(archived).toMatchObject({ status: 200, body: { status: 'archived' } })
  })
})

describe('wishlist', () => {
  it('add, repeat, list and remove: every answer as documented', async () => {
    const shopper = await login('+919000000102')
    const auth = { headers: bearer(shopper.token) }
    const [first, second] = (await call('get', '/products', '/products?limit=2&sort=price_desc')).body.items as { id: string }[]
    const ids = async () => ((await call('get', '/user/wishlist', '/user/wishlist', auth)).body.items as { id: string }[]).map((p) => p.id)

    const before = await ids()
    for (const p of [first!, second!]) if (before.includes(p.id)) expect((await call('delete', '/user/wishlist/{productId}', `/user/wishlist/${p.id}`, auth)).status).toBe(204)

    expect(await call('post', '/user/wishlist', '/user/wishlist', authJson(shopper.token, { productId: first!.id }))).toMatchObject({ status: 201, body: { productId: first!.id, added: true } })
    expect(await call('post', '/user/wishlist', '/user/wishlist', authJson(shopper.token, { productId: first!.id }))).toMatchObject({ status: 200, body: { added: false } })
    expect((await call('post', '/user/wishlist', '/user/wishlist', authJson(shopper.token, { productId: second!.id }))).status).toBe(201)
    expect((await ids()).slice(0, 2), 'most recently added first').toEqual([second!.id, first!.id])

    expect((await call('post', '/user/wishlist', '/user/wishlist', authJson(shopper.token, { productId: NO_SUCH_ID }))).status).toBe(404)
    expect((await call('post', '/user/wishlist', '/user/wishlist', authJson(shopper.token, { id: first!.id }))).status).toBe(400)
    expect((await call('post', '/user/wishlist', '/user/wishlist', postJson({ productId: first!.id }))).status).toBe(401)
    expect((await call('get', '/user/wishlist', '/user/wishlist')).status).toBe(401)

    const remove = (productId: string, init: RequestInit = auth) => call('delete', '/user/wishlist/{productId}', `/user/wishlist/${productId}`, init)
    expect((await remove(first!.id)).status).toBe(204)
    expect((await remove(first!.id)).status, 'removing again is not an error').toBe(204)
    expect((await remove(NO_SUCH_ID)).status).toBe(404)
    expect((await remove(second!.id, {})).status).toBe(401)
    const after = await ids()
    expect(after).toContain(second!.id)
    expect(after).not.toContain(first!.id)
  })
})

describe('staff: users and access', () => {
  it('search, read and change access: every answer as documented', async () => {
    const admin = await login(STAFF.admin)
    const manager = await login(STAFF.accountManager)
    const warehouse = await login(STAFF.warehouse)
    const newcomer = await login('+919812300088')

    const found = await call('get', '/admin/users', '/admin/users?q=9812300088&limit=5', { headers: bearer(admin.token) })
    expect(found).toMatchObject({ status: 200, body: { page: 1, limit: 5, total: 1, items: [{ id: newcomer.id, role: 'user', permissions: [] }] } })
    const all = await call('get', '/admin/users', '/admin/users?limit=100', { headers: bearer(manager.token) })
    expect((all.body.items as unknown[]).length, 'seeded staff and shoppers are validated too').toBeGreaterThan(5)
    expect((await call('get', '/admin/users', '/admin/users?limit=0', { headers: bearer(admin.token) })).status).toBe(400)
    expect((await call('get', '/admin/users', '/admin/users', { headers: bearer(warehouse.token) })).status).toBe(403)
    expect((await call('get', '/admin/users', '/admin/users')).status).toBe(401)

    const patch = (token: string, userId: string, body: unknown) => call('patch', '/admin/users/{id}', `/admin/users/${userId}`, authJson(token, body))
    const granted = await patch(admin.token, newcomer.id, { permissions: ['order:read'], assignedModules: ['orders'] })
    expect(granted).toMatchObject({ status: 200, body: { user: { id: newcomer.id, permissions: ['order:read'], assignedModules: ['orders'], effectivePermissions: ['order:read'] } } })
    expect((await patch(admin.token, newcomer.id, {})).status).toBe(400)
    expect((await patch(admin.token, newcomer.id, { role: 'king' })).status).toBe(400)
    expect((await patch(admin.token, newcomer.id, { role: 'user', isAdmin: true })).status).toBe(400)
    expect(await patch(admin.token, admin.id, { role: 'user' })).toMatchObject({ status: 422, body: { error: { code: 'STATE_NOT_ALLOWED' } } })
    expect((await patch(manager.token, newcomer.id, { role: 'warehouse' })).status, 'user:read but not user:update').toBe(403)
    expect((await patch(admin.token, NO_SUCH_ID, { role: 'user' })).status).toBe(404)
    expect((await call('patch', '/admin/users/{id}', `/admin/users/${newcomer.id}`, postJson({ role: 'user' }))).status).toBe(401)

    const detail = await call('get', '/admin/users/{id}', `/admin/users/${newcomer.id}`, { headers: bearer(manager.token) })
    expect(detail.status).toBe(200)
    expect(detail.body).toMatchObject({
      user: { id: newcomer.id },
      audit: [{ action: 'user:access_change', entityId: newcomer.id, actor: { id: admin.id, role: 'admin' }, after: { permissions: ['order:read'] } }],
    })
    expect((await call('get', '/admin/users/{id}', `/admin/users/${NO_SUCH_ID}`, { headers: bearer(admin.token) })).status).toBe(404)
    expect((await call('get', '/admin/users/{id}', `/admin/users/${newcomer.id}`, { headers: bearer(warehouse.token) })).status).toBe(403)
    expect((await call('get', '/admin/users/{id}', `/admin/users/${newcomer.id}`)).status).toBe(401)
  })
})

describe('payments without Razorpay configured', () => {
  it('answer the documented errors', async () => {
    const shopper = await login('+919000000103')
    const start = await call('post', '/payments/razorpay/order', '/payments/razorpay/order', authJson(shopper.token, { orderId: NO_SUCH_ID }))
    expect(start).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } })
    expect((await call('post', '/payments/razorpay/order', '/payments/razorpay/order', postJson({ orderId: NO_SUCH_ID }))).status).toBe(401)
    expect((await call('post', '/payments/razorpay/verify', '/payments/razorpay/verify', authJson(shopper.token, { orderId: NO_SUCH_ID }))).status).toBe(400)
    expect((await call('post', '/payments/razorpay/verify', '/payments/razorpay/verify', postJson({ orderId: NO_SUCH_ID }))).status).toBe(401)
    const webhook = await call('post', '/payments/razorpay/webhook', '/payments/razorpay/webhook', postJson({ event: 'payment.captured' }, { 'X-Razorpay-Signature': 'f'.repeat(64) }))
    expect(webhook).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } })
  })

  it('GET /openapi.json is itself documented', async () => {
    const self = await call('get', '/openapi.json', '/openapi.json')
    expect(self).toMatchObject({ status: 200, body: { openapi: '3.1.0', servers: [{ url: 'https://shop.example.com/api/v1' }] } })
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
