// Both job backends: dedup by jobId, retries with backoff, failed jobs kept and retryable, close waits for running jobs.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { bullConnectionOptions } from '#app/utils/redis.server.ts'
import { defineJob, type JobDefinition } from './job.ts'
import { BullJobBackend, MemoryJobBackend, type JobBackend } from './backends.server.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const prefix = `test-bull-${randomUUID()}`

afterAll(async () => {
  const r = new Redis(REDIS_URL)
  const keys = await r.keys(`${prefix}*`)
  if (keys.length) await r.del(...keys)
  r.disconnect()
})

function makeJobs() {
  const runs: string[] = []
  let flakyFailures = 0
  const echo = defineJob({
    name: 'echo',
    queue: 'maintenance',
    payload: z.object({ id: z.string() }),
    attempts: 1,
    backoffMs: 10,
    async handle({ id }) {
      runs.push(id)
    },
  })
  const flaky = defineJob({
    name: 'flaky',
    queue: 'maintenance',
    payload: z.object({ id: z.string() }),
    attempts: 3,
    backoffMs: 20,
    async handle({ id }) {
      if (flakyFailures < 2) {
        flakyFailures++
        throw new Error('transient')
      }
      runs.push(`flaky:${id}`)
    },
  })
  const broken = defineJob({
    name: 'broken',
    queue: 'emails',
    payload: z.object({ id: z.string() }),
    attempts: 2,
    backoffMs: 10,
    async handle() {
      throw new Error('smtp down')
    },
  })
  const slow = defineJob({
    name: 'slow',
    queue: 'emails',
    payload: z.object({ id: z.string() }),
    attempts: 1,
    backoffMs: 10,
    async handle({ id }) {
      await new Promise((r) => setTimeout(r, 300))
      runs.push(`slow:${id}`)
    },
  })
  const all: JobDefinition[] = [echo, flaky, broken, slow]
  return { runs, echo, flaky, broken, slow, handlers: new Map(all.map((j) => [j.name, j])) }
}

describe.each([
  { name: 'in-process', make: (): JobBackend => new MemoryJobBackend() },
  { name: 'bullmq', make: (): JobBackend => new BullJobBackend(bullConnectionOptions(REDIS_URL), prefix + Math.random()) },
])('$name job backend', ({ make }) => {
  it('runs a job once per jobId, retries transient failures, keeps failed jobs for a retry', async () => {
    const backend = make()
    const j = makeJobs()
    await backend.startWorkers(j.handlers)
    await backend.enqueue(j.echo, { id: 'a' }, { jobId: 'echo-a' })
    await backend.enqueue(j.echo, { id: 'a' }, { jobId: 'echo-a' })
    await backend.enqueue(j.flaky, { id: 'b' })
    await backend.enqueue(j.broken, { id: 'c' }, { jobId: 'broken-c' })
    await expect.poll(() => j.runs.slice().sort(), { timeout: 10_000 }).toEqual(['a', 'flaky:b'])
    await expect.poll(async () => (await backend.failed('emails')).map((f) => [f.id, f.failedReason, f.attemptsMade]), { timeout: 10_000 }).toEqual([
      ['broken-c', 'smtp down', 2],
    ])
    expect(await backend.retry('emails', 'broken-c')).toBe(true)
    expect(await backend.retry('emails', 'no-such-job')).toBe(false)
    await backend.close()
  })

  it('refuses a payload that does not match the job schema', async () => {
    const backend = make()
    const j = makeJobs()
    await expect(backend.enqueue(j.echo, { id: 42 })).rejects.toThrow()
    await backend.close()
  })

  it('close() waits for the job in flight', async () => {
    const backend = make()
    const j = makeJobs()
    await backend.startWorkers(j.handlers)
    await backend.enqueue(j.slow, { id: 'x' })
    await expect.poll(() => j.runs.length === 0, { timeout: 5_000 }).toBe(true)
    await new Promise((r) => setTimeout(r, 100)) // let it start
    await backend.close()
    expect(j.runs).toEqual(['slow:x'])
  })
})
