/** What every background job module declares. Payloads carry ids only, never personal data. */
import type { z } from 'zod'

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  /** kebab-case job name, unique across queues */
  name: string
  queue: QueueName
  payload: S
  attempts: number
  /** first retry delay; doubles on each attempt */
  backoffMs: number
  /** Must be safe to run twice with the same payload. */
  handle(payload: z.infer<S>): Promise<void>
}

export const QUEUE_NAMES = ['emails', 'maintenance'] as const
export type QueueName = (typeof QUEUE_NAMES)[number]

export function defineJob<S extends z.ZodType>(job: JobDefinition<S>): JobDefinition<S> {
  return job
}
