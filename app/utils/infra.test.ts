// The in-process stand-ins and the Redis implementations must behave alike: one suite, both backends.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryCache, RedisCache, type Cache } from './cache.server.ts'
import { MemoryLock, RedisLock, type Lock } from './lock.server.ts'
import { MemoryPubSub, RedisPubSub, type PubSub } from './pubsub.server.ts'
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit-store.server.ts'
import { createRedis, type Redis } from './redis.server.ts'
import { MemorySessionStore, RedisSessionStore, type SessionStore } from './session-store.server.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const prefix = `test:${randomUUID()}:`
const clients: Redis[] = []
function redis() {
  const c = createRedis(REDIS_URL, { name: 'test' })
  clients.push(c)
  return c
}

afterAll(async () => {
  const c = clients[0]
  if (c) {
    const keys = await c.keys(`${prefix}*`)
    if (keys.length) await c.del(...keys)
  }
  for (const c of clients) c.disconnect()
})

// The cache skips Redis until the connection is ready, so give it a connected client.
const readyRedis = redis()
beforeAll(async () => {
  if (readyRedis.status !== 'ready') await new Promise((resolve) => readyRedis.once('ready', resolve))
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const backends = [
  {
    name: 'in-process',
    cache: (): Cache => new MemoryCache(3),
    lock: (): Lock => new MemoryLock(),
    rl: (): RateLimitStore => new MemoryRateLimitStore(),
    pubsub: (): PubSub => new MemoryPubSub(),
    sessions: (): SessionStore => new MemorySessionStore(),
  },
  {
    name: 'redis',
    cache: (): Cache => new RedisCache(readyRedis, `${prefix}cache:`),
    // A connected client: while it is not ready, RedisLock uses its in-process fallback.
    lock: (): Lock => new RedisLock(readyRedis, `${prefix}lock:`),
    rl: (): RateLimitStore => new RedisRateLimitStore(redis(), `${prefix}rl:`),
    pubsub: (): PubSub => new RedisPubSub(redis(), createRedisSub(), `${prefix}ps:`),
    sessions: (): SessionStore => new RedisSessionStore(redis(), `${prefix}sess:`),
  },
]

function createRedisSub() {
  const c = createRedis(REDIS_URL, { name: 'test-sub', blocking: true })
  clients.push(c)
  return c
}

describe.each(backends)('$name backend', (b) => {
  it('cache: stores, expires, deletes and invalidates by tag', async () => {
    const cache = b.cache()
    await cache.set('p:1', 'one', 10_000, ['product:1'])
    await cache.set('list:a', 'listing', 10_000, ['product:1', 'product:2'])
    await cache.set('list:b', 'other listing', 10_000, ['product:2'])
    expect(await cache.get('p:1')).toBe('one')
    await cache.invalidateTags(['product:1'])
    expect(await cache.get('p:1')).toBeNull()
    expect(await cache.get('list:a')).toBeNull()
    expect(await cache.get('list:b')).toBe('other listing')
    await cache.del(['list:b'])
    expect(await cache.get('list:b')).toBeNull()
    await cache.set('short', 'x', 30)
    await sleep(60)
    expect(await cache.get('short')).toBeNull()
    const stats = cache.stats()
    expect(stats.hits).toBe(2)
    expect(stats.misses).toBe(4)
  })

  it('cache: does not store a value whose reads began before one of its tags was invalidated', async () => {
    const cache = b.cache()
    const before = await cache.generation()
    await cache.invalidateTags(['product:7'])
    // computed from reads made before that invalidation: it may miss the write, so it is dropped
    expect(await cache.set('p:7', 'old seven', 10_000, ['product:7'], before)).toBe(false)
    expect(await cache.get('p:7')).toBeNull()
    // an invalidation of other tags does not matter
    expect(await cache.set('p:8', 'eight', 10_000, ['product:8'], before)).toBe(true)
    const after = await cache.generation()
    expect(after).not.toBe(before)
    expect(await cache.set('p:7', 'new seven', 10_000, ['product:7'], after)).toBe(true)
    expect(await cache.get('p:7')).toBe('new seven')
    expect(await cache.get('p:8')).toBe('eight')
  })

  it('lock: one owner at a time, released only by its owner, expires', async () => {
    const lock = b.lock()
    const t1 = await lock.acquire('sku:1', { ttlMs: 5_000, waitMs: 0 })
    expect(t1).toBeTruthy()
    expect(await lock.acquire('sku:1', { ttlMs: 5_000, waitMs: 50 })).toBeNull()
    expect(await lock.release('sku:1', 'not-the-owner')).toBe(false)
    expect(await lock.acquire('sku:1', { ttlMs: 5_000, waitMs: 0 })).toBeNull()
    expect(await lock.release('sku:1', t1!)).toBe(true)
    const t2 = await lock.acquire('sku:1', { ttlMs: 80, waitMs: 0 })
    expect(t2).toBeTruthy()
    // A crashed holder cannot block forever: the waiter gets it after expiry.
    const t3 = await lock.acquire('sku:1', { ttlMs: 1_000, waitMs: 1_000 })
    expect(t3).toBeTruthy()
    expect(await lock.release('sku:1', t2!)).toBe(false)
  })

  it('lock: contending acquirers are serialised', async () => {
    const lock = b.lock()
    let inside = 0
    let maxInside = 0
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const token = await lock.acquire('sku:busy', { ttlMs: 2_000, waitMs: 5_000 })
        expect(token).toBeTruthy()
        inside++
        maxInside = Math.max(maxInside, inside)
        await sleep(5)
        inside--
        await lock.release('sku:busy', token!)
      }),
    )
    expect(maxInside).toBe(1)
  })

  it('rate limit store: counts hits per window and resets', async () => {
    const rl = b.rl()
    const results = []
    for (let i = 0; i < 3; i++) results.push(await rl.hit('ip:1', 100))
    expect(results.map((r) => r.count)).toEqual([1, 2, 3])
    expect(results[2]!.resetMs).toBeGreaterThan(0)
    expect(results[2]!.resetMs).toBeLessThanOrEqual(100)
    await sleep(130)
    expect((await rl.hit('ip:1', 100)).count).toBe(1)
    await rl.reset('ip:1')
    expect((await rl.hit('ip:1', 100)).count).toBe(1)
  })

  it('pub/sub: delivers to subscribers until they unsubscribe', async () => {
    const ps = b.pubsub()
    const got: unknown[] = []
    const unsubscribe = await ps.subscribe('orders', (m) => got.push(m))
    await ps.publish('orders', { id: 'o1', status: 'shipped' })
    await expect.poll(() => got.length).toBe(1)
    expect(got[0]).toEqual({ id: 'o1', status: 'shipped' })
    await unsubscribe()
    await ps.publish('orders', { id: 'o2' })
    await sleep(50)
    expect(got).toHaveLength(1)
    await ps.close()
  })

  it('sessions: round trip, TTL and destroy', async () => {
    const s = b.sessions()
    await s.set('sid1', { userId: 'u1' }, 10_000)
    expect(await s.get('sid1')).toEqual({ userId: 'u1' })
    await s.destroy('sid1')
    expect(await s.get('sid1')).toBeNull()
    await s.set('sid2', { userId: 'u2' }, 30)
    await sleep(60)
    expect(await s.get('sid2')).toBeNull()
  })
})

