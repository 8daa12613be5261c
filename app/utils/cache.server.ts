/** Cache-aside store: Redis when configured, an in-process LRU otherwise. Values are strings. */
import type { Redis } from './redis.server.ts'

export interface Cache {
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttlMs: number, tags?: string[]): Promise<void>
  del(keys: string[]): Promise<void>
  /** Deletes every key stored with any of these tags (e.g. all listings that show a product). */
  invalidateTags(tags: string[]): Promise<void>
  /**
   * A value that changes whenever invalidateTags runs (any instance, with Redis): an
   * in-process copy of an entry read at generation g is current while the generation is g.
   */
  generation(): Promise<string>
  /** Counts a read made outside get() (the API fast lane reads entries itself). */
  noteRead(found: boolean): void
  stats(): { hits: number; misses: number }
}

abstract class CountingCache {
  protected hits = 0
  protected misses = 0
  noteRead(found: boolean) {
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
  private invalidations = 0

  constructor(private readonly maxEntries = 5_000) {
    super()
  }

  async get(key: string) {
    const value = await this.peek(key)
    this.noteRead(value !== null)
    return value
  }

  /** get() without counting the read in stats() */
  async peek(key: string) {
    const e = this.entries.get(key)
    if (!e || e.expiresAt <= Date.now()) {
      if (e) this.remove(key)
      return null
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key)
    this.entries.set(key, e)
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

  async generation() {
    return String(this.invalidations)
  }

  async invalidateTags(tags: string[]) {
    this.invalidations++
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

const INVALIDATE_LUA = `local n = 0
for i = 1, #KEYS - 1 do
  local members = redis.call('SMEMBERS', KEYS[i])
  for _, k in ipairs(members) do n = n + redis.call('DEL', k) end
  redis.call('DEL', KEYS[i])
end
redis.call('INCR', KEYS[#KEYS])
return n`
const INVALIDATE = 'cacheInvalidateTags'
type WithInvalidate = Redis & { [INVALIDATE]: (numberOfKeys: number, ...keys: string[]) => Promise<number> }

export class RedisCache extends CountingCache implements Cache {
  /** the counter invalidateTags increments (see generation()) */
  readonly generationKey: string

  constructor(
    private readonly redis: Redis,
    readonly prefix = 'cache:',
  ) {
    super()
    this.generationKey = `${prefix}generation`
    // Sent as EVALSHA (every product write and order runs it); the key count varies per call.
    redis.defineCommand(INVALIDATE, { lua: INVALIDATE_LUA })
  }

  async get(key: string) {
    if (this.redis.status !== 'ready') {
      this.noteRead(false)
      return null
    }
    try {
      const v = await this.redis.get(this.prefix + key)
      this.noteRead(v !== null)
      return v
    } catch {
      // Redis down: behave as a miss so the database answers.
      this.noteRead(false)
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

  async generation() {
    return (await this.redis.get(this.generationKey)) ?? '0'
  }

  async invalidateTags(tags: string[]) {
    if (tags.length === 0) return
    // Atomic: collect members of every tag set, delete them and the sets, and move the
    // generation on (the last key) so in-process copies of any entry are re-read.
    await (this.redis as WithInvalidate)[INVALIDATE](tags.length + 1, ...tags.map((t) => `${this.prefix}tag:${t}`), this.generationKey)
  }

}
