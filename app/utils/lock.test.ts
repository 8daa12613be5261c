// RedisLock while its Redis is unreachable: each instance falls back at once to its own
// in-process lock (as without Redis), instead of spending the wait on commands that fail.
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../tests/integration/helpers.ts'
import { RedisLock } from './lock.server.ts'
import { createRedis, type Redis } from './redis.server.ts'

const clients: Redis[] = []
afterAll(() => {
  for (const c of clients) c.disconnect()
})

describe('RedisLock with Redis down', () => {
  it('takes this instance’s own lock at once: one owner at a time, released by its owner only', async () => {
    // A port nothing listens on: the client keeps reconnecting and is never ready.
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}/0`, { name: 'test-lock-down' })
    clients.push(redis)
    const lock = new RedisLock(redis, 'test:lock:')
    expect(redis.status).not.toBe('ready')

    const started = Date.now()
    const first = await lock.acquire('sku:1', { ttlMs: 5_000, waitMs: 4_000 })
    expect(first).toEqual(expect.any(String))
    // Held: a second buyer on this instance waits for it (and gives up after its wait).
    expect(await lock.acquire('sku:1', { ttlMs: 5_000, waitMs: 50 })).toBeNull()
    expect(await lock.release('sku:1', 'not-the-owner')).toBe(false)
    const waiting = lock.acquire('sku:1', { ttlMs: 5_000, waitMs: 4_000 })
    expect(await lock.release('sku:1', first!)).toBe(true)
    const second = await waiting
    expect(second).toEqual(expect.any(String))
    expect(await lock.release('sku:1', second!)).toBe(true)
    // Nothing waited on Redis's command timeout (2 s) or on the whole lock wait (4 s).
    expect(Date.now() - started).toBeLessThan(1_500)
  })
})