describe('in-process LRU', () => {
  it('evicts the least recently used entry beyond its capacity', async () => {
    const cache = new MemoryCache(2)
    await cache.set('a', '1', 10_000)
    await cache.set('b', '2', 10_000)
    await cache.get('a')
    await cache.set('c', '3', 10_000)
    expect(await cache.get('b')).toBeNull()
    expect(await cache.get('a')).toBe('1')
    expect(await cache.get('c')).toBe('3')
  })

  it('refuses a value read before invalidations it no longer remembers tag by tag', async () => {
    const cache = new MemoryCache(10, 2)
    const before = await cache.generation()
    for (const tag of ['a', 'b', 'c']) await cache.invalidateTags([tag]) // 'a' is forgotten
    expect(await cache.set('x', 'old', 10_000, ['a'], before)).toBe(false)
    expect(await cache.set('x', 'new', 10_000, ['a'], await cache.generation())).toBe(true)
  })
})

describe('redis outage', () => {
  it('cache reads degrade to misses instead of failing when Redis is unreachable', async () => {
    const dead = createRedis('redis://127.0.0.1:6390/0', { name: 'dead' })
    clients.push(dead)
    const cache = new RedisCache(dead, `${prefix}dead:`)
    expect(await cache.get('anything')).toBeNull()
  })

  it('the cache generation never comes back to a value it had, even when Redis loses it', async () => {
    const cache = new RedisCache(readyRedis, `${prefix}lost:`)
    await cache.invalidateTags(['t'])
    const first = await cache.generation()
    await readyRedis.del(`${prefix}lost:generation`)
    await cache.invalidateTags(['t'])
    expect(BigInt(await cache.generation())).toBeGreaterThan(BigInt(first))
  })
})
