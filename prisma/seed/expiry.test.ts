/**
 * The seeded history against the real unpaid-order expiry (expireUnpaidOrders, what the
 * every-minute job runs): nothing is left for it to cancel right after a seed, and what the
 * orders still awaiting payment hold comes back exactly once their timeout has passed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expireUnpaidOrders } from '#app/services/orders.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { closeRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { createTestDatabase, queryRows } from '../../tests/integration/helpers.ts'
import { seed } from './index.ts'
import { EXPIRED_NOTE } from './orders.ts'

// A fixed moment and seed give the same history every run. A week's timeout (the longest the
// app allows) leaves a few abandoned online orders still awaiting payment at that moment.
const NOW = Date.UTC(2026, 2, 14, 9, 30)
const TIMEOUT_MINUTES = 7 * 24 * 60
const TIMEOUT_MS = TIMEOUT_MINUTES * 60_000

let drop: () => Promise<void> = async () => undefined
let url = ''
let uploadDir = ''

beforeAll(async () => {
  const db = await createTestDatabase('it_seed_expiry')
  drop = db.drop
  url = db.url
  await migrateDeploy(url)
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'seed-expiry-'))
  await seed({ url, orders: 6000, uploadDir, now: NOW, randomSeed: 42, paymentTimeoutMinutes: TIMEOUT_MINUTES })
  initRuntime(parseEnv({ NODE_ENV: 'test', DATABASE_URL: url, SESSION_SECRET: 'test-session-secret' }), { url, mode: 'external', poolMax: 4 })
}, 180_000)

afterAll(async () => {
  await closeRuntime().catch(() => undefined)
  await drop()
  if (uploadDir) await rm(uploadDir, { recursive: true, force: true })
})

type Held = { productId: string; size: string; stock: number; held: number }

/** Every size's stock and the pieces the orders still awaiting payment hold of it. */
async function stockAndHeld(): Promise<Map<string, Held>> {
  const rows = await queryRows<Held>(
    url,
    `SELECT s.product_id::text AS "productId", s.size, s.stock,
            coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                       WHERE o.status = 'pending_payment' AND i.product_id = s.product_id AND i.size = s.size), 0)::int AS held
       FROM product_sizes s`,
  )
  return new Map(rows.map((r) => [`${r.productId}|${r.size}`, r]))
}

/** Products whose sold count is not what their open (not cancelled or returned) orders add up to. */
async function soldMismatches(): Promise<number> {
  const [r] = await queryRows<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM products p
      WHERE p.sold_count <> coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                                       WHERE i.product_id = p.id AND o.status NOT IN ('cancelled', 'returned')), 0)`,
  )
  return r!.n
}

describe('seeded unpaid orders and the expiry job', () => {
  it('leaves nothing for the expiry job at the seed’s moment; only orders younger than the timeout await payment', async () => {
    const [pending] = await queryRows<{ n: number; oldest: Date | null }>(url, `SELECT count(*)::int AS n, min(created_at) AS oldest FROM orders WHERE status = 'pending_payment'`)
    expect(pending!.n).toBeGreaterThan(0)
    expect(pending!.oldest!.getTime()).toBeGreaterThan(NOW - TIMEOUT_MS)
    expect(await expireUnpaidOrders(TIMEOUT_MS, new Date(NOW))).toBe(0)
    expect(await soldMismatches()).toBe(0)
  })

  it('gives back exactly the stock those orders hold once their timeout has passed, keeping sold counts true', async () => {
    const before = await stockAndHeld()
    const [pending] = await queryRows<{ n: number }>(url, `SELECT count(*)::int AS n FROM orders WHERE status = 'pending_payment'`)
    expect(await expireUnpaidOrders(TIMEOUT_MS, new Date(NOW + TIMEOUT_MS + 60_000))).toBe(pending!.n)

    const after = await stockAndHeld()
    let returned = 0
    for (const [key, b] of before) {
      expect(after.get(key)!.stock, key).toBe(b.stock + b.held)
      expect(after.get(key)!.held).toBe(0)
      returned += b.held
    }
    expect(returned).toBeGreaterThan(0)
    expect(await soldMismatches()).toBe(0)
    // They read like the orders the seed had already expired: same note, payment failed.
    const [expired] = await queryRows<{ notes: string[]; unfailed: number }>(
      url,
      `SELECT array_agg(DISTINCT e.note) AS notes,
              (SELECT count(*)::int FROM payments p JOIN orders o ON o.id = p.order_id
                WHERE o.status = 'cancelled' AND o.payment_method = 'razorpay' AND NOT o.is_paid AND p.status <> 'failed') AS unfailed
         FROM order_events e JOIN orders o ON o.id = e.order_id
        WHERE e.status = 'cancelled' AND o.payment_method = 'razorpay' AND NOT o.is_paid`,
    )
    expect(expired).toEqual({ notes: [EXPIRED_NOTE], unfailed: 0 })
  })
})
