// Nonsense input through the real server gets a 4xx, never a 500, and changes nothing: NUL
// and other control characters or broken %-escapes in URLs (400 before routing: the API's
// JSON error shape, a short page otherwise), in JSON bodies and in form posts (400 naming the
// field), slugs and ids that cannot name anything (404 without a query), and an upload that
// streams past the size cap without declaring its length (413, nothing buffered past the cap,
// no temporary file left).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signJwt } from '#app/utils/jwt.server.ts'
import { MAX_UPLOAD_REQUEST_BYTES } from '#app/utils/storage.server.ts'
import { createTestDatabase, deleteRedisKeys, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const JWT_SECRET = 'bad-input-it-jwt-secret-0123456789abcdef'
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:bad-input:${randomBytes(4).toString('hex')}:`

let server: RunningServer
let db: pg.Client
let tmpDir = ''
const cleanups: (() => Promise<void> | void)[] = []
const tokens = {} as Record<'user' | 'admin', string>
let userId = ''

interface Product {
  id: string
  slug: string
  name: string
  description: string
  sizes: { size: string; stock: number }[]
  images: unknown[]
}
let product: Product

beforeAll(async () => {
  const database = await createTestDatabase('it_bad_input')
  cleanups.push(database.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  // Cleanups run in reverse: the keys go after the server has stopped.
  cleanups.push(() => deleteRedisKeys(REDIS_URL, PREFIX))
  tmpDir = path.join(tmp, 'tmp')
  fs.mkdirSync(tmpDir)
  server = startServer(
    {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      JWT_SECRET,
      SESSION_SECRET: 'bad-input-it-session-secret-0123456789',
      RATE_LIMIT_API_MAX: '100000',
      RATE_LIMIT_AUTH_MAX: '100000',
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
      TMPDIR: tmpDir,
    },
    await freePort(),
  )
  cleanups.push(async () => void (await server.stop('SIGKILL')))
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
  db = new pg.Client({ connectionString: database.url })
  await db.connect()
  cleanups.push(() => db.end())
  for (const [i, role] of (['user', 'admin'] as const).entries()) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (id, name, phone, role, is_phone_verified, updated_at) VALUES (gen_random_uuid(), $1, $2, $3::"Role", true, now()) RETURNING id`,
      [`Test ${role}`, `+9198200000${String(i).padStart(2, '0')}`, role],
    )
    tokens[role] = signJwt({ id: rows[0]!.id, role, isPhoneVerified: true, name: `Test ${role}`, avatar: null }, JWT_SECRET)
    if (role === 'user') userId = rows[0]!.id
  }
  await db.query(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'womens-kurtas', 'Women’s kurtas')`)
  const res = await call('admin', 'POST', '/api/v1/products', { json: { name: 'Block Print Kurta', category: 'womens-kurtas', description: 'Cotton.', price: 129900, mrp: 159900, sizes: [{ size: 'M', stock: 5 }, { size: 'Free Size', stock: 2 }] } })
  expect(res.status).toBe(201)
  product = (await res.json()) as Product
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

function call(who: 'user' | 'admin' | 'anonymous', method: string, pathname: string, body?: { json?: unknown; form?: string }) {
  const headers = new Headers({ Origin: server.url })
  if (who !== 'anonymous') headers.set('Authorization', `Bearer ${tokens[who]}`)
  let payload: string | undefined
  if (body?.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    payload = JSON.stringify(body.json)
  } else if (body?.form !== undefined) {
    // Written out by hand: the escapes (%00) are the point.
    headers.set('Content-Type', 'application/x-www-form-urlencoded')
    payload = body.form
  }
  return fetch(`${server.url}${pathname}`, { method, headers, body: payload, redirect: 'manual' })
}

async function apiError(res: Response): Promise<{ code: string; message: string; fields?: Record<string, string> }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await res.json()) as { error: { code: string; message: string; fields?: Record<string, string> } }
  expect(body.error.message).toEqual(expect.any(String))
  return body.error
}

/** The product as stored, with its sizes and how many audit entries it has. */
async function stored(id: string) {
  const { rows } = await db.query<{ name: string; description: string; sizes: string; audits: number }>(
    `SELECT p.name, p.description,
            (SELECT string_agg(s.size || '=' || s.stock, ',' ORDER BY s.size) FROM product_sizes s WHERE s.product_id = p.id) AS sizes,
            (SELECT count(*)::int FROM audit_log a WHERE a.entity_id = p.id::text) AS audits
     FROM products p WHERE p.id = $1`,
    [id],
  )
  return rows[0]
}

describe('the URL', () => {
  it('API: a NUL, another control character or a broken escape → 400 in the JSON error shape, before any query', async () => {
    for (const url of ['/api/v1/products?size=%00', '/api/v1/products?q=blue%1B%5B31m', '/api/v1/products/a%00', `/api/v1/products/${product.id}%00`, '/api/v1/products/%E0%A4%A', '/api/v1/orders?status=%00']) {
      const res = await call('admin', 'GET', url)
      expect(res.status, url).toBe(400)
      expect((await apiError(res)).code, url).toBe('BAD_REQUEST')
    }
  })

  it('API: a size or slug that cannot name anything → 400 with the field, or 404, not a lookup', async () => {
    const size = await fetch(`${server.url}/api/v1/products?size=%3Cscript%3E`)
    expect(size.status).toBe(400)
    expect(await apiError(size)).toMatchObject({ code: 'VALIDATION', fields: { size: expect.any(String) } })
    const slug = await fetch(`${server.url}/api/v1/products/Block_Print'Kurta`)
    expect(slug.status).toBe(404)
    expect((await apiError(slug)).code).toBe('NOT_FOUND')
    // the real ones still answer
    expect((await fetch(`${server.url}/api/v1/products/${product.slug}`)).status).toBe(200)
    const bySize = (await (await fetch(`${server.url}/api/v1/products?size=Free%20Size`)).json()) as { total: number }
    expect(bySize.total).toBe(1)
  })

  it('API: an endpoint that does not exist → 404 in the JSON error shape, for reads and writes', async () => {
    for (const [method, url] of [['GET', '/api/v1/no-such-thing'], ['POST', '/api/v1/no-such-thing'], ['GET', '/api/v2/products']] as const) {
      const res = await call('user', method, url)
      expect(res.status, `${method} ${url}`).toBe(404)
      expect((await apiError(res)).code, `${method} ${url}`).toBe('NOT_FOUND')
    }
  })

  it('pages: 400 or 404, never 500; ordinary odd searches still work', async () => {
    for (const url of ['/products/abc%00def', '/search?size=%00', '/c/womens-kurtas?size=M%00', '/search.data?size=%00', '/products/%E0%A4%A', '/%00']) {
      const res = await fetch(`${server.url}${url}`)
      expect(res.status, url).toBe(400)
      expect(await res.text(), url).toContain('Bad request')
    }
    const badSize = await fetch(`${server.url}/c/womens-kurtas?size=%3Cb%3E`)
    expect(badSize.status).toBe(400)
    expect(await badSize.text()).toContain('Size must be a size such as M')
    expect((await fetch(`${server.url}/products/Not_A_Slug`)).status).toBe(404)
    // a literal % that is not an escape is searched for as typed
    expect((await fetch(`${server.url}/search?q=100%`)).status).toBe(200)
    expect(await (await fetch(`${server.url}/c/womens-kurtas?size=Free%20Size`)).text()).toContain('Block Print Kurta')
  })

  it('staff pages: a NUL search or product id → 400, an id that is not one → 404', async () => {
    expect((await call('admin', 'GET', '/admin/products?q=%00')).status).toBe(400)
    expect((await call('admin', 'GET', '/admin/products/%00')).status).toBe(400)
    expect((await call('admin', 'GET', '/admin/products/not-a-product-id')).status).toBe(404)
    expect((await call('admin', 'GET', `/admin/products/${product.id}`)).status).toBe(200)
  })
})

