// The wishlist rows of the /api/v1 contract against the real server (bearer JWT from the
// OTP API), plus the web adapters without JavaScript: the heart's form post and the
// guest cart merged into the user's at sign-in.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys, queryRows } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:wishlist:${randomBytes(4).toString('hex')}:`
const CODE = '123456'

let server: RunningServer
let dbUrl = ''
let token = ''
const products: { active: string; other: string; archived: string } = { active: '', other: '', archived: '' }
const cleanups: (() => Promise<void> | void)[] = []

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => queryRows<T>(dbUrl, text, values)

async function insertProduct(slug: string, status: 'active' | 'archived', stock: number): Promise<string> {
  const [cat] = await sql<{ id: string }>(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), $1, $1) ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`, ['wl-cat'])
  const [row] = await sql<{ id: string }>(
    `INSERT INTO products (id, slug, name, category_id, price, mrp, status, updated_at) VALUES (gen_random_uuid(), $1, $1, $2, 59900, 79900, $3, now()) RETURNING id`,
    [slug, cat?.id, status],
  )
  await sql(`INSERT INTO product_sizes (id, product_id, size, stock) VALUES (gen_random_uuid(), $1, 'M', $2)`, [row?.id, stock])
  return row?.id ?? ''
}

beforeAll(async () => {
  const db = await createTestDatabase('it_wishlist_api')
  dbUrl = db.url
  cleanups.push(db.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wishlist-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  server = startServer(
    {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      DEV_OTP_CODE: CODE,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      RATE_LIMIT_AUTH_MAX: '1000',
      RATE_LIMIT_API_MAX: '1000',
      JWT_SECRET: 'wishlist-it-jwt-secret-0123456789abcdef',
      SESSION_SECRET: 'wishlist-it-session-secret-0123456789ab',
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
    },
    await freePort(),
  )
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
  products.active = await insertProduct('wl-kurta', 'active', 3)
  products.other = await insertProduct('wl-saree', 'active', 2)
  products.archived = await insertProduct('wl-old', 'archived', 5)

  const phone = '9812300001'
  const req = await postJson('/api/v1/auth/otp/request', { phone })
  expect(req.status).toBe(202)
  const res = await postJson('/api/v1/auth/otp/verify', { phone, code: CODE })
  expect(res.status).toBe(200)
  token = ((await res.json()) as { token: string }).token
}, 120_000)

afterAll(async () => {
  await server?.stop('SIGKILL')
  await deleteRedisKeys(REDIS_URL, PREFIX)
  for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined)
})

function postJson(p: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
}
const auth = () => ({ Authorization: `Bearer ${token}` })
type ApiError = { error: { code: string; message: string; fields?: Record<string, string> } }

describe('/api/v1/user/wishlist', () => {
  it('POST adds (201), again is 200; GET lists Products; DELETE is 204 and the list is empty', async () => {
    const first = await postJson('/api/v1/user/wishlist', { productId: products.active }, auth())
    expect(first.status).toBe(201)
    const again = await postJson('/api/v1/user/wishlist', { productId: products.active }, auth())
    expect(again.status).toBe(200)

    const list = await fetch(`${server.url}/api/v1/user/wishlist`, { headers: auth() })
    expect(list.status).toBe(200)
    const body = (await list.json()) as { items: Record<string, unknown>[] }
    expect(body.items).toHaveLength(1)
    expect(body.items[0]).toMatchObject({ id: products.active, slug: 'wl-kurta', price: 59900, mrp: 79900, currency: 'INR', sizes: [{ size: 'M', stock: 3 }], totalStock: 3 })
    expect(body.items[0]).toHaveProperty('images')
    expect(body.items[0]).toHaveProperty('createdAt')

    const del = await fetch(`${server.url}/api/v1/user/wishlist/${products.active}`, { method: 'DELETE', headers: auth() })
    expect(del.status).toBe(204)
    expect(await del.text()).toBe('')
    const empty = (await (await fetch(`${server.url}/api/v1/user/wishlist`, { headers: auth() })).json()) as { items: unknown[] }
    expect(empty.items).toEqual([])
    // Deleting what is not there is still 204.
    expect((await fetch(`${server.url}/api/v1/user/wishlist/${products.active}`, { method: 'DELETE', headers: auth() })).status).toBe(204)
  })

  it('404 JSON for unknown and archived products', async () => {
    for (const productId of ['0190f7a2-0000-7000-8000-000000000000', products.archived, 'junk']) {
      const res = await postJson('/api/v1/user/wishlist', { productId }, auth())
      expect(res.status).toBe(404)
      expect(((await res.json()) as ApiError).error.code).toBe('NOT_FOUND')
    }
    const del = await fetch(`${server.url}/api/v1/user/wishlist/0190f7a2-0000-7000-8000-000000000000`, { method: 'DELETE', headers: auth() })
    expect(del.status).toBe(404)
    expect(((await del.json()) as ApiError).error.code).toBe('NOT_FOUND')
  })

  it('401 JSON without a token, for all three', async () => {
    const responses = [
      await fetch(`${server.url}/api/v1/user/wishlist`),
      await postJson('/api/v1/user/wishlist', { productId: products.active }),
      await fetch(`${server.url}/api/v1/user/wishlist/${products.active}`, { method: 'DELETE' }),
    ]
    for (const res of responses) {
      expect(res.status).toBe(401)
      expect(((await res.json()) as ApiError).error.code).toBe('UNAUTHENTICATED')
    }
  })

  it('400 for a bad body, never a 500', async () => {
    const missing = await postJson('/api/v1/user/wishlist', {}, auth())
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as ApiError).error).toMatchObject({ code: 'VALIDATION', fields: { productId: expect.any(String) } })
    expect((await postJson('/api/v1/user/wishlist', '{"productId": ', auth())).status).toBe(400)
    expect((await postJson('/api/v1/user/wishlist', { productId: 42 }, auth())).status).toBe(400)
    const text = await fetch(`${server.url}/api/v1/user/wishlist`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: 'x' })
    expect(text.status).toBe(400)
  })
})

describe('web, without JavaScript', () => {
  function form(p: string, fields: Record<string, string>, cookie?: string) {
    return fetch(`${server.url}${p}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, ...(cookie ? { Cookie: cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
    })
  }
  const cookiePairs = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '')

  it('a guest clicking the heart is sent to sign in and back to the page', async () => {
    const res = await form('/wishlist', { productId: products.active, intent: 'add', redirectTo: '/products/wl-kurta' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/login?redirectTo=%2Fproducts%2Fwl-kurta')
  })

  it('a guest cart (cookie) is merged into the user cart at sign-in, and the guest cookie cleared', async () => {
    const add = await form('/cart', { intent: 'add', productId: products.other, size: 'M', quantity: '2' })
    expect(add.status).toBe(302)
    expect(add.headers.get('location')).toBe('/cart')
    const guestCart = cookiePairs(add).find((c) => c.startsWith('cart='))
    expect(guestCart).toBeTruthy()
    const guestSession = cookiePairs(add).find((c) => c.startsWith('__session='))
    const guestCookie = [guestCart, guestSession].filter(Boolean).join('; ')
    const page = await (await fetch(`${server.url}/cart`, { headers: { Cookie: guestCookie } })).text()
    expect(page).toContain('wl-saree')
    expect(page).toContain('Added 2 pieces to your cart.')

    // Above stock: the cart page answers 409 with the reason.
    const tooMany = await form('/cart', { intent: 'add', productId: products.other, size: 'M', quantity: '1' }, guestCookie)
    expect(tooMany.status).toBe(409)
    expect(await tooMany.text()).toMatch(/Only 2 left/)

    const phone = '9812300002'
    expect((await form('/login', { intent: 'request', phone, redirectTo: '/cart' }, guestCookie)).status).toBe(302)
    const login = await form('/login', { intent: 'verify', phone: `+91${phone}`, code: CODE, redirectTo: '/cart' }, guestCookie)
    expect(login.status).toBe(302)
    const setCookies = login.headers.getSetCookie()
    expect(setCookies.find((c) => c.startsWith('cart='))).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i)
    const session = cookiePairs(login).find((c) => c.startsWith('__session=')) ?? ''

    const userCart = await (await fetch(`${server.url}/cart`, { headers: { Cookie: session } })).text()
    expect(userCart).toContain('wl-saree')
    expect(userCart).toMatch(/aria-label="Cart, 2 items"/)
    const rows = await sql<{ n: string }>(`SELECT count(*) AS n FROM carts WHERE guest_token IS NOT NULL`)
    expect(rows[0]?.n).toBe('0')

    // The heart as a signed-in user: a form post that redirects back.
    const heart = await form('/wishlist', { productId: products.other, intent: 'add', redirectTo: '/products/wl-saree' }, session)
    expect(heart.status).toBe(302)
    expect(heart.headers.get('location')).toBe('/products/wl-saree')
    const wishlist = await (await fetch(`${server.url}/account/wishlist`, { headers: { Cookie: session } })).text()
    expect(wishlist).toContain('Remove wl-saree from wishlist')

    // A refusal: the fetcher (JS on) gets { ok: false, error } with the status, so the heart
    // rolls back and shows the message; without JS a page says why and links back.
    const refusedJs = await form('/wishlist', { productId: products.archived, intent: 'add', redirectTo: '/products/wl-old', via: 'fetcher' }, session)
    expect(refusedJs.status).toBe(404)
    expect(await refusedJs.json()).toEqual({ ok: false, error: expect.stringMatching(/no longer sold/) })
    const refused = await form('/wishlist', { productId: products.archived, intent: 'add', redirectTo: '/products/wl-old' }, session)
    expect(refused.status).toBe(404)
    const html = await refused.text()
    expect(html).toMatch(/no longer sold/)
    expect(html).toContain('href="/products/wl-old"')
  })
})
