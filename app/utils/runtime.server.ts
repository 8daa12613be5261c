/**
 * The process's infrastructure, built once by server.ts / worker.ts: database, Redis (or
 * in-process stand-ins), cache, locks, rate-limit counters, pub/sub, sessions and jobs.
 * Kept on globalThis so route modules loaded by Vite in development share it.
 */
import { BullJobBackend, MemoryJobBackend, type JobBackend } from '#app/jobs/backends.server.ts'
import { MemoryCache, RedisCache, type Cache } from './cache.server.ts'
import { closeDb, initDb, type Db } from './db.server.ts'
import type { Env } from './env.server.ts'
import { MemoryFastLaneStore, RedisFastLaneStore, type FastLaneStore } from './fast-lane.server.ts'
import { MemoryLock, RedisLock, type Lock } from './lock.server.ts'
import { MemoryPubSub, RedisPubSub, type PubSub } from './pubsub.server.ts'
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit-store.server.ts'
import { bullConnectionOptions, createRedis, pingRedis, type Redis } from './redis.server.ts'
import { MemorySessionStore, RedisSessionStore, type SessionStore } from './session-store.server.ts'

export interface Runtime {
  env: Env
  databaseUrl: string
  databaseMode: 'embedded' | 'external'
  db: Db
  redis: Redis | null
  cache: Cache
  lock: Lock
  rateLimits: RateLimitStore
  /** rate limit + cache read in one step, for the API fast lane (see fast-lane.server.ts) */
  fastLane: FastLaneStore
  pubsub: PubSub
  sessions: SessionStore
  jobs: JobBackend
  /** true once migrations (and the first-start seed) are done */
  bootstrapped: boolean
  shuttingDown: boolean
}

const g = globalThis as unknown as { __runtime?: Runtime }

export function initRuntime(env: Env, database: { url: string; mode: 'embedded' | 'external'; poolMax: number }): Runtime {
  const db = initDb({ url: database.url, poolMax: database.poolMax })
  const prefix = env.REDIS_KEY_PREFIX
  let runtime: Runtime
  const base = { env, databaseUrl: database.url, databaseMode: database.mode, db, bootstrapped: false, shuttingDown: false }
  if (env.REDIS_URL) {
    const redis = createRedis(env.REDIS_URL, { name: 'main' })
    const sub = createRedis(env.REDIS_URL, { name: 'subscriber', blocking: true })
    const cache = new RedisCache(redis, `${prefix}cache:`)
    runtime = {
      ...base,
      redis,
      cache,
      lock: new RedisLock(redis, `${prefix}lock:`),
      rateLimits: new RedisRateLimitStore(redis, `${prefix}rl:`),
      fastLane: new RedisFastLaneStore(redis, `${prefix}rl:`, cache),
      pubsub: new RedisPubSub(redis, sub, `${prefix}ps:`),
      sessions: new RedisSessionStore(redis, `${prefix}sess:`),
      jobs: new BullJobBackend(bullConnectionOptions(env.REDIS_URL), `${prefix}bull`),
    }
  } else {
    const cache = new MemoryCache()
    const rateLimits = new MemoryRateLimitStore()
    runtime = {
      ...base,
      redis: null,
      cache,
      lock: new MemoryLock(),
      rateLimits,
      fastLane: new MemoryFastLaneStore(rateLimits, cache),
      pubsub: new MemoryPubSub(),
      sessions: new MemorySessionStore(),
      jobs: new MemoryJobBackend(),
    }
  }
  g.__runtime = runtime
  return runtime
}

export function getRuntime(): Runtime {
  if (!g.__runtime) throw new Error('Runtime not initialised: server.ts or worker.ts must call initRuntime() first')
  return g.__runtime
}

export interface Readiness {
  ready: boolean
  checks: { bootstrap: boolean; database: boolean; redis: boolean | 'not configured' }
}

/** Database and Redis reachable, migrations applied, not shutting down. */
export async function checkReadiness(rt: Runtime = getRuntime()): Promise<Readiness> {
  const [database, redis] = await Promise.all([
    withTimeout(rt.db.$queryRaw`SELECT 1`.then((): boolean => true), 1_500).catch(() => false),
    rt.redis ? pingRedis(rt.redis) : Promise.resolve('not configured' as const),
  ])
  const checks = { bootstrap: rt.bootstrapped, database, redis }
  return { ready: !rt.shuttingDown && rt.bootstrapped && database && redis !== false, checks }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), ms)))]).finally(() => clearTimeout(timer))
}

/**
 * Closes jobs, pub/sub, Redis and the database pool. Gracefully, in that order (running jobs
 * finish, Redis gets QUIT), unless `force` is set or Redis is unreachable: nothing could be
 * acknowledged to it then, and a graceful close would wait for it forever, so connections are
 * dropped at once and running jobs are not waited for (BullMQ runs them again as stalled).
 * Ending the pool still waits for the queries in flight: callers bound the whole with a deadline.
 */
export async function closeRuntime(rt: Runtime = getRuntime(), { force = false }: { force?: boolean } = {}): Promise<void> {
  if (force || (rt.redis && rt.redis.status !== 'ready')) {
    rt.redis?.disconnect()
    await Promise.allSettled([rt.jobs.close({ force: true }), rt.pubsub.close(), closeDb()])
  } else {
    await rt.jobs.close().catch(() => undefined)
    await rt.pubsub.close().catch(() => undefined)
    await rt.redis?.quit().catch(() => rt.redis?.disconnect())
    await closeDb()
  }
  g.__runtime = undefined
}
