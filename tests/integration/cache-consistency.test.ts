// Cache-aside never shows a product older than a write whose response has come back:
// - a read that loaded a product (or a listing) from the database before a staff write
//   committed, and tries to store it after the write's invalidation, stores nothing;
// - a write whose invalidation cannot reach Redis still succeeds, and no read — on the writer
//   or on another instance, while Redis is away or after it is back — shows the old product.
// Real PostgreSQL and Redis; Redis is made unreachable by a TCP relay in front of it that the
// tests close and reopen (the entries in Redis survive, as after a network outage).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CatalogQuery } from '#app/domain/catalog-query.ts'
import type { Role } from '#app/domain/permissions.ts'
import { ProductCreateSchema } from '#app/domain/product-input.ts'
import type { ProductView } from '#app/domain/product.ts'
import { createProduct, setStock, type CatalogActor } from '#app/services/catalog-admin.server.ts'
import { productKeys } from '#app/services/catalog-cache.server.ts'
import { getProduct, searchProducts } from '#app/services/catalog.server.ts'
import { MemoryCache, RedisCache, type Cache } from '#app/utils/cache.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { createRedis, type Redis } from '#app/utils/redis.server.ts'
import { closeRuntime, getRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { createTestDatabase, deleteRedisKeys, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:cache-consistency:${randomBytes(4).toString('hex')}:`
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-consistency-it-'))
const cleanups: (() => Promise<unknown> | unknown)[] = []
const clients: Redis[] = []
let direct: Redis
let actor: CatalogActor
let databaseUrl = ''
let seq = 0

function redisClient(url: string, name: string) {
  const c = createRedis(url, { name })
  clients.push(c)
  return c
}

const whenReady = (c: Redis) => (c.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => c.once('ready', () => resolve())))

beforeAll(async () => {
  const db = await createTestDatabase('it_cache_consistency')
  cleanups.push(db.drop)
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  databaseUrl = db.url
  await migrateDeploy(db.url)
  initRuntime(parseEnv({ NODE_ENV: 'test', DATABASE_URL: db.url, OUTBOX_DIR: path.join(tmp, 'outbox'), SESSION_SECRET: 'test-session-secret' }), {
    url: db.url,
    mode: 'external',
    poolMax: 4,
  })
  cleanups.push(() => closeRuntime())
  // Run in reverse: keys go after every client and server has stopped.
  cleanups.push(() => deleteRedisKeys(REDIS_URL, PREFIX))
  direct = redisClient(REDIS_URL, 'cache-consistency-test')
  await whenReady(direct)
  const user = await getDb().user.create({ data: { name: 'Staff admin', phone: '+919700000501', role: 'admin' as Role }, select: { id: true, role: true, permissions: true } })
  actor = user
  await getDb().category.create({ data: { slug: 'kurtas', name: 'Kurtas' } })
}, 120_000)

afterAll(async () => {
  for (const c of clients) c.disconnect()
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

async function newProduct() {
  seq += 1
  return createProduct(actor, ProductCreateSchema.parse({ name: `Cotton Kurta ${seq}`, category: 'kurtas', price: 129900, mrp: 159900, sizes: [{ size: 'M', stock: 5 }] }))
}

const stockOf = (p: ProductView | null | undefined, size = 'M') => p?.sizes.find((s) => s.size === size)?.stock
const inStockXl: CatalogQuery = { page: 1, limit: 100, category: 'kurtas', size: 'XL' }

/** A one-shot latch. */
function latch<T = void>() {
  let open!: (value: T) => void
  const done = new Promise<T>((resolve) => (open = resolve))
  return { done, open }
}

/**
 * The runtime's cache with one store held back: the read that makes it has already loaded
 * its value from the database and waits, just before storing it, until the test lets it go.
 * Everything else goes straight to the real cache.
 */
class HoldOneStore implements Cache {
  private hold: { match: (key: string) => boolean; reached: () => void; release: Promise<void>; stored: (ok: boolean) => void } | null = null

  constructor(readonly inner: Cache) {}

  holdStoreOf(match: (key: string) => boolean) {
    const reached = latch()
    const release = latch()
    const stored = latch<boolean>()
    this.hold = { match, reached: () => reached.open(), release: release.done, stored: stored.open }
    return { reached: reached.done, release: () => release.open(), stored: stored.done }
  }

  get(key: string) {
    return this.inner.get(key)
  }
  async set(key: string, value: string, ttlMs: number, tags?: string[], since?: string) {
    const hold = this.hold
    if (!hold?.match(key)) return this.inner.set(key, value, ttlMs, tags, since)
    this.hold = null
    hold.reached()
    await hold.release
    const ok = await this.inner.set(key, value, ttlMs, tags, since)
    hold.stored(ok)
    return ok
  }
  del(keys: string[]) {
    return this.inner.del(keys)
  }
  invalidateTags(tags: string[]) {
    return this.inner.invalidateTags(tags)
  }
  generation() {
    return this.inner.generation()
  }
  noteRead(found: boolean) {
    this.inner.noteRead(found)
  }
  stats() {
    return this.inner.stats()
  }
}

describe.each([
  { name: 'in-process cache', make: async (): Promise<Cache> => new MemoryCache() },
  { name: 'Redis cache', make: async (): Promise<Cache> => new RedisCache(direct, `${PREFIX}race:`) },
])('a read that overlaps a write ($name)', ({ make }) => {
  it('does not store the product it loaded before the write committed: the next read shows the write', async () => {
    const cache = new HoldOneStore(await make())
    getRuntime().cache = cache
    const p = await newProduct()
    const key = productKeys.byId(p.id)

    const hold = cache.holdStoreOf((k) => k === key)
    const read = getProduct(p.id)
    await hold.reached // it has read stock 5 from the database
    const written = await setStock(actor, p.id, { sizes: [{ size: 'M', stock: 2 }] })
    expect(stockOf(written)).toBe(2)
    hold.release()

    expect(stockOf(await read)).toBe(5) // it began before the write: the old stock is its answer
    expect(await hold.stored).toBe(false)
    expect(await cache.inner.get(key)).toBeNull()
    expect(stockOf(await getProduct(p.id))).toBe(2)
    // and the fresh value is cached as usual
    const hits = cache.stats().hits
    expect(stockOf(await getProduct(p.id))).toBe(2)
    expect(cache.stats().hits).toBe(hits + 1)
  })

  it('does not store a listing computed before a write that puts a product in it', async () => {
    const cache = new HoldOneStore(await make())
    getRuntime().cache = cache
    const p = await newProduct()
    expect((await searchProducts(inStockXl)).items.map((i) => i.id)).not.toContain(p.id)
    await setStock(actor, p.id, { sizes: [{ size: 'XL', stock: 0 }] }) // a new size, none in stock: the listing is dropped

    const hold = cache.holdStoreOf((k) => k.startsWith('list:'))
    const read = searchProducts(inStockXl)
    await hold.reached
    await setStock(actor, p.id, { sizes: [{ size: 'XL', stock: 3 }] })
    hold.release()

    expect((await read).items.map((i) => i.id)).not.toContain(p.id)
    expect(await hold.stored).toBe(false)
    const listed = (await searchProducts(inStockXl)).items.find((i) => i.id === p.id)
    expect(stockOf(listed, 'XL')).toBe(3)
  })
})

/** A TCP relay to the real Redis that the test can close (dropping every connection) and reopen on the same port. */
class RedisRelay {
  port = 0
  private server: net.Server | null = null
  private sockets = new Set<net.Socket>()
  private readonly target = new URL(REDIS_URL)

  url() {
    return `redis://127.0.0.1:${this.port}${this.target.pathname}`
  }

  async open() {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || 6379), this.target.hostname)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('error', () => undefined)
        s.on('close', () => {
          this.sockets.delete(s)
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as net.AddressInfo).port
    this.server = server
  }

  async close() {
    const server = this.server
    this.server = null
    for (const s of this.sockets) s.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe('a write while Redis is unreachable', () => {
  const relay = new RedisRelay()
  beforeAll(async () => {
    await relay.open()
    cleanups.push(() => relay.close())
  })

  it('succeeds, and neither the writer nor another instance shows the old product, during the outage or after', async () => {
    // Two instances' caches, each on its own connection through the relay.
    const writer = new RedisCache(redisClient(relay.url(), 'writer'), `${PREFIX}outage:`)
    const reader = new RedisCache(redisClient(relay.url(), 'reader'), `${PREFIX}outage:`)
    await expect.poll(() => writer.inUse() && reader.inUse()).toBe(true)
    getRuntime().cache = reader
    const p = await newProduct()
    expect(stockOf(await getProduct(p.id))).toBe(5)
    expect(stockOf(await getProduct(p.slug))).toBe(5)
    const entry = `${PREFIX}outage:${productKeys.byId(p.id)}`
    expect(stockOf(JSON.parse((await direct.get(entry)) ?? 'null') as ProductView | null)).toBe(5)

    await relay.close()
    await expect.poll(() => writer.inUse() || reader.inUse()).toBe(false)
    getRuntime().cache = writer
    const written = await setStock(actor, p.id, { sizes: [{ size: 'M', stock: 1 }] })
    expect(stockOf(written)).toBe(1)
    // the invalidation did not get through: Redis still holds the old entry
    expect(stockOf(JSON.parse((await direct.get(entry)) ?? 'null') as ProductView | null)).toBe(5)

    for (const cache of [writer, reader]) {
      getRuntime().cache = cache
      expect(stockOf(await getProduct(p.id))).toBe(1)
      expect(stockOf(await getProduct(p.slug))).toBe(1)
    }

    await relay.open()
    await expect.poll(() => writer.inUse() && reader.inUse(), { timeout: 20_000 }).toBe(true)
    expect(await direct.get(entry)).toBeNull()
    for (const cache of [reader, writer]) {
      getRuntime().cache = cache
      expect(stockOf(await getProduct(p.id))).toBe(1)
      expect(stockOf(await getProduct(p.slug))).toBe(1)
    }
    expect(stockOf(JSON.parse((await direct.get(entry)) ?? 'null') as ProductView | null)).toBe(1)
  })
})

describe('the staff API while Redis is unreachable', () => {
  const relay = new RedisRelay()
  const JWT_SECRET = 'cache-consistency-it-jwt-secret-0123456789'
  const serverPrefix = `${PREFIX}srv:`
  let server: RunningServer
  let token = ''

  beforeAll(async () => {
    await relay.open()
    cleanups.push(() => relay.close())
    server = startServer(
      {
        DATABASE_URL: databaseUrl,
        REDIS_URL: relay.url(),
        REDIS_KEY_PREFIX: serverPrefix,
        SEED_ON_EMPTY: 'false',
        RUN_WORKER: 'false',
        JWT_SECRET,
        SESSION_SECRET: 'cache-consistency-it-session-secret-0123',
        RATE_LIMIT_API_MAX: '10000',
        PAGE_CACHE_SECONDS: '60',
        DATA_DIR: path.join(tmp, 'data'),
        OUTBOX_DIR: path.join(tmp, 'outbox'),
        UPLOAD_DIR: path.join(tmp, 'uploads'),
      },
      await freePort(),
    )
    cleanups.push(() => server.stop('SIGKILL'))
    await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
    token = signJwt({ id: actor.id, role: 'admin', isPhoneVerified: true, name: 'Staff admin', avatar: null }, JWT_SECRET)
    // The first product page compiles its route (development server): not part of the test.
    expect((await fetch(`${server.url}/products/${(await newProduct()).slug}`)).status).toBe(200)
  }, 180_000)

  const apiStock = async (id: string) => stockOf((await (await fetch(`${server.url}/api/v1/products/${id}`)).json()) as ProductView)
  const pageText = async (slug: string) => (await fetch(`${server.url}/products/${slug}`)).text()

  it('answers 200 to a stock edit, and every read after it — API and page, during the outage and after — shows the edit', async () => {
    const p = await newProduct()
    // warm the cache entry, the fast lane's copy and the page cache
    for (let i = 0; i < 2; i++) {
      expect(await apiStock(p.id)).toBe(5)
      expect(await pageText(p.slug)).toContain(', 5 in stock')
    }

    await relay.close()
    const res = await fetch(`${server.url}/api/v1/products/${p.id}/stock`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ sizes: [{ size: 'M', stock: 7 }] }),
    })
    expect(res.status).toBe(200)
    expect(stockOf((await res.json()) as ProductView)).toBe(7)
    const entry = `${serverPrefix}cache:${productKeys.byId(p.id)}`
    expect(stockOf(JSON.parse((await direct.get(entry)) ?? 'null') as ProductView | null)).toBe(5)

    // Every read: the API's stock and whether the page shows the new stock (and not the old).
    const reads: [number | undefined, boolean][] = []
    const read = async () => {
      const html = await pageText(p.slug)
      reads.push([await apiStock(p.id), html.includes(', 7 in stock') && !html.includes(', 5 in stock')])
    }
    await read()
    await relay.open()
    // Until the server uses Redis again (its cache holds the new entry), and after it.
    await expect
      .poll(
        async () => {
          await read()
          return stockOf(JSON.parse((await direct.get(entry)) ?? 'null') as ProductView | null)
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(7)
    await read()
    await read()
    expect(reads.length).toBeGreaterThan(3)
    expect(reads.filter(([stock, page]) => stock !== 7 || !page)).toEqual([])
  })
})
