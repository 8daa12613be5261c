/** The seed against a real PostgreSQL: what a shopper, admin or report would notice. */
import { randomBytes } from 'node:crypto'
import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { crc32, inflateSync } from 'node:zlib'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { buildCatalogue } from './catalogue.ts'
import { DAY } from './calendar.ts'
import { DatabaseNotEmptyError, isDatabaseEmpty, paymentTimeoutMinutes, seed, type SeedResult } from './index.ts'
import { EXPIRED_NOTE } from './orders.ts'
import { Rng } from './rng.ts'

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const dbName = `seed_test_${randomBytes(6).toString('hex')}`
const dbUrl = (() => {
  const u = new URL(SERVER_URL)
  u.pathname = `/${dbName}`
  return u.toString()
})()

let admin: pg.Client
let db: pg.Client
let uploadDir: string
let result: SeedResult
let emptyBefore: boolean

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const r = await db.query(sql, params)
  return r.rows[0] as T
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE "${dbName}"`)
  await migrateDeploy(dbUrl)
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'seed-uploads-'))
  emptyBefore = await isDatabaseEmpty(dbUrl)
  result = await seed({ url: dbUrl, orders: 800, uploadDir, paymentTimeoutMinutes: 30 })
  db = new pg.Client({ connectionString: dbUrl })
  await db.connect()
}, 120_000)

afterAll(async () => {
  await db?.end().catch(() => {})
  await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {})
  await admin?.end().catch(() => {})
  if (uploadDir) await rm(uploadDir, { recursive: true, force: true })
})

describe('seed', () => {
  it('reports an empty database before and a seeded one after', async () => {
    expect(emptyBefore).toBe(true)
    expect(await isDatabaseEmpty(dbUrl)).toBe(false)
    expect(result.orders).toBe(800)
    expect(result.products).toBeGreaterThanOrEqual(200)
  })

  it('creates at least 200 active products in at least 8 categories', async () => {
    const r = await one<{ products: number; categories: number }>(
      `SELECT count(*)::int AS products, count(DISTINCT category_id)::int AS categories FROM products WHERE status = 'active'`,
    )
    expect(r.products).toBeGreaterThanOrEqual(200)
    expect(r.categories).toBeGreaterThanOrEqual(8)
    const slugs = await db.query<{ slug: string }>(`SELECT slug FROM products`)
    for (const { slug } of slugs.rows) expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  it('gives every product sizes, sensible prices and an image file on disk', async () => {
    const sizeless = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_sizes s WHERE s.product_id = p.id)`,
    )
    expect(sizeless.n).toBe(0)
    const prices = await one<{ bad: number; min: number; max: number }>(
      `SELECT count(*) FILTER (WHERE mrp < price)::int AS bad, min(price) AS min, max(price) AS max FROM products`,
    )
    expect(prices.bad).toBe(0)
    expect(prices.min).toBeGreaterThanOrEqual(29_900)
    expect(prices.max).toBeLessThanOrEqual(999_900)
    const shoes = await db.query<{ size: string }>(
      `SELECT DISTINCT s.size FROM product_sizes s JOIN products p ON p.id = s.product_id JOIN categories c ON c.id = p.category_id WHERE c.slug = 'footwear' ORDER BY 1`,
    )
    expect(shoes.rows.map((r) => r.size)).toEqual(['10', '11', '6', '7', '8', '9'])

    const media = await db.query<{ product_id: string; url: string; public_id: string }>(
      `SELECT product_id, url, public_id FROM product_media WHERE type = 'image' ORDER BY product_id, position`,
    )
    const withImage = new Set<string>()
    for (const m of media.rows) {
      expect(m.url).toMatch(/^\/uploads\/seed\/[a-z0-9-]+-\d\.svg$/)
      expect(m.url).toBe(`/uploads/${m.public_id}.svg`)
      await access(path.join(uploadDir, m.url.replace(/^\/uploads\//, '')))
      withImage.add(m.product_id)
    }
    const products = await one<{ n: number }>(`SELECT count(*)::int AS n FROM products`)
    expect(withImage.size).toBe(products.n)
  })

  it('writes each product a PNG card for link previews: 1200×630, its glyph in the middle', async () => {
    const { slug } = await one<{ slug: string }>(`SELECT p.slug FROM products p JOIN categories c ON c.id = p.category_id WHERE c.slug = 'mens-shirts' LIMIT 1`)
    const png = await readFile(path.join(uploadDir, 'seed', `${slug}-preview.png`))
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    const chunks = new Map<string, Buffer[]>()
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at)
      const type = png.toString('latin1', at + 4, at + 8)
      const data = png.subarray(at + 8, at + 8 + length)
      expect(png.readUInt32BE(at + 8 + length), `${type} checksum`).toBe(crc32(png.subarray(at + 4, at + 8 + length)))
      chunks.set(type, [...(chunks.get(type) ?? []), data])
      at += length + 12
    }
    const header = chunks.get('IHDR')![0]!
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([1200, 630, 8, 3]) // 8-bit palette
    const palette = chunks.get('PLTE')![0]!
    expect(chunks.has('IEND')).toBe(true)
    // Undo the filters (all rows use Sub) to read two pixels: the corner is background, the centre is the white glyph.
    const rows = inflateSync(Buffer.concat(chunks.get('IDAT')!))
    expect(rows.length).toBe(1201 * 630)
    const pixel = (x: number, y: number) => {
      const row = rows.subarray(y * 1201, (y + 1) * 1201)
      expect(row[0]).toBe(1)
      let index = 0
      for (let i = 0; i <= x; i++) index = (index + row[1 + i]!) & 0xff
      return [...palette.subarray(index * 3, index * 3 + 3)]
    }
    const corner = pixel(0, 0)
    const centre = pixel(600, 315)
    expect(Math.min(...centre)).toBeGreaterThan(200)
    expect(Math.min(...corner)).toBeLessThan(Math.min(...centre) - 40)
  })

  it('creates one staff account per role with the documented phone, and demo shoppers', async () => {
    const staff = await db.query<{ role: string; phone: string; name: string; is_phone_verified: boolean }>(
      `SELECT role::text, phone, name, is_phone_verified FROM users WHERE role <> 'user' ORDER BY phone`,
    )
    expect(staff.rows.map((r) => [r.role, r.phone])).toEqual([
      ['admin', '+919000000001'],
      ['account_manager', '+919000000002'],
      ['warehouse', '+919000000003'],
      ['accountant', '+919000000004'],
    ])
    expect(staff.rows[0]!.name).toBe('Asha Admin')
    const demo = await db.query<{ phone: string; orders: number; addresses: number; wishlist: number }>(
      `SELECT u.phone,
              (SELECT count(*)::int FROM orders o WHERE o.user_id = u.id) AS orders,
              (SELECT count(*)::int FROM addresses a WHERE a.user_id = u.id AND a.is_default) AS addresses,
              (SELECT count(*)::int FROM wishlist_items w WHERE w.user_id = u.id) AS wishlist
         FROM users u WHERE u.phone LIKE '+9190000001%' ORDER BY u.phone`,
    )
    expect(demo.rows.map((r) => r.phone)).toEqual(['+919000000101', '+919000000102', '+919000000103', '+919000000104', '+919000000105'])
    for (const r of demo.rows) {
      expect(r.orders).toBeGreaterThan(0)
      expect(r.addresses).toBe(1)
      expect(r.wishlist).toBeGreaterThan(0)
    }
    const cart = await one<{ lines: number }>(
      `SELECT count(*)::int AS lines FROM cart_lines l JOIN carts c ON c.id = l.cart_id JOIN users u ON u.id = c.user_id WHERE u.phone = '+919000000101'`,
    )
    expect(cart.lines).toBe(2)
    const phones = await one<{ bad: number; unverified: number }>(
      `SELECT count(*) FILTER (WHERE phone !~ '^\\+91[6-9][0-9]{9}$')::int AS bad, count(*) FILTER (WHERE NOT is_phone_verified)::int AS unverified FROM users`,
    )
    expect(phones).toEqual({ bad: 0, unverified: 0 })
  })

  it('adds up every order: items + tax + shipping, and items match their lines', async () => {
    const r = await one<{ total: number; items: number; empty: number }>(
      `SELECT count(*) FILTER (WHERE total_price <> items_price + tax_price + shipping_price)::int AS total,
              count(*) FILTER (WHERE items_price <> coalesce(l.sum, -1))::int AS items,
              count(*) FILTER (WHERE l.sum IS NULL)::int AS empty
         FROM orders o
         LEFT JOIN (SELECT order_id, sum(price * quantity)::int AS sum FROM order_items GROUP BY order_id) l ON l.order_id = o.id`,
    )
    expect(r).toEqual({ total: 0, items: 0, empty: 0 })
    const shipping = await one<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM orders WHERE shipping_price <> CASE WHEN items_price < 49900 THEN 4900 ELSE 0 END`,
    )
    expect(shipping.bad).toBe(0)
  })

  it('gives every order a history whose last event is its status, in time order', async () => {
    const r = await one<{ mismatched: number; unordered: number }>(
      `SELECT
         (SELECT count(*)::int FROM orders o
           WHERE o.status IS DISTINCT FROM (SELECT e.status FROM order_events e WHERE e.order_id = o.id ORDER BY e.at DESC, e.id DESC LIMIT 1)) AS mismatched,
         (SELECT count(*)::int FROM (SELECT at < lag(at) OVER (PARTITION BY order_id ORDER BY at, id) AS back FROM order_events) x WHERE back) AS unordered`,
    )
    expect(r).toEqual({ mismatched: 0, unordered: 0 })
  })

  it('keeps payments consistent with order statuses', async () => {
    const r = await one<{ stalePending: number; paidWithoutCapture: number; unpaidDelivered: number }>(
      `SELECT
         count(*) FILTER (WHERE status = 'pending_payment' AND created_at < now() - interval '30 minutes')::int AS "stalePending",
         count(*) FILTER (WHERE is_paid AND paid_at IS NULL OR NOT is_paid AND paid_at IS NOT NULL)::int
           + count(*) FILTER (WHERE is_paid AND payment_method = 'razorpay' AND NOT EXISTS (
               SELECT 1 FROM payments p WHERE p.order_id = orders.id AND p.status IN ('captured', 'refunded') AND p.provider_payment_id LIKE 'pay\\_%'))::int AS "paidWithoutCapture",
         count(*) FILTER (WHERE status = 'delivered' AND NOT is_paid)::int AS "unpaidDelivered"
       FROM orders`,
    )
    expect(r).toEqual({ stalePending: 0, paidWithoutCapture: 0, unpaidDelivered: 0 })
    const statuses = await db.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM orders GROUP BY 1`)
    const by = Object.fromEntries(statuses.rows.map((s) => [s.status, s.n]))
    expect(by.delivered).toBeGreaterThan(500)
    expect(by.cancelled).toBeGreaterThan(0)
    const methods = await one<{ razorpay: number }>(
      `SELECT avg((payment_method = 'razorpay')::int)::float8 AS razorpay FROM orders`,
    )
    expect(methods.razorpay).toBeGreaterThan(0.5)
    expect(methods.razorpay).toBeLessThan(0.7)
  })

  it('cancels online orders left unpaid the way the expiry job does, and takes every payment within the timeout', async () => {
    const expired = await db.query<{ after: number; actor: string | null; payments: string[]; events: number }>(
      `SELECT extract(epoch FROM e.at - o.created_at)::float8 AS after, e.actor_id AS actor,
              (SELECT array_agg(p.status::text) FROM payments p WHERE p.order_id = o.id) AS payments,
              (SELECT count(*)::int FROM order_events x WHERE x.order_id = o.id) AS events
         FROM orders o JOIN order_events e ON e.order_id = o.id AND e.status = 'cancelled'
        WHERE o.status = 'cancelled' AND o.payment_method = 'razorpay' AND NOT o.is_paid AND e.note = $1`,
      [EXPIRED_NOTE],
    )
    expect(expired.rows.length).toBeGreaterThan(0)
    for (const r of expired.rows) {
      expect(r).toMatchObject({ after: 30 * 60, actor: null, events: 2 })
      expect(r.payments.every((status) => status === 'failed')).toBe(true)
    }
    const late = await one<{ n: number; paid: number }>(
      `SELECT count(*) FILTER (WHERE paid_at >= created_at + interval '30 minutes')::int AS n, count(*)::int AS paid
         FROM orders WHERE payment_method = 'razorpay' AND paid_at IS NOT NULL`,
    )
    expect(late.paid).toBeGreaterThan(100)
    expect(late.n).toBe(0)
  })

  it('spreads orders over at least 12 months and counts what sold', async () => {
    const r = await one<{ span: boolean; recent: boolean }>(
      `SELECT age(max(created_at), min(created_at)) >= interval '12 months' AS span,
              max(created_at) > now() - interval '2 days' AS recent FROM orders`,
    )
    expect(r).toEqual({ span: true, recent: true })
    // As checkout keeps them: every placed order's pieces, less those cancelled or returned.
    const sold = await one<{ mismatched: number; total: number }>(
      `SELECT count(*) FILTER (WHERE p.sold_count <> coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                                                               WHERE i.product_id = p.id AND o.status NOT IN ('cancelled', 'returned')), 0))::int AS mismatched,
              sum(p.sold_count)::int AS total
         FROM products p`,
    )
    expect(sold.mismatched).toBe(0)
    expect(sold.total).toBeGreaterThan(800)
  })

  it('refuses to seed the same database twice without reset, changing nothing', async () => {
    await expect(seed({ url: dbUrl, orders: 10, uploadDir })).rejects.toBeInstanceOf(DatabaseNotEmptyError)
    const r = await one<{ n: number }>(`SELECT count(*)::int AS n FROM orders`)
    expect(r.n).toBe(800)
  })
})

