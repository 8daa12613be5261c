/** Mutual exclusion per key: Redis SET NX PX with an owner token, or in-process without Redis (or while it is down). */
import { randomUUID } from 'node:crypto'
import type { Redis } from './redis.server.ts'

export interface Lock {
  /** Tries to take `key` for `ttlMs`, waiting up to `waitMs` (with jitter). Returns the owner token or null. */
  acquire(key: string, opts: { ttlMs: number; waitMs: number }): Promise<string | null>
  /** Releases `key` only if `token` still owns it. */
  release(key: string, token: string): Promise<boolean>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function retryUntil(waitMs: number, attempt: () => Promise<string | null>): Promise<string | null> {
  const deadline = Date.now() + waitMs
  let delay = 5
  for (;;) {
    const token = await attempt()
    if (token || Date.now() >= deadline) return token
    await sleep(Math.min(delay + Math.random() * delay, Math.max(deadline - Date.now(), 1)))
    delay = Math.min(delay * 2, 100)
  }
}

export class MemoryLock implements Lock {
  private held = new Map<string, { token: string; expiresAt: number }>()

  async acquire(key: string, { ttlMs, waitMs }: { ttlMs: number; waitMs: number }) {
    return retryUntil(waitMs, async () => {
      const cur = this.held.get(key)
      if (cur && cur.expiresAt > Date.now()) return null
      const token = randomUUID()
      this.held.set(key, { token, expiresAt: Date.now() + ttlMs })
      return token
    })
  }

  async release(key: string, token: string) {
    const cur = this.held.get(key)
    if (!cur || cur.token !== token) return false
    this.held.delete(key)
    return true
  }
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`
const RELEASE_COMMAND = 'storefrontLockRelease'
type WithRelease = Redis & { [RELEASE_COMMAND]: (key: string, token: string) => Promise<number> }

/**
 * Locks shared by every instance through Redis. While the connection is not ready (Redis
 * stopped, restarting, unreachable) each instance falls back at once to its own in-process
 * lock, exactly as if Redis had never been configured, instead of spending the wait on
 * commands that cannot succeed. Callers keep their real guarantee elsewhere (the guarded
 * stock decrement, a conditional update); the lock only orders contenders.
 */
export class RedisLock implements Lock {
  private readonly local = new MemoryLock()

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lock:',
  ) {
    // Sent by its SHA (EVALSHA), and loaded again by ioredis if the server lost it.
    redis.defineCommand(RELEASE_COMMAND, { numberOfKeys: 1, lua: RELEASE })
  }

  private get connected(): boolean {
    return this.redis.status === 'ready'
  }

  async acquire(key: string, opts: { ttlMs: number; waitMs: number }) {
    if (!this.connected) return this.local.acquire(key, opts)
    try {
      return await retryUntil(opts.waitMs, async () => {
        // An unguessable owner token (randomUUID draws from a cached entropy pool).
        const token = randomUUID()
        const ok = await this.redis.set(this.prefix + key, token, 'PX', opts.ttlMs, 'NX')
        return ok === 'OK' ? token : null
      })
    } catch (err) {
      // The connection went away while waiting: carry on as without Redis.
      if (!this.connected) return this.local.acquire(key, opts)
      throw err
    }
  }

  async release(key: string, token: string) {
    if (await this.local.release(key, token)) return true
    // A Redis lock taken before an outage expires on its own (ttl); nothing to wait for.
    if (!this.connected) return false
    const n = await (this.redis as WithRelease)[RELEASE_COMMAND](this.prefix + key, token)
    return n === 1
  }
}
