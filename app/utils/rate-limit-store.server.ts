/** Fixed-window hit counters for rate limiting, shared through Redis or kept in-process. */
import type { Redis } from './redis.server.ts'

export interface RateLimitStore {
  /** Counts one hit on `key` in a window of `windowMs`; returns the count so far and ms until reset. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>
  reset(key: string): Promise<void>
}

export class MemoryRateLimitStore implements RateLimitStore {
  private windows = new Map<string, { count: number; resetAt: number }>()

  async hit(key: string, windowMs: number) {
    const now = Date.now()
    let w = this.windows.get(key)
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs }
      this.windows.set(key, w)
      if (this.windows.size > 50_000) this.sweep(now)
    }
    w.count++
    return { count: w.count, resetMs: w.resetAt - now }
  }

  async reset(key: string) {
    this.windows.delete(key)
  }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
  }
}

const HIT = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}`

const HIT_COMMAND = 'rateLimitHit'
type WithHitCommand = Redis & { [HIT_COMMAND]: (key: string, windowMs: number) => Promise<[number, number]> }

export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'rl:',
  ) {
    // Every API request runs HIT: as a defined command it travels as EVALSHA (ioredis sends
    // the script itself once per connection, and again if Redis answers NOSCRIPT).
    redis.defineCommand(HIT_COMMAND, { numberOfKeys: 1, lua: HIT })
  }

  async hit(key: string, windowMs: number) {
    const [count, ttl] = await (this.redis as WithHitCommand)[HIT_COMMAND](this.prefix + key, windowMs)
    return { count, resetMs: ttl }
  }

  async reset(key: string) {
    await this.redis.del(this.prefix + key)
  }
}
