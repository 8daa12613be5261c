// The read path's in-process copies, through two real servers sharing PostgreSQL and Redis.
// API fast lane: cached catalogue reads answered before Express carry the same body and
// headers as the full stack, count once against the shared rate limit (429 from the lane
// too). Page cache: anonymous catalogue pages come back with a fresh CSP nonce each time and
// are never shown to a visitor with a cart or session. Either way, a stock write on one
// instance shows on the other's very next read although that one keeps answers in process.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signJwt } from '#app/utils/jwt.server.ts'
import { createTestDatabase, deleteRedisKeys, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const JWT_SECRET = 'fast-lane-it-jwt-secret-0123456789abcdef'
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:read-path:${randomBytes(4).toString('hex')}:`
const API_MAX = 6

let a: RunningServer
let b: RunningServer
let adminToken = ''
const cleanups: (() => Promise<unknown> | unknown)[] = []

beforeAll(async () => {
  const database = await createTestDatabase('it_fast_lane')
  cleanups.push(database.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fast-lane-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  // Run in reverse: the keys go after both servers have stopped (a running one could write one again).
  cleanups.push(() => deleteRedisKeys(REDIS_URL, PREFIX))
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    SEED_ON_EMPTY: 'false',
    RUN_WORKER: 'false',
    JWT_SECRET,
    SESSION_SECRET: 'fast-lane-it-session-secret-0123456789',
    RATE_LIMIT_API_MAX: String(API_MAX),
    PAGE_CACHE_SECONDS: '60',
    DATA_DIR: path.join(tmp, 'data'),
    OUTBOX_DIR: path.join(tmp, 'outbox'),
    UPLOAD_DIR: path.join(tmp, 'uploads'),
  }
  a = startServer(env, await freePort())
  cleanups.push(() => a.stop('SIGKILL'))
  await waitForStatus(`${a.url}/readyz`, (s) => s === 200, 90_000)
  b = startServer(env, await freePort())
  cleanups.push(() => b.stop('SIGKILL'))
  await waitForStatus(`${b.url}/readyz`, (s) => s === 200, 90_000)

  const db = new pg.Client({ connectionString: database.url })
  await db.connect()
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, name, phone, role, is_phone_verified, updated_at) VALUES (gen_random_uuid(), 'Admin', '+919810000099', 'admin', true, now()) RETURNING id`,
  )
  await db.query(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'sarees', 'Sarees')`)
  await db.end()
  adminToken = signJwt({ id: rows[0]!.id, role: 'admin', isPhoneVerified: true, name: 'Admin', avatar: null }, JWT_SECRET)
}, 180_000)

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

let clients = 0
/** A client address of its own (X-Forwarded-For from loopback is trusted), so each test has a fresh rate-limit window. */
const newClient = () => `203.0.113.${++clients}`

function get(server: RunningServer, pathname: string, client: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${pathname}`, { headers: { 'X-Forwarded-For': client, ...headers } })
}

let n = 0
async function createProduct() {
  n += 1
  const res = await fetch(`${a.url}/api/v1/products`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json', 'X-Forwarded-For': newClient() },
    body: JSON.stringify({ name: `Silk Saree ${n}`, category: 'sarees', price: 349900, mrp: 499900, sizes: [{ size: 'Free', stock: 4 }] }),
  })
  expect(res.status).toBe(201)
  return (await res.json()) as { id: string; slug: string }
}

const HEADERS_ALIKE = [
  'content-type',
  'vary',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
  'ratelimit-policy',
  'ratelimit-limit',
]

