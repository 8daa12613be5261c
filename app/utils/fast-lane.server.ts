/**
 * The API fast lane: public catalogue reads answered at the HTTP layer, ahead of Express and
 * React Router, when their answer is already in the cache-aside store.
 *
 * A cached `GET /api/v1/products…` answer is a string in the cache that is, byte for byte,
 * the body the full handler would send (see cachedApiReadKey in the catalogue service). The
 * lane counts the request against the same rate limit, reads that string, and writes the
 * same status and headers the full stack would (security headers, RateLimit-*, request id,
 * gzip when asked), plus the same one log line. Anything else — a miss, an invalid query, a
 * store that is down, a limit that does not fit — goes to Express untouched, with the rate
 * limit hit handed over so it is counted once.
 *
 * With Redis, counting and reading are one round trip (one script). Answers read from Redis
 * are also kept in process, tagged with the cache generation they were read at; the script
 * then sends the body only when the generation (moved on by every invalidation, by any
 * instance) has changed, so a read after a write's response is never stale. A copy cannot
 * carry old data either: the entry and the generation are read together, and an entry is
 * never stored once one of its tags has been invalidated after its reads began (Cache.set).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { gzipSync } from 'node:zlib'
import type { MemoryCache, RedisCache } from './cache.server.ts'
import type { Redis } from './redis.server.ts'
import { clientKey, limitHeaders, markCounted, rateLimitedJson, type Outcome, type RateLimitRule } from './rate-limit.server.ts'
import type { MemoryRateLimitStore } from './rate-limit-store.server.ts'

export interface LaneRead {
  count: number
  resetMs: number
  generation: string
  /** the entry's text; null: not cached; undefined: unchanged since `knownGeneration` */
  value: string | null | undefined
}

/** Counts a rate-limit hit and reads a cache entry, unless the caller's copy is still current. */
export interface FastLaneStore {
  hitAndRead(rateKey: string, windowMs: number, cacheKey: string, knownGeneration: string | null): Promise<LaneRead>
  /** false while the store cannot answer (Redis disconnected, or its cache entries not in use): the lane steps aside */
  available(): boolean
}

