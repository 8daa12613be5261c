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
  let lastError = ''
  client.on('error', (err: Error) => {
    // ioredis emits an error per reconnect attempt; log each distinct one once.
    if (err.message !== lastError) {
      lastError = err.message
      getLogger().warn('redis error', { connection: opts.name, error: err.message })
    }
  })
  client.on('ready', () => {
    if (lastError) getLogger().info('redis reconnected', { connection: opts.name })
    lastError = ''
  })
  return client
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

/** True when the client answers PING within the timeout. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<boolean> {
  if (client.status !== 'ready') return false
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
