/** Cache-aside store: Redis when configured, an in-process LRU otherwise. Values are strings. */
import { getLogger } from './logger.server.ts'
import type { Redis } from './redis.server.ts'

export interface Cache {
  get(key: string): Promise<string | null>
  /**
   * Stores a value computed from reads that began after `since` was read from generation(),
   * unless one of its tags has been invalidated since then: such a value may predate a write
   * that committed while it was being computed, so it is dropped (the next read computes it
   * again). Returns whether the value was stored. Omit `since` only for a value known to be
   * current.
   */
  set(key: string, value: string, ttlMs: number, tags?: string[], since?: string): Promise<boolean>
  del(keys: string[]): Promise<void>
  /**
   * Deletes every key stored with any of these tags (e.g. all listings that show a product),
   * and moves the generation on. Rejects only when the store stayed unreachable through a few
   * quick retries; the Redis cache then stops using its entries until it has flushed them.
   */
  invalidateTags(tags: string[]): Promise<void>
  /**
   * A value that changes whenever invalidateTags runs (any instance, with Redis): an
   * in-process copy of an entry read at generation g is current while the generation is g.
   * Rejects while the cache is not in use (Redis down, or not flushed since it came back).
   */
  generation(): Promise<string>
  /** Counts a read made outside get() (the API fast lane reads entries itself). */
  noteRead(found: boolean): void
  stats(): { hits: number; misses: number }
}

/**
 * How many tags remember the generation of their last invalidation (what set() compares
 * `since` with). Older ones are forgotten and only raise a floor below which every `since` is
 * refused: a read would have to outlast this many distinct tag invalidations to be affected.
 */
export const MAX_TAG_VERSIONS = 10_000

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
  /** tag → the generation its last invalidation moved to, oldest first */
  private tagVersions = new Map<string, number>()
  /** tags no longer in tagVersions were last invalidated at or before this generation */
  private floor = 0

  constructor(
    private readonly maxEntries = 5_000,
    private readonly maxTagVersions = MAX_TAG_VERSIONS,
  ) {
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

  async set(key: string, value: string, ttlMs: number, tags: string[] = [], since?: string) {
    if (since !== undefined && this.invalidatedSince(tags, Number(since))) return false
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
    return true
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
      this.tagVersions.delete(t)
      this.tagVersions.set(t, this.invalidations)
    }
    for (const [t, version] of this.tagVersions) {
      if (this.tagVersions.size <= this.maxTagVersions) break
      this.tagVersions.delete(t)
      this.floor = version
    }
  }

  private invalidatedSince(tags: string[], since: number) {
    if (Number.isNaN(since) || this.floor > since) return true
    return tags.some((t) => (this.tagVersions.get(t) ?? 0) > since)
  }

  private remove(key: string) {
    const e = this.entries.get(key)
    if (!e) return
    this.entries.delete(key)
    for (const t of e.tags) this.tagIndex.get(t)?.delete(key)
  }
}

// The generation only ever grows, also across a Redis restart that lost or rolled back the
// counter: each move takes it to at least the server's clock in microseconds, so a value
// handed out before (a copy's generation, a reader's `since`) is never handed out again.
const BUMP_LUA = `local function bump(key)
  local t = redis.call('TIME')
  local g = tonumber(redis.call('GET', key) or '0') + 1
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  if g < now then g = now end
  g = string.format('%.0f', g)
  redis.call('SET', key, g)
  return g
end
`

// KEYS: one tag set per tag, then generation, tag versions, floor, tag index.
// ARGV: the tags (in the same order), then MAX_TAG_VERSIONS.
const INVALIDATE_LUA = `${BUMP_LUA}local n = #KEYS - 4
local gen = bump(KEYS[n + 1])
local deleted = 0
for i = 1, n do
  local members = redis.call('SMEMBERS', KEYS[i])
  for _, k in ipairs(members) do deleted = deleted + redis.call('DEL', k) end
  redis.call('DEL', KEYS[i])
  redis.call('ZADD', KEYS[n + 2], gen, ARGV[i])
  redis.call('SREM', KEYS[n + 4], ARGV[i])
end
local excess = redis.call('ZCARD', KEYS[n + 2]) - tonumber(ARGV[n + 1])
if excess > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[n + 2], excess)
  local newest = dropped[#dropped]
  if tonumber(newest) > tonumber(redis.call('GET', KEYS[n + 3]) or '0') then redis.call('SET', KEYS[n + 3], newest) end
end
return deleted`

