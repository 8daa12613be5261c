// Catalogue reads against a real, seeded PostgreSQL: typo-tolerant search, filters, sorting,
// pagination, the home rows, and cache-aside that never serves stale stock after invalidateProduct — run
// against the in-process cache and against Redis.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CatalogQuery } from '#app/domain/catalog-query.ts'
import type { ProductView } from '#app/domain/product.ts'
import { MemoryCache, RedisCache, type Cache } from '#app/utils/cache.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { createRedis, type Redis } from '#app/utils/redis.server.ts'
import { closeRuntime, getRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { seed } from '#prisma/seed/index.ts'
import { createTestDatabase } from '../../tests/integration/helpers.ts'
import { invalidateProduct } from './catalog-cache.server.ts'
import { updateProduct, type CatalogActor } from './catalog-admin.server.ts'
import { getHomeRows, getProduct, getRelatedProducts, listCategories, listSizes, searchProducts } from './catalog.server.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:catalog:${randomBytes(4).toString('hex')}:`
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-it-'))
let drop: () => Promise<void> = async () => undefined
let sql: pg.Client
let redis: Redis | null = null

const q = (extra: Partial<CatalogQuery> = {}): CatalogQuery => ({ page: 1, limit: 100, ...extra })

beforeAll(async () => {
  const db = await createTestDatabase('it_catalog')
  drop = db.drop
  await migrateDeploy(db.url)
  await seed({ url: db.url, orders: 200, uploadDir: path.join(tmp, 'uploads') })
  initRuntime(parseEnv({ NODE_ENV: 'test', DATABASE_URL: db.url, OUTBOX_DIR: path.join(tmp, 'outbox'), SESSION_SECRET: 'test-session-secret' }), {
    url: db.url,
    mode: 'external',
    poolMax: 4,
  })
  sql = new pg.Client({ connectionString: db.url })
  await sql.connect()
}, 120_000)

afterAll(async () => {
  await sql?.end().catch(() => undefined)
  if (redis) {
    const keys = await redis.keys(`${PREFIX}*`).catch(() => [])
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
  }
  await closeRuntime().catch(() => undefined)
  await drop()
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('search', () => {
  it('finds kurtas despite a typo ("kurtha") and by plural ("kurtas")', async () => {
    for (const text of ['kurtha', 'kurtas', 'Kurta']) {
      const page = await searchProducts(q({ q: text }))
      expect(page.total, text).toBeGreaterThan(3)
      for (const p of page.items) expect(`${p.name} ${p.description}`.toLowerCase(), text).toContain('kurta')
    }
  })

  it('matches several words (one misspelt) and ranks the closest names first', async () => {
    const { rows } = await sql.query<{ name: string }>(`SELECT name FROM products WHERE status = 'active' AND name ILIKE '%kurta%' ORDER BY created_at LIMIT 1`)
    const name = rows[0]?.name ?? ''
    const misspelt = name.replace(/Kurta/, 'Kurtha')
    const page = await searchProducts(q({ q: misspelt, limit: 5 }))
    expect(page.items[0]?.name).toBe(name)
  })

  it('finds nothing for gibberish and for punctuation only', async () => {
    expect((await searchProducts(q({ q: 'zzqxv' }))).total).toBe(0)
    expect((await searchProducts(q({ q: 'blorptune' }))).total).toBe(0)
    expect((await searchProducts(q({ q: '!!!' }))).total).toBe(0)
  })

  /** Active products whose name, brand or description has all these words (full-text, any form). */
  async function countWithWords(...words: string[]): Promise<number> {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM products WHERE status = 'active'
         AND to_tsvector('english', name || ' ' || brand || ' ' || description) @@ to_tsquery('english', $1)`,
      [words.join(' & ')],
    )
    return rows[0]!.n
  }

  it.each([
    ['shrit', ['shirt']], // two letters swapped
    ['jeens', ['jeans']], // one letter wrong
    ['cotton shrit', ['cotton', 'shirt']], // a right word and a misspelt one
    ['Jeens SKINY', ['jeans', 'skinny']],
  ])('corrects "%s" to products with %j', async (text, words) => {
    const page = await searchProducts(q({ q: text }))
    expect(page.total).toBeGreaterThan(0)
    // Exactly what the correct spelling finds.
    expect(page.total).toBe(await countWithWords(...words))
    for (const p of page.items) {
      const haystack = `${p.name} ${p.brand} ${p.description}`.toLowerCase()
      for (const w of words) expect(haystack, `${text}: ${p.name}`).toContain(w)
    }
  })

  it('does not "correct" a word the catalogue has: "shorts" finds shorts, not shirts', async () => {
    const page = await searchProducts(q({ q: 'shorts' }))
    expect(page.total).toBe(await countWithWords('shorts'))
    for (const p of page.items) expect(`${p.name} ${p.description}`.toLowerCase()).toContain('short')
  })

  it('learns the words of a renamed product, so its new name can be misspelt too', async () => {
    const { rows } = await sql.query<{ id: string; name: string; category_id: string }>(`SELECT id, name, category_id FROM products WHERE status = 'active' ORDER BY created_at LIMIT 1`)
    const row = rows[0]!
    expect((await searchProducts(q({ q: 'ajrakh' }))).total).toBe(0)
    await sql.query(`UPDATE products SET name = name || ' Ajrakh' WHERE id = $1`, [row.id])
    await invalidateProduct(row.id, [row.category_id])
    try {
      expect((await searchProducts(q({ q: 'ajarkh' }))).items.map((p) => p.id)).toEqual([row.id])
    } finally {
      await sql.query(`UPDATE products SET name = $2 WHERE id = $1`, [row.id, row.name])
      await invalidateProduct(row.id, [row.category_id])
    }
  })

  it('searches brands too', async () => {
    const { rows } = await sql.query<{ brand: string; n: number }>(`SELECT brand, count(*)::int AS n FROM products WHERE status = 'active' GROUP BY brand ORDER BY n DESC LIMIT 1`)
    const brand = rows[0]!
    const page = await searchProducts(q({ q: brand.brand }))
    expect(page.items.filter((p) => p.brand === brand.brand).length).toBe(brand.n)
  })
})

describe('filters, sorting and pagination', () => {
  it('filters by category, price range and size in stock, with the right total', async () => {
    const cat = (await listCategories())[0]!
    const sizes = await listSizes(cat.slug)
    const size = sizes[1] ?? sizes[0]!
    const page = await searchProducts(q({ category: cat.slug, minPrice: 80_000, maxPrice: 250_000, size }))
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM products p JOIN categories c ON c.id = p.category_id
       WHERE p.status = 'active' AND c.slug = $1 AND p.price BETWEEN 80000 AND 250000
         AND EXISTS (SELECT 1 FROM product_sizes s WHERE s.product_id = p.id AND s.size = $2 AND s.stock > 0)`,
      [cat.slug, size],
    )
    expect(page.total).toBe(rows[0]!.n)
    expect(page.total).toBeGreaterThan(0)
    for (const p of page.items) {
      expect(p.category).toBe(cat.slug)
      expect(p.categoryName).toBe(cat.name)
      expect(p.price).toBeGreaterThanOrEqual(80_000)
      expect(p.price).toBeLessThanOrEqual(250_000)
      expect(p.sizes.find((s) => s.size === size)?.stock).toBeGreaterThan(0)
    }
  })

  it('leaves out archived and draft products and returns nothing for an unknown category', async () => {
    const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM products WHERE status = 'active'`)
    expect((await searchProducts(q({ limit: 1 }))).total).toBe(rows[0]!.n)
    expect(await searchProducts(q({ category: 'no-such-category' }))).toEqual({ items: [], page: 1, limit: 100, total: 0 })
  })

  it('sorts by price both ways, by newest and by popularity', async () => {
    const asc = (await searchProducts(q({ sort: 'price_asc' }))).items.map((p) => p.price)
    expect(asc).toEqual([...asc].sort((a, b) => a - b))
    const desc = (await searchProducts(q({ sort: 'price_desc' }))).items.map((p) => p.price)
    expect(desc).toEqual([...desc].sort((a, b) => b - a))
    const newest = (await searchProducts(q({ sort: 'newest' }))).items.map((p) => p.createdAt)
    expect(newest).toEqual([...newest].sort().reverse())
    const popular = (await searchProducts(q({ sort: 'popular', limit: 20 }))).items.map((p) => p.id)
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM products WHERE status = 'active' ORDER BY sold_count DESC, id DESC LIMIT 20`)
    expect(popular).toEqual(rows.map((r) => r.id))
  })

  it('pages without gaps or repeats', async () => {
    const all = (await searchProducts(q({ sort: 'price_asc', limit: 30 }))).items.map((p) => p.id)
    const pages = await Promise.all([1, 2, 3].map((page) => searchProducts({ page, limit: 10, sort: 'price_asc' })))
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(all)
    const past = await searchProducts({ page: 999, limit: 10 })
    expect(past.items).toEqual([])
    expect(past.total).toBeGreaterThan(0)
  })

  it('product detail by slug and id; related products share the category', async () => {
    const first = (await searchProducts(q({ limit: 1 }))).items[0]!
    expect(await getProduct(first.slug)).toEqual(first)
    expect(await getProduct(first.id)).toEqual(first)
    expect(await getProduct('no-such-product')).toBeNull()
    expect(await getProduct('018f0000-0000-7000-8000-000000000000')).toBeNull()
    const related = await getRelatedProducts(first)
    expect(related.length).toBeGreaterThan(0)
    for (const p of related) {
      expect(p.category).toBe(first.category)
      expect(p.id).not.toBe(first.id)
    }
  })
})

