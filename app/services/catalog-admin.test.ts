// Staff catalogue writes against a real PostgreSQL: validation, permissions, audit rows in
// the same transaction, and the storefront read (getProduct, cache-aside) showing a write on
// the very next read — with the in-process cache and with Redis.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import type { Role } from '#app/domain/permissions.ts'
import { MemoryCache, RedisCache } from '#app/utils/cache.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { createRedis, type Redis } from '#app/utils/redis.server.ts'
import { closeRuntime, getRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { LocalDiskStorage, type MediaStorage, type TempFile } from '#app/utils/storage.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { mediaFixtures } from '../../tests/fixtures/media.ts'
import { createTestDatabase } from '../../tests/integration/helpers.ts'
import { addMedia, archiveProduct, createProduct, getProductForStaff, listProductsForStaff, removeMedia, setStock, updateProduct, type CatalogActor } from './catalog-admin.server.ts'
import { getProduct } from './catalog.server.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:catalog-admin:${randomBytes(4).toString('hex')}:`
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-admin-it-'))
const uploadDir = path.join(tmp, 'uploads')
let drop: () => Promise<void> = async () => undefined
let redis: Redis | null = null
const actors = {} as Record<'admin' | 'account_manager' | 'warehouse' | 'accountant', CatalogActor>
let kurtas = ''
let sarees = ''
let seq = 0

beforeAll(async () => {
  const db = await createTestDatabase('it_catadmin')
  drop = db.drop
  await migrateDeploy(db.url)
  initRuntime(parseEnv({ NODE_ENV: 'test', DATABASE_URL: db.url, OUTBOX_DIR: path.join(tmp, 'outbox'), UPLOAD_DIR: uploadDir, SESSION_SECRET: 'test-session-secret' }), {
    url: db.url,
    mode: 'external',
    poolMax: 4,
  })
  for (const [i, role] of (['admin', 'account_manager', 'warehouse', 'accountant'] as const).entries()) {
    const u = await getDb().user.create({ data: { name: `Staff ${role}`, phone: `+9197000000${i}0`, role: role as Role }, select: { id: true, role: true, permissions: true } })
    actors[role] = u
  }
  kurtas = (await getDb().category.create({ data: { slug: 'kurtas', name: 'Kurtas' } })).id
  sarees = (await getDb().category.create({ data: { slug: 'sarees', name: 'Sarees' } })).id
}, 120_000)

afterAll(async () => {
  if (redis) {
    const keys = await redis.keys(`${PREFIX}*`).catch(() => [])
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
  }
  await closeRuntime().catch(() => undefined)
  await drop()
  fs.rmSync(tmp, { recursive: true, force: true })
})

async function domainError(p: Promise<unknown>, code: DomainError['code']): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  expect((err as DomainError).code).toBe(code)
  return err as DomainError
}

const audit = (entityId: string) => getDb().auditLog.findMany({ where: { entityType: 'product', entityId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { actorId: true, action: true, before: true, after: true } })

async function newProduct(extra: Record<string, unknown> = {}) {
  seq += 1
  return createProduct(actors.admin, { name: `Test Kurta ${seq}`, categoryId: kurtas, price: 129900, mrp: 159900, sizes: [{ size: 'S', stock: 4 }, { size: 'M', stock: 10 }], ...extra } as Parameters<typeof createProduct>[1])
}

function tempFile(bytes: Buffer, name: string, type: string): TempFile {
  const p = path.join(tmp, `${randomBytes(6).toString('hex')}-${name}`)
  fs.writeFileSync(p, bytes)
  return { path: p, mimeType: type, originalName: name }
}

const filesIn = (dir: string) => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [])