// KEYS: the entry, tag versions, floor, tag index, then one tag set per tag.
// ARGV: value, ttl ms, since ('' to store unconditionally), tag set ttl ms, then the tags.
const SET_LUA = `if ARGV[3] ~= '' then
  local since = tonumber(ARGV[3])
  if since == nil or tonumber(redis.call('GET', KEYS[3]) or '0') > since then return 0 end
  for i = 5, #ARGV do
    local v = redis.call('ZSCORE', KEYS[2], ARGV[i])
    if v and tonumber(v) > since then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local keep = tonumber(ARGV[4])
for i = 5, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  -- never shortened: the set must outlive its longest-lived member
  if redis.call('PTTL', KEYS[i]) < keep then redis.call('PEXPIRE', KEYS[i], keep) end
  redis.call('SADD', KEYS[4], ARGV[i])
end
return 1`

// KEYS: tag index, generation, tag versions, floor. ARGV: the tag sets' key prefix.
// Deletes every tagged entry and refuses every value whose reads began before.
const FLUSH_LUA = `${BUMP_LUA}local deleted = 0
for _, t in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local set = ARGV[1] .. t
  for _, k in ipairs(redis.call('SMEMBERS', set)) do deleted = deleted + redis.call('DEL', k) end
  redis.call('DEL', set)
end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SET', KEYS[4], bump(KEYS[2]))
return deleted`

const INVALIDATE = 'cacheInvalidateTags'
const SET = 'cacheSetUnlessInvalidated'
const FLUSH = 'cacheFlush'
type Scripts = Redis & {
  [INVALIDATE]: (numberOfKeys: number, ...args: (string | number)[]) => Promise<number>
  [SET]: (numberOfKeys: number, ...args: (string | number)[]) => Promise<number>
  [FLUSH]: (...args: string[]) => Promise<number>
}

/** Pauses before the 2nd and 3rd attempt of an invalidation. */
const INVALIDATE_RETRY_MS = [50, 250]
const FLUSH_RETRY_MS = 1_000
/** Tag sets live a little longer than their members so invalidation never misses one. */
const TAG_SET_MARGIN_MS = 60_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

/**
 * Redis. Entries are used only while they can be trusted: an entry can be stale when some
 * write's invalidation did not reach Redis (it was down, or unreachable from the writer). So
 * this cache stops using Redis — reads go to the database, nothing is stored, generation()
 * rejects — whenever its connection drops or one of its invalidations fails, and also before
 * its first connection, and uses it again only after flushing every tagged entry over the new
 * connection (see ADR 0008).
 */
export class RedisCache extends CountingCache implements Cache {
  /** the counter invalidateTags moves on (see generation()) */
  readonly generationKey: string
  private readonly versionsKey: string
  private readonly floorKey: string
  private readonly tagIndexKey: string
  /** Reasons to doubt the entries so far; the first: they were written before we connected. */
  private doubts = 1
  /** `doubts` as of the last successful flush */
  private flushedDoubts = 0
  private flushing: Promise<void> | undefined

  constructor(
    private readonly redis: Redis,
    readonly prefix = 'cache:',
  ) {
    super()
    this.generationKey = `${prefix}generation`
    this.versionsKey = `${prefix}tag-versions`
    this.floorKey = `${prefix}floor`
    this.tagIndexKey = `${prefix}tag-index`
    // Sent as EVALSHA (every product write, order and cache fill runs one); key counts vary.
    redis.defineCommand(INVALIDATE, { lua: INVALIDATE_LUA })
    redis.defineCommand(SET, { lua: SET_LUA })
    redis.defineCommand(FLUSH, { numberOfKeys: 4, lua: FLUSH_LUA })
    redis.on('close', () => this.doubts++)
    redis.on('ready', () => this.restoreTrust())
    if (redis.status === 'ready') this.restoreTrust()
  }

