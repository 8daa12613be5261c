// Redis connections as an operator reads them: an outage is logged once per connection, not
// once per reconnect attempt (the client and the job queues alike); a database number the
// server does not have makes the client unready instead of silently using database 0.
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import { Writable } from 'node:stream'
import winston from 'winston'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { BullJobBackend } from '#app/jobs/backends.server.ts'
import { defineJob } from '#app/jobs/job.ts'
import { getLogger, setLogger } from './logger.server.ts'
import { bullConnectionOptions, createRedis, pingRedis, type Redis } from './redis.server.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const lines: Record<string, unknown>[] = []
const previous = getLogger()
beforeAll(() => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    },
  })
  setLogger(winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] }))
})
afterAll(() => setLogger(previous))

/** A port nothing listens on: every connection attempt is refused. */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

async function untilReady(client: Redis) {
  for (let i = 0; i < 100 && client.status !== 'ready'; i++) await sleep(20)
  expect(client.status).toBe('ready')
}

describe('redis connections', () => {
  it('log an outage once per connection, not once per reconnect attempt', async () => {
    const url = `redis://127.0.0.1:${await deadPort()}/0`
    const client = createRedis(url, { name: 'outage-client' })
    let attempts = 0
    client.on('error', () => attempts++)
    const jobs = new BullJobBackend(bullConnectionOptions(url), `test-bull-${randomUUID()}`)
    const echo = defineJob({ name: 'echo', queue: 'maintenance', payload: z.object({}), attempts: 1, backoffMs: 10, handle: async () => undefined })
    try {
      await jobs.startWorkers(new Map([[echo.name, echo]]))
      void jobs.enqueue(echo, {}).catch(() => undefined) // opens the queue's connection; waits for Redis
      await sleep(4_000) // reconnects after 0.4, 1.2 and 2.8 s
      expect(attempts).toBeGreaterThanOrEqual(3)

      const logged = (connection: string) => lines.filter((l) => l.message === 'redis error' && l.connection === connection).map((l) => String(l.error))
      expect(logged('outage-client')).toHaveLength(1)
      expect(logged('outage-client')[0]).toMatch(/ECONNREFUSED/)
      // Five connections (a queue, and two workers with a blocking connection each), each
      // retrying: every distinct error once.
      const jobErrors = logged('jobs')
      expect(jobErrors.length).toBeGreaterThanOrEqual(1)
      expect(jobErrors.length).toBeLessThanOrEqual(3)
      expect(new Set(jobErrors).size).toBe(jobErrors.length)
    } finally {
      client.disconnect()
      await jobs.close({ force: true })
    }
  })

  it('count as unready when the server has no database of the number in REDIS_URL', async () => {
    const right = createRedis(REDIS_URL, { name: 'right-db' })
    try {
      await untilReady(right)
      expect(await pingRedis(right)).toBe(true)
      const [, databases] = (await right.config('GET', 'databases')) as [string, string]
      const url = new URL(REDIS_URL)
      url.pathname = `/${databases}` // numbered from 0: one past the last
      const wrong = createRedis(url.toString(), { name: 'wrong-db' })
      try {
        await untilReady(wrong)
        expect(await pingRedis(wrong)).toBe(false)
        expect(lines.find((l) => l.connection === 'wrong-db')).toMatchObject({ level: 'error', message: expect.stringContaining('database number in REDIS_URL') })
      } finally {
        wrong.disconnect()
      }
    } finally {
      right.disconnect()
    }
  })
})