describe('createProduct', () => {
  it('makes the slug from the name, stores prices in minor units and sizes, and audits', async () => {
    const p = await createProduct(actors.account_manager, { name: 'Indigo Block-Print Kurta', category: 'kurtas', brand: 'Jaipur Looms', price: 149900, mrp: 199900, costPrice: 70000, sizes: [{ size: 'M', stock: 3 }] } as Parameters<typeof createProduct>[1])
    expect(p).toMatchObject({ slug: 'indigo-block-print-kurta', category: 'kurtas', price: 149900, mrp: 199900, costPrice: 70000, status: 'active', sizes: [{ size: 'M', stock: 3 }], totalStock: 3 })
    expect(await getProduct(p.slug)).toMatchObject({ id: p.id, totalStock: 3 })
    expect(await audit(p.id)).toEqual([expect.objectContaining({ actorId: actors.account_manager.id, action: 'product:create', before: null, after: expect.objectContaining({ price: 149900, slug: p.slug }) })])
  })

  it('refuses a taken slug with CONFLICT, an unknown category and MRP below price with VALIDATION; writes nothing', async () => {
    const before = await getDb().product.count()
    const dup = await domainError(createProduct(actors.admin, { name: 'Indigo Block-Print Kurta', categoryId: kurtas, price: 100, mrp: 100 } as Parameters<typeof createProduct>[1]), 'CONFLICT')
    expect(dup.details?.fields).toEqual({ slug: expect.any(String) })
    const cat = await domainError(createProduct(actors.admin, { name: 'X', category: 'no-such', price: 100, mrp: 100 } as Parameters<typeof createProduct>[1]), 'VALIDATION')
    expect(cat.details?.fields).toEqual({ category: 'Not a known category' })
    const mrp = await domainError(createProduct(actors.admin, { name: 'Y', categoryId: kurtas, price: 500, mrp: 400 } as Parameters<typeof createProduct>[1]), 'VALIDATION')
    expect(mrp.details?.fields).toMatchObject({ mrp: expect.stringMatching(/MRP/) })
    expect(await getDb().product.count()).toBe(before)
  })

  it('is refused to staff without product:create', async () => {
    await domainError(createProduct(actors.warehouse, { name: 'Nope', categoryId: kurtas, price: 1, mrp: 1 } as Parameters<typeof createProduct>[1]), 'FORBIDDEN')
  })
})

describe('updateProduct', () => {
  it('changes only the given fields, audits the difference, and moves category', async () => {
    const p = await newProduct()
    const updated = await updateProduct(actors.admin, p.id, { price: 99900, categoryId: sarees, name: 'Renamed' })
    expect(updated).toMatchObject({ price: 99900, mrp: 159900, category: 'sarees', name: 'Renamed', slug: p.slug })
    const rows = await audit(p.id)
    expect(rows.at(-1)).toEqual({ actorId: actors.admin.id, action: 'product:update', before: { price: 129900, categoryId: kurtas, name: p.name }, after: { price: 99900, categoryId: sarees, name: 'Renamed' } })
    // a no-op writes no audit row
    await updateProduct(actors.admin, p.id, { price: 99900 })
    expect(await audit(p.id)).toHaveLength(rows.length)
  })

  it('checks MRP ≥ price against the merged product, and a taken slug; nothing changes', async () => {
    const a = await newProduct()
    const b = await newProduct()
    await domainError(updateProduct(actors.admin, a.id, { mrp: 1000 }), 'VALIDATION')
    await domainError(updateProduct(actors.admin, a.id, { slug: b.slug }), 'CONFLICT')
    expect(await getProductForStaff(a.id)).toMatchObject({ mrp: 159900, slug: a.slug })
    await domainError(updateProduct(actors.admin, '0190f000-0000-7000-8000-000000000000', { price: 1 }), 'NOT_FOUND')
  })

  it('is refused to the warehouse (no product:update)', async () => {
    const p = await newProduct()
    await domainError(updateProduct(actors.warehouse, p.id, { price: 1 }), 'FORBIDDEN')
    expect((await getProductForStaff(p.id))?.price).toBe(129900)
  })
})