describe('bodies', () => {
  it('cart: a size with a NUL → 400, and the cart is unchanged', async () => {
    const add = (size: string) => call('user', 'POST', '/cart', { form: `intent=add&productId=${product.id}&size=${size}&quantity=1` })
    expect((await add('M')).status).toBe(302)
    const lines = () => db.query(`SELECT l.size, l.quantity FROM cart_lines l JOIN carts c ON c.id = l.cart_id WHERE c.user_id = $1`, [userId]).then((r) => r.rows)
    expect(await lines()).toEqual([{ size: 'M', quantity: 1 }])
    for (const size of ['M%00', '%00', 'M%1B', '%3Cscript%3E']) {
      const res = await add(size)
      expect(res.status, size).toBe(400)
      expect(await res.text(), size).toMatch(/control characters|at most 10 letters/)
    }
    expect(await lines()).toEqual([{ size: 'M', quantity: 1 }])
  })

  it('staff product writes with a NUL (API and form) → 400 naming the field, and nothing changes', async () => {
    const before = await stored(product.id)
    const put = await call('admin', 'PUT', `/api/v1/products/${product.id}`, { json: { name: 'x\u0000y' } })
    expect(put.status).toBe(400)
    expect(await apiError(put)).toMatchObject({ code: 'VALIDATION', fields: { name: expect.stringMatching(/control characters/) } })
    const desc = await call('admin', 'PUT', `/api/v1/products/${product.id}`, { json: { description: 'ok\n\u0000' } })
    expect(desc.status).toBe(400)
    expect((await apiError(desc)).fields).toHaveProperty('description')
    const stock = await call('admin', 'PUT', `/api/v1/products/${product.id}/stock`, { json: { sizes: [{ size: 'M\u0000', stock: 9 }] } })
    expect(stock.status).toBe(400)
    expect((await apiError(stock)).fields).toHaveProperty(['sizes.0.size'])
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM products')).rows[0]!.n
    const products = await count()
    const create = await call('admin', 'POST', '/api/v1/products', { json: { name: 'Ghost\u0000Kurta', category: 'womens-kurtas', price: 100, mrp: 100 } })
    expect(create.status).toBe(400)
    expect((await apiError(create)).fields).toHaveProperty('name')
    const category = await call('admin', 'POST', '/api/v1/products', { json: { name: 'Ghost Kurta', category: 'kurtas\u0000', price: 100, mrp: 100 } })
    expect(category.status).toBe(400)
    expect(await count()).toBe(products)

    const form = await call('admin', 'POST', `/admin/products/${product.id}`, { form: `intent=update&name=Renamed%00&categoryId=&price=1299&mrp=1599&status=active` })
    expect(form.status).toBe(400)
    expect(await form.text()).toContain('no control characters')
    const stockForm = await call('admin', 'POST', `/admin/products/${product.id}`, { form: 'intent=stock&size=M%00&stock=3' })
    expect(stockForm.status).toBe(400)
    expect(await stored(product.id)).toEqual(before)
  })

  it('orders: a NUL in the address (API) or in a cancel reason (form) → 400, no order placed or cancelled', async () => {
    const address = { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919876543210' }
    const place = (shippingAddress: Record<string, string>) =>
      fetch(`${server.url}/api/v1/orders`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.user}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomBytes(12).toString('hex') },
        body: JSON.stringify({ items: [{ productId: product.id, size: 'M', quantity: 1 }], shippingAddress, paymentMethod: 'cod' }),
      })
    const orders = () => db.query<{ id: string; status: string }>('SELECT id, status FROM orders WHERE user_id = $1', [userId]).then((r) => r.rows)
    const refused = await place({ ...address, city: 'Benga\u0000luru' })
    expect(refused.status).toBe(400)
    expect((await apiError(refused)).fields).toHaveProperty(['shippingAddress.city'])
    expect(await orders()).toEqual([])

    const placed = await place(address)
    expect(placed.status).toBe(201)
    const { id, status } = (await placed.json()) as { id: string; status: string }
    // The reason is checked only for length here; the database's refusal of the NUL still ends as a 400.
    const cancel = await call('user', 'POST', `/account/orders/${id}`, { form: 'intent=cancel&reason=changed%00my%20mind' })
    expect(cancel.status).toBe(400)
    expect(await orders()).toEqual([{ id, status }])
    // logged under the request's id (the X-Request-Id it was answered with)
    const requestId = cancel.headers.get('x-request-id')
    const logged = server.output().split('\n').filter((l) => l.includes('input the database cannot take'))
    expect(logged.map((l) => (JSON.parse(l) as { requestId?: string }).requestId)).toContain(requestId)
  })

  it('an upload streamed past the cap with no Content-Length → 413 with a clear message, no temporary file left', { timeout: 180_000 }, async () => {
    const before = await stored(product.id)
    const url = new URL(`/admin/products/${product.id}`, server.url)
    const boundary = `----bad-input-${randomBytes(6).toString('hex')}`
    const target = MAX_UPLOAD_REQUEST_BYTES + 2 * 1024 * 1024
    const { status, body, sent } = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      const req = http.request(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.admin}`, Origin: server.url, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
      })
      let sent = 0
      let answered = false
      req.on('response', (res) => {
        answered = true
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, sent }))
        res.on('error', reject)
      })
      // Once the server has answered it stops reading; the connection then goes away.
      req.on('error', (err) => (answered ? undefined : reject(err)))
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="long.mp4"\r\nContent-Type: video/mp4\r\n\r\n`)
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      const pump = () => {
        while (!answered && sent < target) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        if (!answered) req.end(`\r\n--${boundary}--\r\n`)
      }
      pump()
    })
    expect(status).toBe(413)
    expect(body).toContain('The upload is too large')
    expect(sent).toBeGreaterThan(MAX_UPLOAD_REQUEST_BYTES)
    expect(fs.readdirSync(tmpDir).filter((f) => f.startsWith('upload-'))).toEqual([])
    expect(await stored(product.id)).toEqual(before)
    expect(((await (await fetch(`${server.url}/api/v1/products/${product.id}`)).json()) as Product).images).toEqual([])
  })
})

describe('the server', () => {
  it('answered none of the above with a 5xx (the readiness probe’s 503s while starting aside)', () => {
    const errors = server.output().split('\n').filter((line) => {
      try {
        const rec = JSON.parse(line) as { message?: string; path?: string; status?: number }
        return rec.message === 'request' && rec.path !== '/readyz' && (rec.status ?? 0) >= 500
      } catch {
        return false
      }
    })
    expect(errors).toEqual([])
  })
})
