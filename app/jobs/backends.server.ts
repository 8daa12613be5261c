/** Queue backends: BullMQ on Redis, or an in-process queue with the same semantics without Redis. */
import { isNotConnectionError, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { getLogger } from '#app/utils/logger.server.ts'
import { connectionErrorLog } from '#app/utils/redis.server.ts'
import { QUEUE_NAMES, type JobDefinition, type QueueName } from './job.ts'

export interface EnqueueOptions {
  /** Deterministic id: enqueueing the same id twice runs the job once. */
  jobId?: string
  delayMs?: number
}

export interface FailedJob {
  id: string
  name: string
  queue: string
  failedReason: string
  attemptsMade: number
  finishedAt: number | null
}

export interface JobBackend {
  enqueue(job: JobDefinition, payload: unknown, opts?: EnqueueOptions): Promise<void>
  /** Starts consuming jobs in this process. */
  startWorkers(handlers: Map<string, JobDefinition>, opts?: { concurrency?: number }): Promise<void>
  schedule(job: JobDefinition, everyMs: number): Promise<void>
  failed(queue: QueueName, limit?: number): Promise<FailedJob[]>
  retry(queue: QueueName, jobId: string): Promise<boolean>
  /** Lets running jobs finish, then stops; with `force`, stops at once (running jobs are left to their fate, and a BullMQ job is retried later as stalled). */
  close(opts?: { force?: boolean }): Promise<void>
}

async function runOne(def: JobDefinition, payload: unknown) {
  const parsed = def.payload.safeParse(payload)
  if (!parsed.success) throw new Error(`invalid payload for ${def.name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`)
  await def.handle(parsed.data)
}

// ───────────── BullMQ ─────────────

export class BullJobBackend implements JobBackend {
  private queues = new Map<QueueName, Queue>()
  private workers: Worker[] = []
  // While Redis is down every queue and worker reports each reconnect attempt of each of its
  // connections: those are logged once per distinct error until a connection is back.
  private readonly connectionLog = connectionErrorLog('jobs')
  private readonly onError = (err: Error) => {
    const code = (err as NodeJS.ErrnoException).code
    if (!isNotConnectionError(err) || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) this.connectionLog.error(err)
    else getLogger().warn('job queue error', { error: err.message })
  }

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix = 'bull',
  ) {}

  private queue(name: QueueName): Queue {
    let q = this.queues.get(name)
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix })
      q.on('error', this.onError)
      q.getBackend().on('ready', this.connectionLog.ready)
      this.queues.set(name, q)
    }
    return q
  }

  async enqueue(job: JobDefinition, payload: unknown, opts: EnqueueOptions = {}) {
    job.payload.parse(payload)
    await this.queue(job.queue).add(job.name, payload, {
      jobId: opts.jobId,
      delay: opts.delayMs,
      attempts: job.attempts,
      backoff: { type: 'exponential', delay: job.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: false, // failed jobs stay visible to admins, who can retry them
    })
  }

  async startWorkers(handlers: Map<string, JobDefinition>, { concurrency = 5 } = {}) {
    for (const queueName of QUEUE_NAMES) {
      const worker = new Worker(
        queueName,
        async (job: Job) => {
          const def = handlers.get(job.name)
          if (!def) throw new Error(`no handler for job ${job.name}`)
          await runOne(def, job.data)
        },
        { connection: this.connection, prefix: this.prefix, concurrency },
      )
      worker.on('error', this.onError)
      worker.getBackend().on('ready', this.connectionLog.ready)
      worker.on('failed', (job, err) =>
        getLogger().error('job failed', { queue: queueName, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, error: err.message }),
      )
      this.workers.push(worker)
    }
  }

  async schedule(job: JobDefinition, everyMs: number) {
    await this.queue(job.queue).upsertJobScheduler(job.name, { every: everyMs }, { name: job.name, data: {} })
  }

  async failed(queue: QueueName, limit = 50) {
    const jobs = await this.queue(queue).getFailed(0, limit - 1)
    return jobs.map((j) => ({
      id: String(j.id),
      name: j.name,
      queue,
      failedReason: j.failedReason,
      attemptsMade: j.attemptsMade,
      finishedAt: j.finishedOn ?? null,
    }))
  }

  async retry(queue: QueueName, jobId: string) {
    const job = await this.queue(queue).getJob(jobId)
    if (!job || !(await job.isFailed())) return false
    await job.retry('failed')
    return true
  }

  async close({ force = false } = {}) {
    const queues = [...this.queues.values()]
    if (force) {
      // Connections dropped, not closed: QUIT (and even disconnect(), which waits for the
      // connection's end) never completes while Redis is unreachable.
      await Promise.allSettled([...this.workers.map((w) => w.close(true)), ...queues.map((q) => q.getBackend().close(true))])
    } else {
      await Promise.all(this.workers.map((w) => w.close()))
      await Promise.all(queues.map((q) => q.close()))
    }
    this.workers = []
    this.queues.clear()
  }
}