describe.each([
  { name: 'in-process cache', make: async () => new MemoryCache() },
  {
    name: 'Redis cache',
    make: async () => {
      redis ??= createRedis(REDIS_URL, { name: 'catalog-admin-test' })
      return new RedisCache(redis, `${PREFIX}cache:`)
    },
  },
])('storefront reads after staff writes ($name)', ({ make }) => {
  beforeEach(async () => {
    getRuntime().cache = await make()
  })

  it('shows a stock edit on the very next read, by id and by slug; unlisted sizes keep theirs; new sizes go last', async () => {
    const p = await newProduct()
    // warm the cache
    expect((await getProduct(p.id))?.sizes).toEqual([{ size: 'S', stock: 4 }, { size: 'M', stock: 10 }])
    expect((await getProduct(p.slug))?.totalStock).toBe(14)
    expect((await getProduct(p.id))?.totalStock).toBe(14)
    expect(getRuntime().cache.stats().hits).toBeGreaterThan(0)

    const after = await setStock(actors.warehouse, p.id, { sizes: [{ size: 'm', stock: 2 }, { size: 'XL', stock: 7 }] })
    expect(after.sizes).toEqual([{ size: 'S', stock: 4 }, { size: 'M', stock: 2 }, { size: 'XL', stock: 7 }])
    expect((await getProduct(p.id))?.sizes).toEqual([{ size: 'S', stock: 4 }, { size: 'M', stock: 2 }, { size: 'XL', stock: 7 }])
    expect((await getProduct(p.slug))?.totalStock).toBe(13)
    expect((await audit(p.id)).at(-1)).toEqual({ actorId: actors.warehouse.id, action: 'product:stock', before: { sizes: [{ size: 'M', stock: 10 }, { size: 'XL', stock: null }] }, after: { sizes: [{ size: 'M', stock: 2 }, { size: 'XL', stock: 7 }] } })
  })

  it('refuses negative stock with VALIDATION and changes nothing (no write, no audit row, cache intact)', async () => {
    const p = await newProduct()
    expect((await getProduct(p.id))?.totalStock).toBe(14)
    const rows = (await audit(p.id)).length
    const err = await domainError(setStock(actors.admin, p.id, { sizes: [{ size: 'S', stock: 3 }, { size: 'M', stock: -1 }] }), 'VALIDATION')
    expect(err.details?.fields).toEqual({ 'sizes.1.stock': 'Stock cannot be negative' })
    await domainError(setStock(actors.admin, p.id, { sizes: [{ size: 'S', stock: 1.5 }] }), 'VALIDATION')
    expect((await getProduct(p.id))?.sizes).toEqual([{ size: 'S', stock: 4 }, { size: 'M', stock: 10 }])
    expect((await getProductForStaff(p.id))?.sizes).toEqual([{ size: 'S', stock: 4 }, { size: 'M', stock: 10 }])
    expect(await audit(p.id)).toHaveLength(rows)
    // the database refuses it too, should a caller get past the service
    await expect(getDb().productSize.updateMany({ where: { productId: p.id, size: 'S' }, data: { stock: -1 } })).rejects.toThrow()
  })

  it('shows a price edit and an archive on the next read', async () => {
    const p = await newProduct()
    expect((await getProduct(p.slug))?.price).toBe(129900)
    await updateProduct(actors.account_manager, p.id, { price: 111100 })
    expect((await getProduct(p.slug))?.price).toBe(111100)
    expect((await getProduct(p.id))?.price).toBe(111100)
    await archiveProduct(actors.account_manager, p.id)
    expect(await getProduct(p.id)).toBeNull()
    expect(await getProduct(p.slug)).toBeNull()
    expect((await audit(p.id)).at(-1)).toMatchObject({ action: 'product:archive', before: { status: 'active' }, after: { status: 'archived' } })
    // archiving again is a no-op
    const n = (await audit(p.id)).length
    await archiveProduct(actors.account_manager, p.id)
    expect(await audit(p.id)).toHaveLength(n)
    await domainError(archiveProduct(actors.warehouse, p.id), 'FORBIDDEN')
  })

  it('shows added and removed media on the next read; files live under UPLOAD_DIR', async () => {
    const p = await newProduct()
    expect((await getProduct(p.id))?.images).toEqual([])
    const storage = new LocalDiskStorage(uploadDir)
    const withMedia = await addMedia(actors.admin, p.id, [tempFile(mediaFixtures.jpeg(), 'front.jpg', 'image/jpeg'), tempFile(mediaFixtures.mp4(), 'walk.mp4', 'video/mp4')], { storage })
    expect(withMedia.media.map((m) => [m.type, m.position])).toEqual([
      ['image', 0],
      ['video', 1],
    ])
    expect((await getProduct(p.id))?.images.map((i) => i.type)).toEqual(['image', 'video'])
    for (const m of withMedia.media) expect(fs.existsSync(path.join(uploadDir, m.url.replace('/uploads/', '')))).toBe(true)
    expect((await audit(p.id)).at(-1)).toMatchObject({ action: 'product:media', after: { added: [{ type: 'image' }, { type: 'video' }] } })

    const first = withMedia.media[0]!
    const afterRemove = await removeMedia(actors.admin, p.id, first.id)
    expect(afterRemove.media.map((m) => m.id)).toEqual([withMedia.media[1]!.id])
    expect((await getProduct(p.slug))?.images).toEqual([{ url: withMedia.media[1]!.url, type: 'video' }])
    expect(fs.existsSync(path.join(uploadDir, first.url.replace('/uploads/', '')))).toBe(false)
    expect((await audit(p.id)).at(-1)).toMatchObject({ action: 'product:media', before: { removed: { url: first.url } } })
  })
})