describe('cached catalogue reads', () => {
  it('answer with the body and headers of the full stack, and count once each against the limit', async () => {
    const p = await createProduct()
    const client = newClient()
    // 1: a miss: the full handler answers and fills the cache; 2: a hit, answered by the lane.
    const miss = await get(a, `/api/v1/products/${p.id}`, client, { 'X-Request-Id': 'lane-test-1' })
    const hit = await get(a, `/api/v1/products/${p.id}`, client, { 'X-Request-Id': 'lane-test-2' })
    expect(miss.status).toBe(200)
    expect(hit.status).toBe(200)
    const body = await hit.text()
    expect(body).toBe(await miss.text())
    expect(JSON.parse(body)).toMatchObject({ id: p.id, sizes: [{ size: 'Free', stock: 4 }] })
    for (const h of HEADERS_ALIKE) expect([h, hit.headers.get(h)]).toEqual([h, miss.headers.get(h)])
    expect(hit.headers.get('x-request-id')).toBe('lane-test-2')
    expect([miss.headers.get('ratelimit-remaining'), hit.headers.get('ratelimit-remaining')]).toEqual([String(API_MAX - 1), String(API_MAX - 2)])
    // the lane wrote its own request line
    await expect.poll(() => a.output()).toContain('"requestId":"lane-test-2"')
    const line = a
      .output()
      .split('\n')
      .find((l) => l.includes('"requestId":"lane-test-2"'))
    expect(JSON.parse(line ?? '{}')).toMatchObject({ message: 'request', method: 'GET', path: `/api/v1/products/${p.id}`, status: 200 })
  })

  it('gzip when asked, the same JSON inside', async () => {
    for (let i = 0; i < 3; i++) await createProduct()
    const client = newClient()
    await get(a, '/api/v1/products?category=sarees&limit=50', client)
    const plain = await (await get(a, '/api/v1/products?category=sarees&limit=50', client)).text()
    expect(Buffer.byteLength(plain)).toBeGreaterThan(1024)
    // node:http hands over the bytes as sent (fetch would undo the gzip itself)
    const raw = await new Promise<{ encoding: string | undefined; bytes: Buffer }>((resolve, reject) => {
      http
        .get(`${a.url}/api/v1/products?category=sarees&limit=50`, { headers: { 'X-Forwarded-For': client, 'Accept-Encoding': 'gzip, deflate, br' } }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(chunks) }))
        })
        .on('error', reject)
    })
    expect(raw.encoding).toBe('gzip')
    expect(gunzipSync(raw.bytes).toString()).toBe(plain)
  })

  it('the limit is shared with the full stack and both instances: 429 JSON with Retry-After once it is used up', async () => {
    const p = await createProduct()
    const client = newClient()
    const seen: number[] = []
    // misses, hits, full-stack-only answers (404) and the other instance all count in one window
    for (const [server, pathname] of [
      [a, `/api/v1/products/${p.slug}`],
      [a, `/api/v1/products/${p.slug}`],
      [b, `/api/v1/products/${p.slug}`],
      [a, '/api/v1/products/no-such-product'],
      [b, `/api/v1/products/${p.slug}`],
      [a, `/api/v1/products/${p.slug}`],
    ] as const) {
      const res = await get(server, pathname, client)
      seen.push(Number(res.headers.get('ratelimit-remaining')))
    }
    expect(seen).toEqual([5, 4, 3, 2, 1, 0])
    for (const server of [a, b]) {
      const limited = await get(server, `/api/v1/products/${p.slug}`, client)
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(limited.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(await limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } })
    }
  })

  it('a stock write on one instance shows on the other instance at once, by id, slug and in listings', async () => {
    const p = await createProduct()
    const reads = [`/api/v1/products/${p.id}`, `/api/v1/products/${p.slug}`, '/api/v1/products?category=sarees&limit=50']
    const stockOn = async (pathname: string) => {
      const body = (await (await get(b, pathname, newClient())).json()) as { sizes?: { stock: number }[]; items?: { id: string; sizes: { stock: number }[] }[] }
      return (body.items ? body.items.find((i) => i.id === p.id)?.sizes : body.sizes)?.[0]?.stock
    }
    // b reads each twice: the second answer comes from its in-process copy
    for (const r of reads) for (let i = 0; i < 2; i++) expect(await stockOn(r)).toBe(4)
    const write = await fetch(`${a.url}/api/v1/products/${p.id}/stock`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.2' },
      body: JSON.stringify({ sizes: [{ size: 'Free', stock: 1 }] }),
    })
    expect(write.status).toBe(200)
    for (const r of reads) expect(await stockOn(r)).toBe(1)
  })

  it('leaves everything else to the full stack: bad queries get 400, writes are not taken', async () => {
    const bad = await get(a, '/api/v1/products?page=0', newClient())
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'VALIDATION' } })
    const anonymousWrite = await fetch(`${a.url}/api/v1/products`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': newClient() }, body: '{}' })
    expect(anonymousWrite.status).toBe(401)
  })
})

