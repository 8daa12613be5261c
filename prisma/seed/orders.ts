/**
 * Thirteen months of orders, generated in time order and streamed to the database in
 * batches: items with price and cost snapshots, status events that follow the order's
 * life, and payments that agree with both. Current stock is not touched (stock is
 * today's state, net of what open orders hold); products' sold counts are updated at the
 * end. Online orders follow the payment timeout: only those younger than it can still be
 * awaiting payment, so the expiry job finds nothing to do right after a seed.
 */
import type pg from 'pg'
import { atIstHour, DAY, HOUR, type TrafficCurve } from './calendar.ts'
import type { Catalogue } from './catalogue.ts'
import { COURIERS, CUSTOMER_CANCEL_NOTES, RETURN_NOTES, STAFF_CANCEL_NOTES } from './data.ts'
import type { People } from './people.ts'
import { toBase62, upperBound, type Rng } from './rng.ts'
import { emptyColumns, insertBatch, type Columns, type TableSpec } from './sql.ts'

export type OrderStatus = 'pending_payment' | 'processing' | 'shipped' | 'out_for_delivery' | 'delivered' | 'cancelled' | 'returned'

export interface OrderStats {
  orders: number
  items: number
  events: number
  payments: number
  byStatus: Record<string, number>
}

const MINUTE = 60_000

/** The note the unpaid-order expiry job writes (expireUnpaidOrders in app/services/orders.server.ts). */
export const EXPIRED_NOTE = 'Payment not received in time; the items were released'

/** GST on apparel: 5% for items up to ₹1,000 a piece, 12% above. Per line, rounded to the paisa. */
export function lineTax(unitPrice: number, quantity: number): number {
  const rate = unitPrice < 100_000 ? 5 : 12
  return Math.round((unitPrice * quantity * rate) / 100)
}

/** ₹49 delivery on orders under ₹499, free above. */
export function shippingFor(itemsPrice: number): number {
  return itemsPrice < 49_900 ? 4_900 : 0
}

const ORDER_TABLE: TableSpec = {
  table: 'orders',
  columns: [
    ['id', 'uuid'], ['number', 'int4'], ['user_id', 'uuid'], ['status', '"OrderStatus"'], ['items_price', 'int4'],
    ['tax_price', 'int4'], ['shipping_price', 'int4'], ['total_price', 'int4'], ['payment_method', '"PaymentMethod"'],
    ['is_paid', 'bool'], ['paid_at', 'ts'], ['shipping_address', 'jsonb'], ['created_at', 'ts'], ['updated_at', 'ts'],
  ],
}
const ITEM_TABLE: TableSpec = {
  table: 'order_items',
  columns: [
    ['id', 'uuid'], ['order_id', 'uuid'], ['product_id', 'uuid'], ['name', 'text'], ['size', 'text'],
    ['quantity', 'int4'], ['price', 'int4'], ['cost_price', 'int4'],
  ],
}
const EVENT_TABLE: TableSpec = {
  table: 'order_events',
  columns: [['id', 'uuid'], ['order_id', 'uuid'], ['status', '"OrderStatus"'], ['note', 'text'], ['actor_id', 'uuid'], ['at', 'ts']],
}
const PAYMENT_TABLE: TableSpec = {
  table: 'payments',
  columns: [
    ['id', 'uuid'], ['order_id', 'uuid'], ['method', '"PaymentMethod"'], ['status', '"PaymentStatus"'], ['amount', 'int4'],
    ['provider_order_id', 'text'], ['provider_payment_id', 'text'], ['created_at', 'ts'], ['updated_at', 'ts'],
  ],
}

type Step = [status: OrderStatus, at: number, note: string | null, actor: string | null]
type PaymentRow = [status: 'created' | 'authorized' | 'captured' | 'failed' | 'refunded', providerOrderId: string | null, providerPaymentId: string | null, createdAt: number, updatedAt: number]

