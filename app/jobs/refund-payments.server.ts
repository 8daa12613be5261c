/** Every minute: refunds the online payments of cancelled and returned orders through Razorpay, retrying failed refunds with growing pauses. */
import { z } from 'zod'
import { processRefunds } from '#app/services/payments.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { defineJob } from './job.ts'

export const refundPaymentsJob = defineJob({
  name: 'refund-payments',
  queue: 'maintenance',
  payload: z.object({}).strict(),
  attempts: 3,
  backoffMs: 10_000,
  // Safe to run twice, even at once: each payment is claimed per attempt, and one already
  // refunded (or whose refund Razorpay already made) is never refunded again.
  async handle() {
    const { refunded, failed } = await processRefunds()
    if (refunded || failed) getLogger().info('refunds processed', { refunded, failed })
  },
})