describe('anonymous catalogue pages', () => {
  const page = async (server: RunningServer, pathname: string, cookie?: string) => {
    const res = await fetch(`${server.url}${pathname}`, { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual' })
    return { res, html: await res.text() }
  }
  const nonceOf = (res: Response) => /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1] ?? ''
  const stockText = (html: string) => /Free, (\d+) in stock/.exec(html)?.[1]

  it('are the same page each time, each answer with its own nonce on every inline script', async () => {
    const p = await createProduct()
    const first = await page(b, `/products/${p.slug}`)
    const second = await page(b, `/products/${p.slug}`)
    expect([first.res.status, second.res.status]).toEqual([200, 200])
    const [n1, n2] = [nonceOf(first.res), nonceOf(second.res)]
    expect(n1).not.toBe('')
    expect(n2).not.toBe(n1)
    // every script the browser would run (JSON-LD data is not run)
    const scripts = (html: string) => [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((tag) => !tag.includes('application/ld+json'))
    expect(scripts(second.html).length).toBeGreaterThan(0)
    for (const tag of scripts(second.html)) expect(tag).toContain(`nonce="${n2}"`)
    expect(second.html).not.toContain(n1)
    expect(second.html.replaceAll(n2, n1)).toBe(first.html)
    expect(second.res.headers.get('content-type')).toBe(first.res.headers.get('content-type'))
  })

  it('a stock write on one instance shows on the other instance\'s very next page', async () => {
    const p = await createProduct()
    expect(stockText((await page(b, `/products/${p.slug}`)).html)).toBe('4')
    expect(stockText((await page(b, `/products/${p.slug}`)).html)).toBe('4')
    const write = await fetch(`${a.url}/api/v1/products/${p.id}/stock`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.3' },
      body: JSON.stringify({ sizes: [{ size: 'Free', stock: 2 }] }),
    })
    expect(write.status).toBe(200)
    expect(stockText((await page(b, `/products/${p.slug}`)).html)).toBe('2')
  })

  it('a forged host gets its own copy: the canonical link others see is never theirs', async () => {
    const p = await createProduct()
    const forged = await fetch(`${b.url}/products/${p.slug}`, { headers: { 'X-Forwarded-Host': 'evil.example' } })
    const forgedHtml = await forged.text()
    for (let i = 0; i < 2; i++) {
      const { html } = await page(b, `/products/${p.slug}`)
      expect(html).not.toContain('evil.example')
      expect(html).toContain(`${b.url}/products/${p.slug}`)
    }
    // (whether the forged value shows up in its own copy is React Router's business; it stays there)
    expect(forged.status).toBe(200)
    expect(forgedHtml.length).toBeGreaterThan(0)
  })

  it('client-side navigation data (.data) is shared too, and fresh after a write', async () => {
    const p = await createProduct()
    const data = async () => {
      const res = await fetch(`${b.url}/products/${p.slug}.data`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/x-script/)
      return res.text()
    }
    const first = await data()
    expect(await data()).toBe(first)
    const write = await fetch(`${a.url}/api/v1/products/${p.id}/stock`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json', 'X-Forwarded-For': newClient() },
      body: JSON.stringify({ sizes: [{ size: 'Free', stock: 3 }] }),
    })
    expect(write.status).toBe(200)
    const after = await data()
    expect(after).not.toBe(first)
    // the same as a fresh render (a cart cookie, even an unknown one, is never served a shared copy)
    const fresh = await (await fetch(`${b.url}/products/${p.slug}.data`, { headers: { Cookie: 'cart=unknown' } })).text()
    expect(after).toBe(fresh)
  })

  it('a visitor with a cart never gets the shared page, nor does the shared page show their cart', async () => {
    const p = await createProduct()
    const anonymous = await page(a, `/products/${p.slug}`)
    expect(anonymous.html).toContain('Cart, 0 items')
    const add = await fetch(`${a.url}/cart`, {
      method: 'POST',
      headers: { Origin: a.url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ intent: 'add', productId: p.id, size: 'Free', quantity: '1', redirectTo: `/products/${p.slug}` }),
      redirect: 'manual',
    })
    expect([302, 303]).toContain(add.status)
    const cookie = add.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    expect(cookie).toMatch(/cart=/)
    expect((await page(a, `/products/${p.slug}`, cookie)).html).toContain('Cart, 1 item')
    expect((await page(a, `/products/${p.slug}`)).html).toContain('Cart, 0 items')
  })
})