  /** The entries may be used: connected, and flushed since the last reason to doubt them. */
  inUse(): boolean {
    return this.redis.status === 'ready' && this.flushing === undefined && this.flushedDoubts === this.doubts
  }

  async get(key: string) {
    if (!(this.inUse() || (await this.afterFlush()))) {
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

  async set(key: string, value: string, ttlMs: number, tags: string[] = [], since?: string) {
    if (!(this.inUse() || (await this.afterFlush()))) return false
    const keys = [this.prefix + key, this.versionsKey, this.floorKey, this.tagIndexKey, ...tags.map((t) => this.tagKey(t))]
    try {
      return (await (this.redis as Scripts)[SET](keys.length, ...keys, value, ttlMs, since ?? '', ttlMs + TAG_SET_MARGIN_MS, ...tags)) === 1
    } catch {
      return false
    }
  }

  async del(keys: string[]) {
    if (keys.length === 0) return
    await this.redis.del(...keys.map((k) => this.prefix + k))
  }

  async generation() {
    if (!(this.inUse() || (await this.afterFlush()))) throw new Error('The cache is not in use: Redis is unreachable or not yet flushed')
    return (await this.redis.get(this.generationKey)) ?? '0'
  }

  async invalidateTags(tags: string[]) {
    if (tags.length === 0) return
    // Atomic: delete the members of every tag set and the sets, move the generation on (so
    // in-process copies of any entry are re-read) and record it as each tag's version (so a
    // value read before is not stored after: see set()).
    const keys = [...tags.map((t) => this.tagKey(t)), this.generationKey, this.versionsKey, this.floorKey, this.tagIndexKey]
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.redis.status !== 'ready') throw new Error(`Redis connection is ${this.redis.status}`)
        await (this.redis as Scripts)[INVALIDATE](keys.length, ...keys, ...tags, MAX_TAG_VERSIONS)
        return
      } catch (err) {
        const pause = INVALIDATE_RETRY_MS[attempt]
        if (pause === undefined) {
          // Entries of these tags may now be stale, here and on every instance reading them:
          // stop using entries until a flush (over a working connection) has removed them all.
          this.doubts++
          this.restoreTrust()
          throw err
        }
        await sleep(pause)
      }
    }
  }

  private tagKey(tag: string) {
    return `${this.prefix}tag:${tag}`
  }

  /** Waits for a flush under way, if any; then whether the entries may be used. */
  private async afterFlush() {
    if (this.flushing) await this.flushing
    return this.inUse()
  }

  /** Flushes when connected and in doubt; retries until it succeeds or the connection drops. */
  private restoreTrust(): void {
    if (this.flushing || this.redis.status !== 'ready' || this.flushedDoubts === this.doubts) return
    const doubts = this.doubts
    let failed = false
    const flush = (this.redis as Scripts)[FLUSH](this.tagIndexKey, this.generationKey, this.versionsKey, this.floorKey, `${this.prefix}tag:`)
    this.flushing = flush
      .then(
        (removed) => {
          this.flushedDoubts = doubts
          if (doubts > 1) getLogger().info('cache flushed after a Redis problem; in use again', { removed })
        },
        (err: unknown) => {
          failed = true
          getLogger().warn('cache flush failed; the cache stays unused', { error: message(err) })
        },
      )
      .finally(() => {
        this.flushing = undefined
        // a doubt raised during the flush needs another one; a failure is retried shortly
        if (failed) setTimeout(() => this.restoreTrust(), FLUSH_RETRY_MS).unref()
        else this.restoreTrust()
      })
  }
}
