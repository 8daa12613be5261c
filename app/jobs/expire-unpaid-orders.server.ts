/** Every minute: online-payment orders unpaid after PAYMENT_TIMEOUT_MINUTES are cancelled and their stock released (late payments found at Razorpay first). */
import { z } from 'zod'
import { expireUnpaidOrders } from '#app/services/orders.server.ts'
import { reconcileRazorpayPayments } from '#app/services/payments.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { defineJob } from './job.ts'

export const expireUnpaidOrdersJob = defineJob({
  name: 'expire-unpaid-orders',
  queue: 'maintenance',
  payload: z.object({}).strict(),
  attempts: 3,
  backoffMs: 10_000,
  // Safe to run twice: both steps only act on orders still awaiting payment.
  async handle() {
    const timeoutMs = getRuntime().env.PAYMENT_TIMEOUT_MINUTES * 60_000
    const paid = await reconcileRazorpayPayments(timeoutMs)
    const expired = await expireUnpaidOrders(timeoutMs)
    if (paid || expired) getLogger().info('unpaid orders checked', { paidLate: paid, expired })
  },
})