interface Batch {
  orders: Columns
  items: Columns
  events: Columns
  payments: Columns
}

function newBatch(): Batch {
  return {
    orders: emptyColumns(ORDER_TABLE),
    items: emptyColumns(ITEM_TABLE),
    events: emptyColumns(EVENT_TABLE),
    payments: emptyColumns(PAYMENT_TABLE),
  }
}

function push(cols: Columns, row: Array<string | number | boolean | null>): void {
  for (let j = 0; j < row.length; j++) cols[j]!.push(row[j] ?? null)
}

function lowerBound(sorted: Float64Array, x: number, hi: number): number {
  let lo = 0
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export async function seedOrders(
  client: pg.ClientBase,
  opts: {
    rng: Rng
    now: number
    curve: TrafficCurve
    catalogue: Catalogue
    people: People
    orders: number
    /** PAYMENT_TIMEOUT_MINUTES in ms: how long an online order may await payment before the expiry job cancels it. */
    paymentTimeoutMs: number
    batchSize?: number
    onProgress?: (done: number, total: number) => void
  },
): Promise<OrderStats> {
  const { rng, now, curve, people } = opts
  const paymentWindow = opts.paymentTimeoutMs
  const N = opts.orders
  const products = opts.catalogue.products // sorted by createdAt
  const P = products.length
  const stats: OrderStats = { orders: 0, items: 0, events: 0, payments: 0, byStatus: {} }
  if (N <= 0) return stats

  const pCreated = new Float64Array(P)
  const pCum = new Float64Array(P)
  const sizeCum: Float64Array[] = []
  let acc = 0
  products.forEach((p, i) => {
    pCreated[i] = p.createdAt
    acc += p.status === 'draft' ? 0 : p.popularity
    pCum[i] = acc
    let s = 0
    sizeCum.push(Float64Array.from(p.sizes, (z) => (s += z.demand)))
  })
  const sold = new Float64Array(P)
  const cCum = new Float64Array(people.customerWeight.length)
  let cAcc = 0
  people.customerWeight.forEach((w, i) => {
    cAcc += w
    cCum[i] = cAcc
  })

  const { staff } = people
  const staffCancellers = [staff.account_manager, staff.admin]
  const customerCreated = people.customerCreatedAt
  const C = people.customerIds.length
  // Demo shoppers get a steady trickle of orders (about 15 each whatever the size of the
  // data set) plus one recent order each, so their order pages show live tracking.
  const pDemo = Math.min(0.05, 75 / N)
  const forcedDemo = new Map<number, number>()
  people.demoIds.forEach((_, k) => {
    const i = Math.max(0, N - 1 - Math.round(N * 0.0015 * (k + 1)) - k)
    if (!forcedDemo.has(i)) forcedDemo.set(i, k)
  })

  const numberRow = await client.query<{ n: string }>(`SELECT nextval(pg_get_serial_sequence('orders', 'number'))::text AS n`)
  const firstNumber = Number(numberRow.rows[0]?.n ?? 1)

  const batchSize = opts.batchSize ?? 5000
  let batch = newBatch()
  let pending: Promise<unknown>[] = []
  let pAvail = 0
  let cAvail = 0
  let lastT = curve.start
  let providerCounter = 0
  const steps: Step[] = []
  const pays: PaymentRow[] = []
  const picked = new Set<string>()
  const lineProducts: number[] = []
  const lineQuantities: number[] = []

  // 14 characters like Razorpay's: 6 from a permutation of a counter (unique, but not
  // visibly sequential: 3^18 is invertible modulo 62^6) and 8 random ones.
  const uniquePart = () => toBase62(Number((BigInt(providerCounter++) * 387_420_489n) % 56_800_235_584n), 6)
  const rzpOrderId = () => `order_${uniquePart()}${rng.base62(8)}`
  const rzpPayId = () => `pay_${uniquePart()}${rng.base62(8)}`

  const flush = async (done: number) => {
    await Promise.all(pending)
    pending = [
      insertBatch(client, ORDER_TABLE, batch.orders),
      insertBatch(client, ITEM_TABLE, batch.items),
      insertBatch(client, EVENT_TABLE, batch.events),
      insertBatch(client, PAYMENT_TABLE, batch.payments),
    ]
    batch = newBatch()
    opts.onProgress?.(done, N)
  }

  for (let i = 0; i < N; i++) {
    // Stratified draw from the traffic curve: orders come out in time order.
    const placed = Math.max(lastT, Math.floor(curve.at((i + rng.next()) / N)))
    lastT = placed
    while (pAvail < P && pCreated[pAvail]! <= placed) pAvail++
    while (cAvail < C && customerCreated[cAvail]! <= placed) cAvail++

    // Who orders: a demo shopper, someone who signed up in the last fortnight, or a
    // returning customer picked by how loyal they are (which gives the reports VIPs,
    // loyal customers and one-off buyers).
    let userId: string
    let address: string
    const anyone = cAvail > 0 && cCum[cAvail - 1]! > 0
    const demo = forcedDemo.get(i) ?? (rng.chance(pDemo) || !anyone ? rng.int(0, people.demoIds.length - 1) : -1)
    if (demo >= 0) {
      userId = people.demoIds[demo]!
      address = people.demoAddresses[demo]!
    } else {
      let c = -1
      const fresh = lowerBound(customerCreated, placed - 14 * DAY, cAvail)
      if (fresh < cAvail && rng.chance(0.3)) {
        c = fresh + Math.floor(rng.next() * (cAvail - fresh))
        if (people.customerWeight[c] === 0) c = -1
      }
      if (c < 0) c = Math.min(upperBound(cCum, rng.next() * cCum[cAvail - 1]!, cAvail), cAvail - 1)
      userId = people.customerIds[c]!
      address = people.customerAddresses[c]!
    }

    const orderId = rng.uuid7(placed)
    // Items.
    const lines = rng.weighted([1, 2, 3, 4], [55, 28, 12, 5])
    let itemsPrice = 0
    let taxPrice = 0
    picked.clear()
    lineProducts.length = 0
    lineQuantities.length = 0
    const itemStart = batch.items[0]!.length
    const total = pAvail > 0 ? pCum[pAvail - 1]! : 0
    for (let l = 0; l < lines && total > 0; l++) {
      let j = -1
      for (let attempt = 0; attempt < 8; attempt++) {
        const k = Math.min(upperBound(pCum, rng.next() * total, pAvail), pAvail - 1)
        if (products[k]!.sellsUntil > placed) {
          j = k
          break
        }
      }
      if (j < 0) continue
      const p = products[j]!
      const sc = sizeCum[j]!
      const size = p.sizes[Math.min(upperBound(sc, rng.next() * sc[sc.length - 1]!), sc.length - 1)]!
      const key = `${j}:${size.size}`
      if (picked.has(key)) continue
      picked.add(key)
      const quantity = rng.weighted([1, 2, 3], [86, 11, 3])
      itemsPrice += p.price * quantity
      taxPrice += lineTax(p.price, quantity)
      push(batch.items, [rng.uuid7(placed), orderId, p.id, p.name, size.size, quantity, p.price, p.costPrice])
      lineProducts.push(j)
      lineQuantities.push(quantity)
    }
    if (itemsPrice === 0) {
      // Nothing could be sold at that moment (no product existed yet): skip this order slot.
      continue
    }
    const shippingPrice = shippingFor(itemsPrice)
    const totalPrice = itemsPrice + taxPrice + shippingPrice

    // The order's life.
    steps.length = 0
    pays.length = 0
    const method = rng.chance(0.6) ? 'razorpay' : 'cod'
    let paidAt: number | null = null
    let processingAt: number | null = null
    let rzpMain: PaymentRow | null = null
    if (method === 'razorpay') {
      steps.push(['pending_payment', placed, 'Awaiting payment', null])
      if (rng.chance(0.035)) {
        // Abandoned at the payment step: the expiry job cancels it once the payment window has
        // passed, as it would have (same moment, note and failed payment; the stock went back).
        // Only an order younger than the window is still awaiting payment, holding its stock.
        const expires = placed + paymentWindow
        if (rng.chance(0.4)) {
          const failedAt = placed + Math.min(rng.int(1, 5) * MINUTE, Math.floor(paymentWindow / 2))
          pays.push(['failed', rzpOrderId(), rzpPayId(), placed, failedAt])
        } else {
          pays.push([expires <= now ? 'failed' : 'created', rzpOrderId(), null, placed, expires <= now ? expires : placed])
        }
        steps.push(['cancelled', expires, EXPIRED_NOTE, null])
      } else {
        // Paid within the window (a later payment would have found the order cancelled):
        // a retry after a failed attempt and the payment itself are squeezed into it if need be.
        let failed: PaymentRow | null = null
        let retryAfter = 0
        if (rng.chance(0.07)) {
          const failedAfter = rng.int(1, 4) * MINUTE
          failed = ['failed', rzpOrderId(), rzpPayId(), placed, placed + failedAfter]
          pays.push(failed)
          retryAfter = failedAfter + rng.int(1, 25) * MINUTE
        }
        const paidAfter = retryAfter + Math.floor(rng.float(0.5, 12) * MINUTE)
        const squeeze = paidAfter < paymentWindow * 0.9 ? 1 : (paymentWindow * 0.9) / paidAfter
        if (failed) failed[4] = placed + Math.floor((failed[4] - placed) * squeeze)
        const start = placed + Math.floor(retryAfter * squeeze)
        paidAt = placed + Math.floor(paidAfter * squeeze)
        processingAt = paidAt
        rzpMain = ['captured', rzpOrderId(), null, start, paidAt]
        pays.push(rzpMain)
        steps.push(['processing', paidAt, 'Payment received', null])
      }
    } else {
      processingAt = placed
      steps.push(['processing', placed, 'Order placed (cash on delivery)', null])
    }

    let deliveredAt: number | null = null
    let endedAt: number | null = null // cancelled or returned
    if (processingAt !== null) {
      let shippedAt = atIstHour(processingAt + rng.float(0.15, 1.6) * DAY, rng.int(10, 18), rng.next())
      if (shippedAt <= processingAt + HOUR) shippedAt += DAY
      const transitDays = rng.weighted([1, 2, 3, 4, 5], [25, 35, 22, 12, 6])
      const ofdAt = atIstHour(shippedAt + transitDays * DAY, rng.int(7, 10), rng.next())
      // One delivery in ten misses the first attempt and goes out again the next morning,
      // so some orders are out for delivery at any hour.
      const secondAttempt = rng.chance(0.1)
      const delivered = (secondAttempt ? atIstHour(ofdAt + DAY, rng.int(9, 12), rng.next()) : ofdAt) + Math.floor(rng.float(1.5, 8) * HOUR)
      if (rng.chance(0.04)) {
        const byStaff = rng.chance(0.35)
        const cancelAt = Math.max(processingAt + 5 * MINUTE, Math.min(processingAt + rng.float(0.3, 20) * HOUR, shippedAt - 10 * MINUTE))
        steps.push(
          byStaff
            ? ['cancelled', Math.floor(cancelAt), rng.pick(STAFF_CANCEL_NOTES), rng.pick(staffCancellers)]
            : ['cancelled', Math.floor(cancelAt), rng.pick(CUSTOMER_CANCEL_NOTES), null],
        )
        endedAt = Math.floor(cancelAt)
      } else {
        const courier = rng.pick(COURIERS)
        steps.push(['shipped', shippedAt, `Shipped with ${courier}, AWB ${rng.int(1000, 9999)}${rng.int(10_000_000, 99_999_999)}`, staff.warehouse])
        steps.push(['out_for_delivery', ofdAt, `Out for delivery with ${courier}`, null])
        steps.push(['delivered', delivered, secondAttempt ? 'Delivered on the second attempt' : 'Delivered', null])
        deliveredAt = delivered
        if (rng.chance(0.032)) {
          const returnedAt = delivered + Math.floor(rng.float(2, 9) * DAY)
          steps.push(['returned', returnedAt, rng.pick(RETURN_NOTES), staff.account_manager])
          endedAt = returnedAt
        }
      }
    }

    // What has happened by now.
    let last = 0
    while (last + 1 < steps.length && steps[last + 1]![1] <= now) last++
    const status = steps[last]![0]
    const updatedAt = steps[last]![1]
    const happened = (at: number | null) => at !== null && at <= now && at <= updatedAt

    // Payments, consistent with the status.
    if (method === 'razorpay' && rzpMain) {
      if (!happened(paidAt)) {
        rzpMain[0] = 'created'
        rzpMain[4] = rzpMain[3]
        paidAt = null
      } else {
        rzpMain[2] = rzpPayId()
        if ((status === 'cancelled' || status === 'returned') && endedAt !== null) {
          rzpMain[0] = 'refunded'
          rzpMain[4] = endedAt
        }
      }
    } else if (method === 'cod') {
      const row: PaymentRow = ['created', null, null, placed, placed]
      if (happened(deliveredAt)) {
        paidAt = deliveredAt
        row[0] = status === 'returned' ? 'refunded' : 'captured'
        row[4] = status === 'returned' ? updatedAt : deliveredAt!
      } else if (status === 'cancelled') {
        row[0] = 'failed'
        row[4] = updatedAt
      }
      pays.push(row)
    }
    const isPaid = paidAt !== null

    push(batch.orders, [
      orderId, firstNumber + stats.orders, userId, status, itemsPrice, taxPrice, shippingPrice, totalPrice, method,
      isPaid, paidAt, address, placed, updatedAt,
    ])
    for (let s = 0; s <= last; s++) {
      const [st, at, note, actor] = steps[s]!
      push(batch.events, [rng.uuid7(at), orderId, st, note, actor, at])
    }
    for (const [st, providerOrderId, providerPaymentId, createdAt, paymentUpdatedAt] of pays) {
      const created = Math.min(createdAt, now)
      push(batch.payments, [rng.uuid7(created), orderId, method, st, totalPrice, providerOrderId, providerPaymentId, created, Math.max(created, Math.min(paymentUpdatedAt, now))])
    }

    // Sold counts as the shop keeps them: checkout counts the pieces of every order it places
    // (awaiting payment too) and a cancellation or return takes them off again.
    if (status !== 'cancelled' && status !== 'returned') {
      for (let r = 0; r < lineProducts.length; r++) sold[lineProducts[r]!]! += lineQuantities[r]!
    }

    stats.orders++
    stats.items += batch.items[0]!.length - itemStart
    stats.events += last + 1
    stats.payments += pays.length
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1
    if (batch.orders[0]!.length >= batchSize) await flush(i + 1)
  }
  await flush(N)
  await Promise.all(pending)

  if (stats.orders > 0) {
    await client.query(`SELECT setval(pg_get_serial_sequence('orders', 'number'), $1::int8, true)`, [firstNumber + stats.orders - 1])
  }
  const soldIds: string[] = []
  const soldQty: number[] = []
  products.forEach((p, i) => {
    if (sold[i]! > 0) {
      soldIds.push(p.id)
      soldQty.push(sold[i]!)
    }
  })
  await insertAllSold(client, soldIds, soldQty)
  return stats
}

async function insertAllSold(client: pg.ClientBase, ids: string[], qty: number[]): Promise<void> {
  if (ids.length === 0) return
  await client.query(
    `UPDATE products AS p SET sold_count = s.q FROM unnest($1::uuid[], $2::int4[]) AS s(id, q) WHERE p.id = s.id`,
    [ids, qty],
  )
}