describe('home rows', () => {
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id)

  it('has the featured products, the new arrivals and a row of best sellers per category that has products', async () => {
    const home = await getHomeRows()
    const featured = await sql.query<{ id: string }>(`SELECT id FROM products WHERE status = 'active' AND featured ORDER BY sold_count DESC, id DESC LIMIT 8`)
    expect(featured.rows.length).toBeGreaterThan(0)
    expect(ids(home.featured)).toEqual(ids(featured.rows))
    const newest = await sql.query<{ id: string }>(`SELECT id FROM products WHERE status = 'active' ORDER BY created_at DESC, id DESC LIMIT 8`)
    expect(ids(home.latest)).toEqual(ids(newest.rows))

    // A category without active products gets no row.
    const emptied = await sql.query<{ id: string; slug: string }>(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'empty-shelf', 'Empty shelf') RETURNING id, slug`)
    try {
      await invalidateProduct(featured.rows[0]!.id, [emptied.rows[0]!.id]) // refreshes the category list
      const { categories } = await getHomeRows()
      const perCategory = await sql.query<{ slug: string; total: number }>(
        `SELECT c.slug, count(*)::int AS total FROM categories c JOIN products p ON p.category_id = c.id AND p.status = 'active'
         GROUP BY c.id ORDER BY c.sort_order, c.name`,
      )
      expect(categories.map((r) => ({ slug: r.category.slug, total: r.total }))).toEqual(perCategory.rows)
      for (const row of categories) {
        const best = await sql.query<{ id: string }>(
          `SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id WHERE c.slug = $1 AND p.status = 'active' ORDER BY p.sold_count DESC, p.id DESC LIMIT 4`,
          [row.category.slug],
        )
        expect(ids(row.items), row.category.slug).toEqual(ids(best.rows))
      }
    } finally {
      await sql.query(`DELETE FROM categories WHERE id = $1`, [emptied.rows[0]!.id])
      await invalidateProduct(featured.rows[0]!.id, [emptied.rows[0]!.id])
    }
  })

  it('drops a product from the featured row when staff unfeature it and brings it back when they feature it again', async () => {
    const { rows } = await sql.query<CatalogActor>(`SELECT id, role, permissions FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1`)
    const admin = rows[0]!
    const before = await getHomeRows()
    const product = before.featured[0]!
    expect((await updateProduct(admin, product.id, { featured: false })).featured).toBe(false)
    expect(ids((await getHomeRows()).featured)).not.toContain(product.id)
    expect((await updateProduct(admin, product.id, { featured: true })).featured).toBe(true)
    expect(ids((await getHomeRows()).featured)).toEqual(ids(before.featured))
    const audit = await sql.query<{ before: unknown; after: unknown }>(
      `SELECT before, after FROM audit_log WHERE entity_type = 'product' AND entity_id = $1 AND action = 'product:update' ORDER BY created_at, id`,
      [product.id],
    )
    expect(audit.rows).toEqual([
      { before: { featured: true }, after: { featured: false } },
      { before: { featured: false }, after: { featured: true } },
    ])
  })
})

describe.each([
  { name: 'in-process cache', make: async (): Promise<Cache> => new MemoryCache() },
  {
    name: 'Redis cache',
    make: async (): Promise<Cache> => {
      redis ??= createRedis(REDIS_URL, { name: 'catalog-test' })
      if (redis.status !== 'ready') await new Promise((resolve) => redis!.once('ready', resolve))
      return new RedisCache(redis, `${PREFIX}cache:`)
    },
  },
])('cache-aside with $name', ({ make }) => {
  let product: ProductView
  let categoryId = ''
  let size = ''

  beforeAll(async () => {
    getRuntime().cache = await make()
    // A product with several sizes; start it out of stock in one of them.
    const { rows } = await sql.query<{ id: string; category_id: string; size: string }>(
      `SELECT p.id, p.category_id, s.size FROM products p JOIN product_sizes s ON s.product_id = p.id
       WHERE p.status = 'active' ORDER BY p.created_at DESC, s.sort_order DESC LIMIT 1`,
    )
    const row = rows[0]!
    categoryId = row.category_id
    size = row.size
    await sql.query(`UPDATE product_sizes SET stock = 0 WHERE product_id = $1 AND size = $2`, [row.id, size])
    await invalidateProduct(row.id, [categoryId])
    product = (await getProduct(row.id))!
  })

  it('serves repeated reads from the cache (a write without invalidation is not seen)', async () => {
    const before = getRuntime().cache.stats()
    await getProduct(product.slug)
    await getProduct(product.slug)
    const after = getRuntime().cache.stats()
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(1)

    await sql.query(`UPDATE products SET name = name || ' (edited)' WHERE id = $1`, [product.id])
    expect((await getProduct(product.slug))!.name).toBe(product.name)
    await invalidateProduct(product.id, [categoryId])
    expect((await getProduct(product.slug))!.name).toBe(`${product.name} (edited)`)
    await sql.query(`UPDATE products SET name = $2 WHERE id = $1`, [product.id, product.name])
    await invalidateProduct(product.id, [categoryId])
  })

  it('shows a stock edit everywhere right after invalidateProduct, including listings that newly include the product', async () => {
    const category = product.category
    const priceBand = { minPrice: product.price, maxPrice: product.price }
    const sizeQuery = q({ size, category, ...priceBand })
    const anyCategorySize = q({ size, ...priceBand })
    const categoryListing = q({ category, sort: 'newest' })

    // Warm every cache entry with the "out of stock in <size>" state.
    expect(product.sizes.find((s) => s.size === size)?.stock).toBe(0)
    expect((await getProduct(product.slug))!.sizes.find((s) => s.size === size)?.stock).toBe(0)
    expect((await searchProducts(sizeQuery)).items.map((p) => p.id)).not.toContain(product.id)
    expect((await searchProducts(anyCategorySize)).items.map((p) => p.id)).not.toContain(product.id)
    const listed = (await searchProducts(categoryListing)).items.find((p) => p.id === product.id)
    expect(listed?.sizes.find((s) => s.size === size)?.stock).toBe(0)

    // A staff stock edit, committed through SQL, then the invalidation the staff code calls.
    await sql.query(`UPDATE product_sizes SET stock = 7 WHERE product_id = $1 AND size = $2`, [product.id, size])
    await invalidateProduct(product.id, [categoryId])

    const stockOf = (p: ProductView | null | undefined) => p?.sizes.find((s) => s.size === size)?.stock
    expect(stockOf(await getProduct(product.slug))).toBe(7)
    expect(stockOf(await getProduct(product.id))).toBe(7)
    expect(stockOf((await searchProducts(categoryListing)).items.find((p) => p.id === product.id))).toBe(7)
    expect(stockOf((await searchProducts(sizeQuery)).items.find((p) => p.id === product.id))).toBe(7)
    expect(stockOf((await searchProducts(anyCategorySize)).items.find((p) => p.id === product.id))).toBe(7)
  })

  it('shows a price edit in a price-filtered listing that newly includes the product', async () => {
    const band = q({ minPrice: 1, maxPrice: 100 }) // ₹0.01–₹1.00: nothing seeded costs that little
    expect((await searchProducts(band)).items.map((p) => p.id)).not.toContain(product.id)
    await sql.query(`UPDATE products SET price = 50 WHERE id = $1`, [product.id])
    await invalidateProduct(product.id, [categoryId])
    expect((await searchProducts(band)).items.map((p) => p.id)).toContain(product.id)
    expect((await getProduct(product.slug))!.price).toBe(50)
    await sql.query(`UPDATE products SET price = $2 WHERE id = $1`, [product.id, product.price])
    await invalidateProduct(product.id, [categoryId])
    expect((await getProduct(product.slug))!.price).toBe(product.price)
  })

  it('drops an archived product from its page and every listing', async () => {
    await sql.query(`UPDATE products SET status = 'archived' WHERE id = $1`, [product.id])
    await invalidateProduct(product.id, [categoryId])
    expect(await getProduct(product.slug)).toBeNull()
    expect((await searchProducts(q({ category: product.category }))).items.map((p) => p.id)).not.toContain(product.id)
    await sql.query(`UPDATE products SET status = 'active' WHERE id = $1`, [product.id])
    await invalidateProduct(product.id, [categoryId])
    expect(await getProduct(product.slug)).not.toBeNull()
  })
})
