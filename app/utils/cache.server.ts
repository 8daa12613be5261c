/** Cache-aside store: Redis when configured, an in-process LRU otherwise. Values are strings. */
import type { Redis } from './redis.server.ts'

export interface Cache {
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttlMs: number, tags?: string[]): Promise<void>
  del(keys: string[]): Promise<void>
  /** Deletes every key stored with any of these tags (e.g. all listings that show a product). */
  invalidateTags(tags: string[]): Promise<void>
  stats(): { hits: number; misses: number }
}

abstract class CountingCache {
  protected hits = 0
  protected misses = 0
  protected count(found: boolean) {
    if (found) this.hits++
    else this.misses++
  }
  stats() {
    return { hits: this.hits, misses: this.misses }
  }
}

export class MemoryCache extends CountingCache implements Cache {
  private entries = new Map<string, { value: string; expiresAt: number; tags: string[] }>()
  private tagIndex = new Map<string, Set<string>>()

  constructor(private readonly maxEntries = 5_000) {
    super()
  }

  async get(key: string) {
    const e = this.entries.get(key)
    if (!e || e.expiresAt <= Date.now()) {
      if (e) this.remove(key)
      this.count(false)
      return null
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key)
    this.entries.set(key, e)
    this.count(true)
    return e.value
  }

  async set(key: string, value: string, ttlMs: number, tags: string[] = []) {
    this.remove(key)
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs, tags })
    for (const t of tags) {
      let keys = this.tagIndex.get(t)
      if (!keys) this.tagIndex.set(t, (keys = new Set()))
      keys.add(key)
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.remove(oldest)
    }
  }

  async del(keys: string[]) {
    for (const k of keys) this.remove(k)
  }

  async invalidateTags(tags: string[]) {
    for (const t of tags) {
      for (const k of this.tagIndex.get(t) ?? []) this.remove(k)
      this.tagIndex.delete(t)
    }
  }

  private remove(key: string) {
    const e = this.entries.get(key)
    if (!e) return
    this.entries.delete(key)
    for (const t of e.tags) this.tagIndex.get(t)?.delete(key)
  }
}

export class RedisCache extends CountingCache implements Cache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'cache:',
  ) {
    super()
  }

  async get(key: string) {
    if (this.redis.status !== 'ready') {
      this.count(false)
      return null
    }
    try {
      const v = await this.redis.get(this.prefix + key)
      this.count(v !== null)
      return v
    } catch {
      // Redis down: behave as a miss so the database answers.
      this.count(false)
      return null
    }
  }

  async set(key: string, value: string, ttlMs: number, tags: string[] = []) {
    if (this.redis.status !== 'ready') return
    const k = this.prefix + key
    const multi = this.redis.multi().set(k, value, 'PX', ttlMs)
    // Tag sets live a little longer than their members so invalidation never misses one.
    for (const t of tags) multi.sadd(`${this.prefix}tag:${t}`, k).pexpire(`${this.prefix}tag:${t}`, ttlMs + 60_000)
    await multi.exec().catch(() => undefined)
  }

  async del(keys: string[]) {
    if (keys.length === 0) return
    await this.redis.del(...keys.map((k) => this.prefix + k))
  }

  async invalidateTags(tags: string[]) {
    if (tags.length === 0) return
    // Atomic: collect members of every tag set, delete them and the sets.
    await this.redis.eval(
      `local n = 0
       for i, tag in ipairs(KEYS) do
         local members = redis.call('SMEMBERS', tag)
         for _, k in ipairs(members) do n = n + redis.call('DEL', k) end
         redis.call('DEL', tag)
       end
       return n`,
      tags.length,
      ...tags.map((t) => `${this.prefix}tag:${t}`),
    )
  }
}