const HIT_AND_READ = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local gen = redis.call('GET', KEYS[2]) or '0'
if gen == ARGV[2] then return {c, ttl, gen} end
return {c, ttl, gen, redis.call('GET', KEYS[3])}`

const COMMAND = 'fastLaneHitAndRead'
type WithCommand = Redis & {
  [COMMAND]: (rateKey: string, generationKey: string, cacheKey: string, windowMs: number, known: string) => Promise<[number, number, string, (string | null)?]>
}

/** Redis: the rate-limit counter (same key as RedisRateLimitStore) and the cache entry, in one script. */
export class RedisFastLaneStore implements FastLaneStore {
  constructor(
    private readonly redis: Redis,
    private readonly rateLimitPrefix: string,
    private readonly cache: RedisCache,
  ) {
    redis.defineCommand(COMMAND, { numberOfKeys: 3, lua: HIT_AND_READ })
  }

  available() {
    // not while the cache distrusts its entries (Redis was unreachable; see RedisCache)
    return this.cache.inUse()
  }

  async hitAndRead(rateKey: string, windowMs: number, cacheKey: string, knownGeneration: string | null): Promise<LaneRead> {
    const reply = await (this.redis as WithCommand)[COMMAND](this.rateLimitPrefix + rateKey, this.cache.generationKey, this.cache.prefix + cacheKey, windowMs, knownGeneration ?? '')
    const [count, resetMs, generation] = reply
    return { count, resetMs, generation, value: reply.length > 3 ? (reply[3] ?? null) : undefined }
  }
}

/** In-process: the same counters and cache the rest of the app uses. */
export class MemoryFastLaneStore implements FastLaneStore {
  constructor(
    private readonly rateLimits: MemoryRateLimitStore,
    private readonly cache: MemoryCache,
  ) {}

  available() {
    return true
  }

  async hitAndRead(rateKey: string, windowMs: number, cacheKey: string, knownGeneration: string | null): Promise<LaneRead> {
    const { count, resetMs } = await this.rateLimits.hit(rateKey, windowMs)
    const generation = await this.cache.generation()
    if (generation === knownGeneration) return { count, resetMs, generation, value: undefined }
    return { count, resetMs, generation, value: await this.cache.peek(cacheKey) }
  }
}

interface Copy {
  generation: string
  body: Buffer
  gzipped?: Buffer
  readAt: number
}

export interface FastLaneOptions {
  store: () => FastLaneStore
  /** the rate-limit rules (the lane only takes requests that exactly one rule counts) */
  rules: RateLimitRule[]
  /** the cache key whose text is the answer to this path + query, or null (cachedApiReadKey) */
  cacheKeyFor: (path: string, search: string) => string | null
  /** the client address as Express's `req.ip` would give it (trust proxy) */
  clientAddress: (req: IncomingMessage) => string | undefined
  /** security headers of non-page responses */
  headers: [string, string][]
  requestId: (req: IncomingMessage) => string
  /** one line per request, as the Express request logger writes it */
  logRequest: (line: { requestId: string; method: string; path: string; status: number; durationMs: number }) => void
  /** called after each answer read from the cache (hit-ratio reporting) */
  onHit?: () => void
  /** the store is up and migrations are applied */
  ready: () => boolean
  /** how long an in-process copy may be served without reading the entry again */
  copyMaxAgeMs?: number
  maxCopies?: number
}

const PREFIX = '/api/v1/products'
/** compression()'s default threshold: smaller answers go out as they are */
const GZIP_THRESHOLD = 1024

/**
 * Returns a handler that answers a request and returns true, or returns false at once (the
 * caller passes the request on). A request it takes but cannot answer from the cache is
 * passed to `fallback` later, with its rate-limit hit marked as counted.
 */
export function createFastLane(opts: FastLaneOptions) {
  const copies = new Map<string, Copy>()
  const keys = new Map<string, string | null>()
  const maxAge = opts.copyMaxAgeMs ?? 30_000
  const maxCopies = opts.maxCopies ?? 1_000
  const fixedHeaders = [...opts.headers, ['Content-Type', 'application/json; charset=utf-8'], ['Vary', 'Accept-Encoding']].flat()

  return function fastLane(req: IncomingMessage, res: ServerResponse, fallback: () => void): boolean {
    const url = req.url ?? ''
    if (req.method !== 'GET' || !url.startsWith(PREFIX) || !opts.ready()) return false
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const rules = opts.rules.filter((r) => r.matches('GET', path))
    const rule = rules[0]
    if (rules.length !== 1 || !rule) return false
    // The key is a pure function of the URL: remembered, so a busy URL is parsed once.
    let cacheKey = keys.get(url)
    if (cacheKey === undefined) {
      cacheKey = opts.cacheKeyFor(path, q === -1 ? '' : url.slice(q + 1))
      keys.set(url, cacheKey)
      if (keys.size > maxCopies) keys.delete(keys.keys().next().value as string)
    }
    if (cacheKey === null) return false
    const encoding = negotiate(req.headers['accept-encoding'])
    if (encoding === null) return false
    const store = opts.store()
    if (!store.available()) return false

    const started = process.hrtime.bigint()
    const address = opts.clientAddress(req) ?? 'unknown'
    let copy = copies.get(cacheKey)
    if (copy && Date.now() - copy.readAt > maxAge) copy = undefined
    store.hitAndRead(`${rule.name}:${clientKey(address)}`, rule.windowMs, cacheKey, copy?.generation ?? null).then(
      (read) => {
        const outcome: Outcome = { rule, count: read.count, resetMs: read.resetMs }
        if (read.value !== undefined) {
          if (read.value === null) {
            // Not cached: the full handler computes (and caches) it; the hit is already counted.
            copies.delete(cacheKey)
            markCounted(req, [outcome])
            return fallback()
          }
          copy = { generation: read.generation, body: Buffer.from(read.value), readAt: Date.now() }
          copies.delete(cacheKey)
          copies.set(cacheKey, copy)
          if (copies.size > maxCopies) copies.delete(copies.keys().next().value as string)
        }
        if (!copy) return fallback()
        const { headers, exceeded, resetSeconds } = limitHeaders([outcome])
        const requestId = opts.requestId(req)
        let status = 200
        let body = copy.body
        let gzipped = false
        if (exceeded) {
          status = 429
          body = Buffer.from(rateLimitedJson(resetSeconds))
          headers.push(['Retry-After', String(resetSeconds)])
        } else {
          opts.onHit?.()
          if (encoding === 'gzip' && body.length >= GZIP_THRESHOLD) {
            copy.gzipped ??= gzipSync(body)
            body = copy.gzipped
            gzipped = true
          }
        }
        const raw = ['X-Request-Id', requestId, ...fixedHeaders]
        for (const [name, value] of headers) raw.push(name, value)
        if (gzipped) raw.push('Content-Encoding', 'gzip')
        raw.push('Content-Length', String(body.length))
        res.writeHead(status, raw)
        res.end(body)
        opts.logRequest({ requestId, method: 'GET', path, status, durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10 })
      },
      // The store failed mid-request: the full stack answers (and its rate limit fails open).
      () => fallback(),
    )
    return true
  }
}

/**
 * The answer's encoding for an Accept-Encoding header: 'identity', 'gzip', or null when the
 * header asks for something this lane does not do (compression() then decides).
 */
export function negotiate(header: string | string[] | undefined): 'identity' | 'gzip' | null {
  if (header === undefined) return 'identity'
  const text = Array.isArray(header) ? header.join(',') : header
  let gzip = false
  let identityRefused = false
  for (const part of text.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const refused = qParam !== undefined && Number(qParam.slice(2)) === 0
    if (name === 'gzip' && !refused) gzip = true
    if ((name === 'identity' || name === '*') && refused) identityRefused = true
  }
  if (gzip) return 'gzip'
  return identityRefused ? null : 'identity'
}