describe('catalogue generation', () => {
  it('is the same for the same seed and differs for another', () => {
    const now = Date.UTC(2025, 5, 1)
    const a = buildCatalogue(new Rng(7), now, now - 395 * DAY)
    const b = buildCatalogue(new Rng(7), now, now - 395 * DAY)
    const c = buildCatalogue(new Rng(8), now, now - 395 * DAY)
    const key = (x: typeof a) => x.products.map((p) => `${p.id}:${p.slug}:${p.price}:${p.sizes.map((s) => s.stock).join('/')}`).join('|')
    expect(key(a)).toBe(key(b))
    expect(key(a)).not.toBe(key(c))
  })
})

describe('payment timeout', () => {
  it('follows the option, else PAYMENT_TIMEOUT_MINUTES as the app reads it, else the app default', () => {
    expect(paymentTimeoutMinutes(10, '45')).toBe(10)
    expect(paymentTimeoutMinutes(undefined, '45')).toBe(45)
    expect(paymentTimeoutMinutes(undefined, undefined)).toBe(30)
    // The app refuses such a value at start; the seed just falls back to the default.
    expect(paymentTimeoutMinutes(undefined, 'soon')).toBe(30)
    expect(() => paymentTimeoutMinutes(0)).toThrow(RangeError)
  })
})
