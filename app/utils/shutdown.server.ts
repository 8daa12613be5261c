/**
 * Graceful shutdown on SIGTERM / SIGINT with one hard deadline, for server.ts and worker.ts.
 *
 * The first signal runs `graceful` (stop accepting, let requests and jobs in flight finish,
 * close connections). If it has not finished `timeoutMs` after the signal, `force` drops what
 * is left (given at most FORCE_GRACE_MS) and the process exits 1: a shutdown never hangs,
 * whatever is unreachable. A second signal exits at once (130 for SIGINT, 143 for SIGTERM).
 */
import os from 'node:os'
import type { Logger } from 'winston'

/** Time `force` gets before the process exits anyway. */
export const FORCE_GRACE_MS = 2_000

/**
 * One Ctrl-C under `npm start` can reach the process twice within milliseconds (from the
 * terminal, and relayed by npm and tsx): a repeat this soon is the same request to stop.
 */
const REPEAT_WINDOW_MS = 500

export interface ShutdownPlan {
  timeoutMs: number
  log: Logger
  graceful: (signal: NodeJS.Signals) => Promise<void>
  force: () => Promise<void> | void
}

export function exitOnSignals(plan: ShutdownPlan): void {
  let firstAt: number | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = Date.now()
      void shutDown(plan, signal)
    } else if (Date.now() - firstAt >= REPEAT_WINDOW_MS) {
      plan.log.warn('second signal: exiting without finishing the shutdown', { signal })
      process.exit(128 + os.constants.signals[signal])
    }
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

async function shutDown({ timeoutMs, log, graceful, force }: ShutdownPlan, signal: NodeJS.Signals): Promise<never> {
  log.info('shutting down', { signal, timeoutMs })
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  const outcome = await Promise.race([
    graceful(signal).then(
      () => 'done' as const,
      (err: unknown) => {
        log.error('shutdown failed', { error: err instanceof Error ? err.stack : String(err) })
        return 'failed' as const
      },
    ),
    expired,
  ])
  clearTimeout(timer)
  if (outcome === 'done') {
    log.info('stopped')
    return process.exit(0)
  }
  if (outcome === 'timeout') log.error('shutdown timed out; dropping what is left', { timeoutMs })
  let grace: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.resolve()
      .then(force)
      .catch(() => undefined),
    new Promise((resolve) => (grace = setTimeout(resolve, FORCE_GRACE_MS))),
  ])
  clearTimeout(grace)
  return process.exit(1)
}
