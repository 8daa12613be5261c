/**
 * Composition root for background jobs. server.ts starts the workers in-process by
 * default; `npm run worker` (or `node build/worker.js`) runs them alone to scale out.
 */
import path from 'node:path'
import { jobsByName, schedules } from '#app/jobs/registry.server.ts'
import { parseEnv, EnvError } from '#app/utils/env.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { closeRuntime, initRuntime, type Runtime } from '#app/utils/runtime.server.ts'
import { exitOnSignals } from '#app/utils/shutdown.server.ts'

/** Starts consuming every queue and registers the schedules (idempotent across instances). */
export async function startWorkers(rt: Runtime): Promise<void> {
  await rt.jobs.startWorkers(jobsByName, { concurrency: 5 })
  for (const s of schedules) await rt.jobs.schedule(s.job, s.everyMs)
  getLogger().info('workers started', { queues: [...new Set([...jobsByName.values()].map((j) => j.queue))], backend: rt.redis ? 'bullmq' : 'in-process' })
}

async function main() {
  let env
  try {
    env = parseEnv(process.env)
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
  if (!env.DATABASE_URL || !env.REDIS_URL) {
    console.error('A stand-alone worker needs DATABASE_URL and REDIS_URL (it shares the database and queues with the web servers).')
    process.exit(1)
  }
  const rt = initRuntime(env, { url: env.DATABASE_URL, mode: 'external', poolMax: env.DB_POOL_MAX })
  rt.bootstrapped = true
  exitOnSignals({
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    log: getLogger(),
    graceful: () => closeRuntime(rt), // waits for jobs in flight (unless Redis is unreachable)
    force: () => closeRuntime(rt, { force: true }),
  })
  await startWorkers(rt)
}

// Run only when this file itself is the entry point (bundled into the server it is not).
const entry = path.basename(process.argv[1] ?? '')
if (entry === 'worker.ts' || entry === 'worker.js') void main()
