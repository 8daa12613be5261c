/** Job producers: enqueue on this process's backend (BullMQ or in-process). */
import type { z } from 'zod'
import { getRuntime } from '#app/utils/runtime.server.ts'
import type { EnqueueOptions } from './backends.server.ts'
import type { JobDefinition } from './job.ts'

export type PayloadOf<J> = J extends JobDefinition<infer S> ? z.infer<S> : never

/** Call after the transaction that justifies the job has committed. */
export async function enqueue<J extends JobDefinition>(job: J, payload: PayloadOf<J>, opts?: EnqueueOptions): Promise<void> {
  await getRuntime().jobs.enqueue(job, payload, opts)
}
