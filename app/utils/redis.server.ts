/** Redis connections (ioredis). Absent when REDIS_URL is unset: callers use in-process equivalents. */
import type { RedisOptions as BullRedisOptions } from 'bullmq'
import { Redis, type RedisOptions } from 'ioredis'
import { getLogger } from './logger.server.ts'

export type { Redis }

/**
 * A client that reconnects forever. Commands wait for a connection at most
 * `commandTimeout`, so an outage turns into quick errors (the cache skips Redis
 * entirely while it is not ready) instead of hanging requests.
 */
export function createRedis(url: string, opts: { name: string; keyPrefix?: string; blocking?: boolean } = { name: 'main' }): Redis {
  const options: RedisOptions = {
    connectionName: `storefront:${opts.name}`,
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: opts.blocking ? null : 1,
    commandTimeout: opts.blocking ? undefined : 2_000,
    connectTimeout: 3_000,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5_000),
    keyPrefix: opts.keyPrefix,
    // Commands issued in one tick (many requests at once, each with its rate-limit hit or
    // cache read) go out in one write instead of one system call each.
    enableAutoPipelining: !opts.blocking,
  }
  const client = new Redis(url, options)
  const log = connectionErrorLog(opts.name)
  client.on('connect', () => wrongDatabase.delete(client))
  client.on('error', (err: Error) => {
    // A database number the server does not have: ioredis carries on in database 0, so the
    // client counts as unready (pingRedis) until a reconnect selects it successfully.
    if ((err as { command?: { name?: string } }).command?.name === 'select') {
      if (!wrongDatabase.has(client)) getLogger().error('redis refused the database number in REDIS_URL; not ready until it is fixed', { connection: opts.name, error: err.message })
      wrongDatabase.add(client)
      return
    }
    log.error(err)
  })
  client.on('ready', log.ready)
  return client
}

/** Clients whose last connection failed to SELECT the database of their URL. */
const wrongDatabase = new WeakSet<Redis>()

/**
 * Logs each distinct error of a connection (or of a group of them) once until it is ready
 * again: ioredis, and BullMQ through it, reports an error per reconnect attempt while Redis is down.
 */
export function connectionErrorLog(connection: string): { error: (err: Error) => void; ready: () => void } {
  const seen = new Set<string>()
  return {
    error: (err) => {
      if (seen.has(err.message)) return
      seen.add(err.message)
      getLogger().warn('redis error', { connection, error: err.message })
    },
    ready: () => {
      if (seen.size) getLogger().info('redis reconnected', { connection })
      seen.clear()
    },
  }
}

/** Options for BullMQ connections (they need blocking commands and no retry limit). */
export function bullConnectionOptions(url: string): BullRedisOptions {
  return {
    url,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(200 * 2 ** Math.min(times, 5), 5_000),
  }
}

/** True when the client is connected to the database of its URL and answers PING within the timeout. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<boolean> {
  if (client.status !== 'ready' || wrongDatabase.has(client)) return false
  let timer: NodeJS.Timeout | undefined
  try {
    const pong = await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
      }),
    ])
    return pong === 'PONG'
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}
