// The staff catalogue through the real server: product writes in /api/v1 (201/200/204/200
// with the permission, 403 without, 401 anonymous), stock edits visible on the very next
// API read and product page (Redis cache, own key prefix), and the /admin/products pages:
// permission per form, post/redirect/get, 400 keeping input, media uploads refused with
// a clear message and no file left behind.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '#app/domain/permissions.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { mediaFixtures } from '../fixtures/media.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys } from './helpers.ts'

const JWT_SECRET = 'products-admin-it-jwt-secret-0123456789ab'
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:products-admin:${randomBytes(4).toString('hex')}:`

let server: RunningServer
let db: pg.Client
let uploadDir = ''
const cleanups: (() => Promise<void> | void)[] = []
const tokens = {} as Record<Role, string>
let categoryId = ''

beforeAll(async () => {
  const database = await createTestDatabase('it_products_admin')
  cleanups.push(database.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'products-admin-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  // Cleanups run in reverse: the keys go after the server has stopped (a delayed invalidation could recreate one).
  cleanups.push(() => deleteRedisKeys(REDIS_URL, PREFIX))
  uploadDir = path.join(tmp, 'uploads')
  fs.mkdirSync(path.join(tmp, 'tmp'))
  server = startServer(
    {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      JWT_SECRET,
      SESSION_SECRET: 'products-admin-it-session-secret-012345',
      RATE_LIMIT_API_MAX: '100000',
      RATE_LIMIT_AUTH_MAX: '100000',
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: uploadDir,
      TMPDIR: path.join(tmp, 'tmp'),
    },
    await freePort(),
  )
  cleanups.push(async () => void (await server.stop('SIGKILL')))
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
  db = new pg.Client({ connectionString: database.url })
  await db.connect()
  cleanups.push(() => db.end())
  for (const [i, role] of (['user', 'admin', 'account_manager', 'warehouse', 'accountant'] as const).entries()) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (id, name, phone, role, is_phone_verified, updated_at) VALUES (gen_random_uuid(), $1, $2, $3::"Role", true, now()) RETURNING id`,
      [`Test ${role}`, `+9198100000${String(i).padStart(2, '0')}`, role],
    )
    tokens[role] = signJwt({ id: rows[0]!.id, role, isPhoneVerified: true, name: `Test ${role}`, avatar: null }, JWT_SECRET)
  }
  const { rows } = await db.query<{ id: string }>(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'kurtas', 'Kurtas') RETURNING id`)
  categoryId = rows[0]!.id
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

type Who = Role | 'anonymous'

function call(who: Who, method: string, pathname: string, body?: { json?: unknown; form?: Record<string, string | string[]>; multipart?: FormData }) {
  const headers = new Headers({ Origin: server.url })
  if (who !== 'anonymous') headers.set('Authorization', `Bearer ${tokens[who]}`)
  let payload: string | FormData | undefined
  if (body?.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    payload = JSON.stringify(body.json)
  } else if (body?.form) {
    headers.set('Content-Type', 'application/x-www-form-urlencoded')
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(body.form)) for (const item of [v].flat()) params.append(k, item)
    payload = params.toString()
  } else if (body?.multipart) {
    payload = body.multipart
  }
  return fetch(`${server.url}${pathname}`, { method, headers, body: payload, redirect: 'manual' })
}

interface Product {
  id: string
  slug: string
  name: string
  price: number
  mrp: number
  category: string
  sizes: { size: string; stock: number }[]
  totalStock: number
  images: { url: string; type: string }[]
}

let n = 0
async function create(extra: Record<string, unknown> = {}): Promise<Product> {
  n += 1
  const res = await call('admin', 'POST', '/api/v1/products', { json: { name: `Cotton Kurta ${n}`, category: 'kurtas', price: 129900, mrp: 159900, sizes: [{ size: 'M', stock: 5 }, { size: 'L', stock: 1 }], ...extra } })
  expect(res.status).toBe(201)
  return (await res.json()) as Product
}

const getJson = async (p: string) => {
  const res = await fetch(`${server.url}${p}`)
  return { status: res.status, body: (await res.json()) as Product & { error?: { code: string } } }
}

const uploadedFiles = () => (fs.existsSync(uploadDir) ? (fs.readdirSync(uploadDir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(uploadDir, f)).isFile()) : [])

describe('POST /api/v1/products', () => {
  it('creates with product:create: 201 Product, slug from the name; 401 anonymous; 403 without the permission', async () => {
    const body = { name: 'Hand-Loom Silk Kurta', category: 'kurtas', brand: 'Loomcraft', price: 249900, mrp: 299900, sizes: [{ size: 'M', stock: 3 }] }
    const anon = await call('anonymous', 'POST', '/api/v1/products', { json: body })
    expect(anon.status).toBe(401)
    expect(await anon.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
    for (const who of ['user', 'warehouse', 'accountant'] as const) {
      const res = await call(who, 'POST', '/api/v1/products', { json: body })
      expect(res.status, who).toBe(403)
      expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    }
    const res = await call('account_manager', 'POST', '/api/v1/products', { json: body })
    expect(res.status).toBe(201)
    const p = (await res.json()) as Product
    expect(p).toMatchObject({ slug: 'hand-loom-silk-kurta', category: 'kurtas', price: 249900, mrp: 299900, sizes: [{ size: 'M', stock: 3 }], totalStock: 3, images: [] })
    expect(res.headers.get('location')).toBe(`/api/v1/products/${p.id}`)
    expect((await getJson(`/api/v1/products/${p.slug}`)).body.id).toBe(p.id)
    const { rows } = await db.query('SELECT action FROM audit_log WHERE entity_id = $1', [p.id])
    expect(rows).toEqual([{ action: 'product:create' }])
  })

  it('answers 400 with fields for bad input and 409 for a taken slug', async () => {
    const bad = await call('admin', 'POST', '/api/v1/products', { json: { name: '', category: 'kurtas', price: 500, mrp: 100, sizes: [{ size: 'M', stock: -2 }] } })
    expect(bad.status).toBe(400)
    const err = (await bad.json()) as { error: { code: string; fields: Record<string, string> } }
    expect(err.error.code).toBe('VALIDATION')
    expect(Object.keys(err.error.fields)).toEqual(expect.arrayContaining(['name', 'mrp', 'sizes.0.stock']))
    const dup = await call('admin', 'POST', '/api/v1/products', { json: { name: 'Hand-Loom Silk Kurta', category: 'kurtas', price: 100, mrp: 100 } })
    expect(dup.status).toBe(409)
    expect(await dup.json()).toMatchObject({ error: { code: 'CONFLICT', fields: { slug: expect.any(String) } } })
    const unknown = await call('admin', 'POST', '/api/v1/products', { json: { name: 'Orphan', category: 'nope', price: 100, mrp: 100 } })
    expect(unknown.status).toBe(400)
  })
})

describe('PUT /api/v1/products/:id', () => {
  it('updates with product:update (200); the warehouse cannot edit a product (403); anonymous 401', async () => {
    const p = await create()
    expect((await getJson(`/api/v1/products/${p.id}`)).body.price).toBe(129900)
    expect((await call('anonymous', 'PUT', `/api/v1/products/${p.id}`, { json: { price: 1 } })).status).toBe(401)
    const wh = await call('warehouse', 'PUT', `/api/v1/products/${p.id}`, { json: { price: 1 } })
    expect(wh.status).toBe(403)
    expect(await wh.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    const res = await call('account_manager', 'PUT', `/api/v1/products/${p.id}`, { json: { price: 119900, name: 'Cotton Kurta, renamed' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: p.id, price: 119900, name: 'Cotton Kurta, renamed', slug: p.slug })
    expect((await getJson(`/api/v1/products/${p.id}`)).body).toMatchObject({ price: 119900, name: 'Cotton Kurta, renamed' })
    expect((await call('admin', 'PUT', `/api/v1/products/${p.id}`, { json: { mrp: 100 } })).status).toBe(400)
    expect((await call('admin', 'PUT', '/api/v1/products/0190f000-0000-7000-8000-000000000000', { json: { price: 1 } })).status).toBe(404)
  })
})

describe('PUT /api/v1/products/:id/stock', () => {
  it('sets stock with stock:update (warehouse: 200); the very next API read and product page show it', async () => {
    const p = await create()
    // warm the caches (API by id, page by slug)
    expect((await getJson(`/api/v1/products/${p.id}`)).body.sizes).toEqual([{ size: 'M', stock: 5 }, { size: 'L', stock: 1 }])
    expect(await (await fetch(`${server.url}/products/${p.slug}`)).text()).toContain(', 5 in stock')

    expect((await call('anonymous', 'PUT', `/api/v1/products/${p.id}/stock`, { json: { sizes: [{ size: 'M', stock: 9 }] } })).status).toBe(401)
    expect((await call('accountant', 'PUT', `/api/v1/products/${p.id}/stock`, { json: { sizes: [{ size: 'M', stock: 9 }] } })).status).toBe(403)
    const res = await call('warehouse', 'PUT', `/api/v1/products/${p.id}/stock`, { json: { sizes: [{ size: 'M', stock: 7 }, { size: 'XL', stock: 2 }] } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: p.id, sizes: [{ size: 'M', stock: 7 }, { size: 'L', stock: 1 }, { size: 'XL', stock: 2 }], totalStock: 10 })

    expect((await getJson(`/api/v1/products/${p.id}`)).body.sizes).toEqual([{ size: 'M', stock: 7 }, { size: 'L', stock: 1 }, { size: 'XL', stock: 2 }])
    const html = await (await fetch(`${server.url}/products/${p.slug}`)).text()
    expect(html).toContain(', 7 in stock')
    expect(html).not.toContain(', 5 in stock')
  })

  it('refuses negative stock with 400 VALIDATION and changes nothing', async () => {
    const p = await create()
    const res = await call('warehouse', 'PUT', `/api/v1/products/${p.id}/stock`, { json: { sizes: [{ size: 'M', stock: -1 }] } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION', fields: { 'sizes.0.stock': expect.any(String) } } })
    expect((await getJson(`/api/v1/products/${p.id}`)).body.sizes).toEqual([{ size: 'M', stock: 5 }, { size: 'L', stock: 1 }])
    const { rows } = await db.query(`SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = 'product:stock'`, [p.id])
    expect(rows).toEqual([])
  })
})

describe('DELETE /api/v1/products/:id', () => {
  it('archives with product:delete (204) — gone from the API and shop; 403 without; 401 anonymous', async () => {
    const p = await create()
    expect((await getJson(`/api/v1/products/${p.id}`)).status).toBe(200)
    expect((await call('anonymous', 'DELETE', `/api/v1/products/${p.id}`)).status).toBe(401)
    expect((await call('warehouse', 'DELETE', `/api/v1/products/${p.id}`)).status).toBe(403)
    const res = await call('account_manager', 'DELETE', `/api/v1/products/${p.id}`)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect((await getJson(`/api/v1/products/${p.id}`)).status).toBe(404)
    expect((await fetch(`${server.url}/products/${p.slug}`)).status).toBe(404)
    const { rows } = await db.query<{ status: string }>('SELECT status FROM products WHERE id = $1', [p.id])
    expect(rows[0]?.status).toBe('archived')
  })
})

describe('/admin/products pages', () => {
  it('lists and opens products for catalogue staff (warehouse included); 403 for the accountant', async () => {
    const p = await create({ name: 'Searchable Mulmul Kurta' })
    for (const who of ['admin', 'account_manager', 'warehouse'] as const) {
      const list = await call(who, 'GET', '/admin/products?q=mulmul')
      expect(list.status, who).toBe(200)
      expect(await list.text()).toContain('Searchable Mulmul Kurta')
      expect((await call(who, 'GET', `/admin/products/${p.id}`)).status, who).toBe(200)
    }
    expect((await call('accountant', 'GET', '/admin/products')).status).toBe(403)
    expect((await call('warehouse', 'GET', '/admin/products/new')).status).toBe(403)
    expect((await call('admin', 'GET', '/admin/products/0190f000-0000-7000-8000-000000000000')).status).toBe(404)
    const anon = await call('anonymous', 'GET', '/admin/products')
    expect(anon.status).toBe(302)
    expect(anon.headers.get('location')).toContain('/login?redirectTo=%2Fadmin%2Fproducts')
  })

  it('creates through the form (post/redirect/get) and keeps the input on a 400', async () => {
    const bad = await call('account_manager', 'POST', '/admin/products/new', { form: { name: 'Form Kurta', categoryId, price: '1,299.50', mrp: '999', status: 'active' } })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(html).toContain('value="Form Kurta"')
    expect(html).toContain('MRP must be at least the selling price')
    const ok = await call('account_manager', 'POST', '/admin/products/new', { form: { name: 'Form Kurta', categoryId, price: '1,299.50', mrp: '1499', status: 'active' } })
    expect(ok.status).toBe(302)
    const id = ok.headers.get('location')?.split('/').pop() ?? ''
    expect((await getJson(`/api/v1/products/${id}`)).body).toMatchObject({ slug: 'form-kurta', price: 129950, mrp: 149900 })
    expect((await call('warehouse', 'POST', '/admin/products/new', { form: { name: 'Nope', categoryId, price: '1', mrp: '1', status: 'active' } })).status).toBe(403)
  })

  it('the warehouse cannot edit a product through the form (403, unchanged) but can set stock', async () => {
    const p = await create()
    const page = `/admin/products/${p.id}`
    const form = { intent: 'update', name: 'Hijacked', categoryId, price: '1', mrp: '1', status: 'active' }
    expect((await call('warehouse', 'POST', page, { form })).status).toBe(403)
    expect((await getJson(`/api/v1/products/${p.id}`)).body.name).toBe(p.name)
    const html = await (await call('warehouse', 'GET', page)).text()
    expect(html).not.toContain('Save details')
    expect(html).toContain('Save stock')

    const invalid = await call('warehouse', 'POST', page, { form: { intent: 'stock', size: ['M', 'L'], stock: ['-3', '4'] } })
    expect(invalid.status).toBe(400)
    expect(await invalid.text()).toContain('value="-3"')
    const saved = await call('warehouse', 'POST', page, { form: { intent: 'stock', size: ['M', 'L', 'XXL'], stock: ['0', '4', '6'] } })
    expect(saved.status).toBe(302)
    expect(saved.headers.get('location')).toBe(page)
    expect((await getJson(`/api/v1/products/${p.id}`)).body.sizes).toEqual([{ size: 'M', stock: 0 }, { size: 'L', stock: 4 }, { size: 'XXL', stock: 6 }])
    expect((await call('warehouse', 'POST', page, { form: { intent: 'archive' } })).status).toBe(403)
  })

  it('uploads up to five images/videos (multipart) and refuses bad uploads with a clear message, leaving no file', async () => {
    const p = await create()
    const page = `/admin/products/${p.id}`
    const formOf = (files: [Buffer, string, string][]) => {
      const fd = new FormData()
      for (const [bytes, name, type] of files) fd.append('files', new Blob([new Uint8Array(bytes)], { type }), name)
      return fd
    }
    const before = uploadedFiles()
    const ok = await call('account_manager', 'POST', page, { multipart: formOf([[mediaFixtures.jpeg(), 'front.jpg', 'image/jpeg'], [mediaFixtures.webm(), 'twirl.webm', 'video/webm']]) })
    expect(ok.status).toBe(302)
    const after = (await getJson(`/api/v1/products/${p.id}`)).body.images
    expect(after.map((i) => i.type)).toEqual(['image', 'video'])
    const served = await fetch(`${server.url}${after[0]!.url}`)
    expect(served.status).toBe(200)
    expect(Buffer.from(await served.arrayBuffer())).toEqual(mediaFixtures.jpeg())
    expect(uploadedFiles()).toHaveLength(before.length + 2)

    const wrongType = await call('account_manager', 'POST', page, { multipart: formOf([[mediaFixtures.png(), 'ok.png', 'image/png'], [mediaFixtures.pdf(), 'catalogue.jpg', 'image/jpeg']]) })
    expect(wrongType.status).toBe(400)
    expect(await wrongType.text()).toContain('catalogue.jpg is not a supported file')
    const tooBig = await call('account_manager', 'POST', page, { multipart: formOf([[mediaFixtures.jpeg(5 * 1024 * 1024 + 10), 'huge.jpg', 'image/jpeg']]) })
    expect(tooBig.status).toBe(400)
    expect(await tooBig.text()).toContain('huge.jpg is too large')
    const six = await call('account_manager', 'POST', page, { multipart: formOf(Array.from({ length: 6 }, (_, i) => [mediaFixtures.png(), `${i}.png`, 'image/png'] as [Buffer, string, string])) })
    expect(six.status).toBe(400)
    expect(await six.text()).toContain('Upload at most 5 files at a time')
    const warehouse = await call('warehouse', 'POST', page, { multipart: formOf([[mediaFixtures.png(), 'w.png', 'image/png']]) })
    expect(warehouse.status).toBe(403)

    expect(uploadedFiles()).toHaveLength(before.length + 2)
    expect((await getJson(`/api/v1/products/${p.id}`)).body.images).toHaveLength(2)
    const tmpDir = path.join(path.dirname(uploadDir), 'tmp')
    expect(fs.readdirSync(tmpDir).filter((f) => f.startsWith('upload-'))).toEqual([])
  })
})
