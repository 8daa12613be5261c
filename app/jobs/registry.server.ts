/** Every job the worker knows, by name. */
import { expireUnpaidOrdersJob } from './expire-unpaid-orders.server.ts'
import { housekeeping } from './housekeeping.server.ts'
import type { JobDefinition } from './job.ts'
import { refundPaymentsJob } from './refund-payments.server.ts'

export const jobs: JobDefinition[] = [housekeeping, expireUnpaidOrdersJob, refundPaymentsJob]

export const jobsByName = new Map(jobs.map((j) => [j.name, j]))

/** Jobs that run on a schedule (every `everyMs`), deduplicated across instances. */
export const schedules: { job: JobDefinition; everyMs: number }[] = [
  { job: housekeeping, everyMs: 60 * 60 * 1000 },
  { job: expireUnpaidOrdersJob, everyMs: 60 * 1000 },
  { job: refundPaymentsJob, everyMs: 60 * 1000 },
]