describe('addMedia failures leave nothing behind', () => {
  beforeEach(() => {
    getRuntime().cache = new MemoryCache()
  })

  it('refuses a wrong file type, too many files, and staff without product:update — no rows, no files', async () => {
    const p = await newProduct()
    const dir = path.join(tmp, 'uploads-refused')
    const storage = new LocalDiskStorage(dir)
    const msg = (await domainError(addMedia(actors.admin, p.id, [tempFile(mediaFixtures.jpeg(), 'a.jpg', 'image/jpeg'), tempFile(mediaFixtures.pdf(), 'b.png', 'image/png')], { storage }), 'VALIDATION')).message
    expect(msg).toContain('b.png is not a supported file')
    const six = Array.from({ length: 6 }, (_, i) => tempFile(mediaFixtures.png(), `${i}.png`, 'image/png'))
    await domainError(addMedia(actors.admin, p.id, six, { storage }), 'VALIDATION')
    await domainError(addMedia(actors.warehouse, p.id, [tempFile(mediaFixtures.png(), 'w.png', 'image/png')], { storage }), 'FORBIDDEN')
    expect(filesIn(dir)).toEqual([])
    expect(await getDb().productMedia.count({ where: { productId: p.id } })).toBe(0)
  })

  it('removes the stored files when the database write fails after the upload', async () => {
    const p = await newProduct()
    const dir = path.join(tmp, 'uploads-dbfail')
    const local = new LocalDiskStorage(dir)
    let deleted = false
    // the product disappears while its files upload, so the transaction fails
    const storage: MediaStorage = {
      kind: 'local',
      save: async (f) => {
        const saved = await local.save(f)
        if (!deleted) {
          deleted = true
          await getDb().product.delete({ where: { id: p.id } })
        }
        return saved
      },
      remove: (id) => local.remove(id),
    }
    await domainError(addMedia(actors.admin, p.id, [tempFile(mediaFixtures.jpeg(), 'a.jpg', 'image/jpeg'), tempFile(mediaFixtures.webp(), 'b.webp', 'image/webp')], { storage }), 'NOT_FOUND')
    expect(filesIn(dir)).toEqual([])
    expect(await getDb().productMedia.count({ where: { productId: p.id } })).toBe(0)
  })
})

describe('listProductsForStaff', () => {
  it('searches, filters by category, status and low stock, and pages', async () => {
    const low = await newProduct({ name: 'Zari Lowstock Saree', categoryId: sarees, sizes: [{ size: 'Free', stock: 2 }] })
    const draft = await newProduct({ name: 'Zari Draft Saree', categoryId: sarees, status: 'draft', sizes: [{ size: 'Free', stock: 50 }] })
    const zari = await listProductsForStaff({ q: 'zari' })
    expect(zari.items.map((i) => i.id).sort()).toEqual([low.id, draft.id].sort())
    expect((await listProductsForStaff({ q: 'zari', status: 'draft' })).items.map((i) => i.id)).toEqual([draft.id])
    const lowList = await listProductsForStaff({ q: 'zari', lowStock: true })
    expect(lowList.items.map((i) => i.id)).toEqual([low.id])
    expect(lowList.items[0]).toMatchObject({ lowSizes: ['Free'], totalStock: 2, category: 'Sarees' })
    expect((await listProductsForStaff({ categoryId: kurtas, q: 'zari' })).total).toBe(0)
    const all = await listProductsForStaff({ limit: 2, page: 1 })
    const next = await listProductsForStaff({ limit: 2, page: 2 })
    expect(all.items).toHaveLength(2)
    expect(next.items.filter((i) => all.items.some((a) => a.id === i.id))).toEqual([])
    expect(all.total).toBe(await getDb().product.count())
  })
})
