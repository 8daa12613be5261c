/** Deletes data that has outlived its purpose: spent OTPs, old idempotency keys, stale guest carts, relayed outbox rows. */
import { z } from 'zod'
import { getDb } from '#app/utils/db.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { defineJob } from './job.ts'

const DAY = 24 * 60 * 60 * 1000

export const housekeeping = defineJob({
  name: 'housekeeping',
  queue: 'maintenance',
  payload: z.object({}).strict(),
  attempts: 3,
  backoffMs: 30_000,
  async handle() {
    const db = getDb()
    const now = Date.now()
    const [otps, keys, carts, outbox] = await db.$transaction([
      db.otpChallenge.deleteMany({ where: { createdAt: { lt: new Date(now - DAY) } } }),
      db.idempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(now - 7 * DAY) } } }),
      db.cart.deleteMany({ where: { userId: null, updatedAt: { lt: new Date(now - 30 * DAY) } } }),
      db.outboxEvent.deleteMany({ where: { processedAt: { lt: new Date(now - 7 * DAY) } } }),
    ])
    getLogger().info('housekeeping done', { otps: otps.count, idempotencyKeys: keys.count, guestCarts: carts.count, outbox: outbox.count })
  },
})