// ───────────── in-process ─────────────

interface MemoryJob {
  id: string
  def: JobDefinition
  payload: unknown
  attemptsMade: number
  failedReason?: string
  finishedAt?: number
}

/** Single-instance queue with the same semantics: dedup by jobId, retries with exponential backoff, failed jobs kept. */
export class MemoryJobBackend implements JobBackend {
  private pending: MemoryJob[] = []
  private known = new Set<string>()
  private failedJobs = new Map<string, MemoryJob>()
  private running = new Set<Promise<void>>()
  private timers = new Set<NodeJS.Timeout>()
  private handlers: Map<string, JobDefinition> | null = null
  private concurrency = 5
  private closed = false
  private seq = 0

  async enqueue(job: JobDefinition, payload: unknown, opts: EnqueueOptions = {}) {
    job.payload.parse(payload)
    const id = opts.jobId ?? `${job.name}:${++this.seq}`
    if (this.known.has(id)) return
    this.known.add(id)
    const entry: MemoryJob = { id, def: job, payload, attemptsMade: 0 }
    if (opts.delayMs) this.later(opts.delayMs, () => this.push(entry))
    else this.push(entry)
  }

  async startWorkers(handlers: Map<string, JobDefinition>, { concurrency = 5 } = {}) {
    this.handlers = handlers
    this.concurrency = concurrency
    this.pump()
  }

  async schedule(job: JobDefinition, everyMs: number) {
    const tick = () => {
      void this.enqueue(job, {}, { jobId: `${job.name}:${Math.floor(Date.now() / everyMs)}` })
      this.later(everyMs, tick)
    }
    this.later(1_000, tick)
  }

  async failed(queue: QueueName, limit = 50) {
    return [...this.failedJobs.values()]
      .filter((j) => j.def.queue === queue)
      .slice(-limit)
      .map((j) => ({ id: j.id, name: j.def.name, queue, failedReason: j.failedReason ?? '', attemptsMade: j.attemptsMade, finishedAt: j.finishedAt ?? null }))
  }

  async retry(_queue: QueueName, jobId: string) {
    const j = this.failedJobs.get(jobId)
    if (!j) return false
    this.failedJobs.delete(jobId)
    j.attemptsMade = 0
    this.push(j)
    return true
  }

  async close({ force = false } = {}) {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    if (!force) await Promise.allSettled([...this.running])
  }

  private later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    t.unref()
    this.timers.add(t)
  }

  private push(j: MemoryJob) {
    if (this.closed) return
    this.pending.push(j)
    this.pump()
  }

  private pump() {
    if (!this.handlers || this.closed) return
    while (this.running.size < this.concurrency && this.pending.length > 0) {
      const j = this.pending.shift()!
      const p = this.execute(j).finally(() => {
        this.running.delete(p)
        this.pump()
      })
      this.running.add(p)
    }
  }

  private async execute(j: MemoryJob) {
    const def = this.handlers?.get(j.def.name) ?? j.def
    j.attemptsMade++
    try {
      await runOne(def, j.payload)
      this.known.delete(j.id)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      getLogger().error('job failed', { queue: def.queue, job: def.name, jobId: j.id, attempt: j.attemptsMade, error: message })
      if (j.attemptsMade < def.attempts && !this.closed) {
        this.later(def.backoffMs * 2 ** (j.attemptsMade - 1), () => this.push(j))
      } else {
        j.failedReason = message
        j.finishedAt = Date.now()
        this.failedJobs.set(j.id, j)
      }
    }
  }
}


