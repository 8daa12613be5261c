// Placing orders and moving them through their life, against a real PostgreSQL database:
// guarded stock, all-or-nothing orders, idempotency, transitions per role, restocking.
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { staffTargets, type PlaceOrderInput } from '#app/domain/order.ts'
import { getDb } from '#app/utils/db.server.ts'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { createProduct, createUser } from '../../tests/fixtures/shop.ts'
import { addToCart, getCart } from './cart.server.ts'
import { cancelByCustomer, changeStatus, expireUnpaidOrders, getOrderForCustomer, listCustomerOrders, listOrders, markPaid, placeOrder } from './orders.server.ts'

const t = withTestRuntime('it_orders', { poolMax: 10 })

const address = { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919876543210' }

function order(items: PlaceOrderInput['items'], paymentMethod: PlaceOrderInput['paymentMethod'] = 'cod'): PlaceOrderInput {
  return { items, shippingAddress: address, paymentMethod }
}

async function stockOf(productId: string, size = 'M'): Promise<number> {
  const row = await getDb().productSize.findUnique({ where: { productId_size: { productId, size } }, select: { stock: true } })
  return row?.stock ?? -1
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  return err as DomainError
}

const staff = (id: string, role: 'admin' | 'warehouse' | 'accountant' | 'account_manager') => ({ id, role, permissions: [] as string[] })

describe('placing an order', () => {
  it('takes the stock, snapshots price and cost, prices on the server, and starts a COD order as processing', async () => {
    const user = await createUser()
    const p = await createProduct({ price: 79_900, sizes: { M: 5, L: 2 } })
    await getDb().product.update({ where: { id: p.id }, data: { costPrice: 40_000 } })
    const { order: o, created } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 2 }]))
    expect(created).toBe(true)
    expect(o.status).toBe('processing')
    expect(o.items).toEqual([expect.objectContaining({ productId: p.id, size: 'M', quantity: 2, price: 79_900 })])
    expect(o.itemsPrice).toBe(159_800)
    expect(o.taxPrice).toBe(Math.round(159_800 * 0.05))
    expect(o.totalPrice).toBe(o.itemsPrice + o.taxPrice + o.shippingPrice)
    expect(o.events.map((e) => e.status)).toEqual(['processing'])
    expect(o.payment).toMatchObject({ method: 'cod', status: 'created', amount: o.totalPrice })
    expect(await stockOf(p.id)).toBe(3)
    const item = await getDb().orderItem.findFirst({ where: { orderId: o.id }, select: { costPrice: true } })
    expect(item?.costPrice).toBe(40_000)
    // What placing returns is what reading the order gives.
    const b = await createProduct({ sizes: { S: 5 } })
    const { order: two } = await placeOrder(user.id, order([{ productId: b.id, size: 'S', quantity: 1 }, { productId: p.id, size: 'L', quantity: 1 }]))
    expect(await getOrderForCustomer(user.id, two.id)).toEqual(two)
  })

  it('sums two lines of one size before checking, and with one item short changes nothing', async () => {
    const user = await createUser()
    const a = await createProduct({ sizes: { M: 3 } })
    const b = await createProduct({ sizes: { M: 5 } })
    const err = await rejection(
      placeOrder(
        user.id,
        order([
          { productId: b.id, size: 'M', quantity: 1 },
          { productId: a.id, size: 'M', quantity: 2 },
          { productId: a.id, size: 'M', quantity: 2 },
        ]),
      ),
    )
    expect(err.code).toBe('OUT_OF_STOCK')
    expect(err.details?.items).toEqual([expect.objectContaining({ productId: a.id, size: 'M', requested: 4, available: 3 })])
    expect(err.message).toContain('only 3 left')
    expect(await stockOf(a.id)).toBe(3)
    expect(await stockOf(b.id)).toBe(5)
    expect(await getDb().order.count({ where: { userId: user.id } })).toBe(0)
  })

  it('refuses archived products and unknown sizes as unavailable', async () => {
    const user = await createUser()
    const gone = await createProduct({ sizes: { M: 5 }, status: 'archived' })
    const err = await rejection(placeOrder(user.id, order([{ productId: gone.id, size: 'M', quantity: 1 }])))
    expect(err.code).toBe('OUT_OF_STOCK')
    expect(err.details?.items).toEqual([expect.objectContaining({ available: 0 })])
    expect(await stockOf(gone.id)).toBe(5)
  })

  it('never oversells: 40 concurrent buyers of a size with 7 left get exactly 7 orders', async () => {
    const p = await createProduct({ sizes: { M: 7 } })
    const users = await Promise.all(Array.from({ length: 40 }, () => createUser()))
    const results = await Promise.allSettled(users.map((u) => placeOrder(u.id, order([{ productId: p.id, size: 'M', quantity: 1 }]))))
    const ok = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(ok).toHaveLength(7)
    expect(refused.every((r) => r.reason instanceof DomainError && r.reason.code === 'OUT_OF_STOCK')).toBe(true)
    expect(await stockOf(p.id)).toBe(0)
    expect(await getDb().orderItem.aggregate({ where: { productId: p.id }, _sum: { quantity: true } })).toEqual({ _sum: { quantity: 7 } })
  })

  it('with an idempotency key: 10 parallel repeats make one order; the key with another body is refused', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 50 } })
    const input = order([{ productId: p.id, size: 'M', quantity: 1 }])
    const results = await Promise.all(Array.from({ length: 10 }, () => placeOrder(user.id, input, { idempotencyKey: 'checkout-key-0001' })))
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1)
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(await stockOf(p.id)).toBe(49)
    const again = await placeOrder(user.id, input, { idempotencyKey: 'checkout-key-0001' })
    expect(again).toMatchObject({ created: false, order: { id: results[0]?.order.id } })
    const err = await rejection(placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 2 }]), { idempotencyKey: 'checkout-key-0001' }))
    expect(err.code).toBe('CONFLICT')
    expect(await stockOf(p.id)).toBe(49)
  })

  it('clears the bought lines from the cart when asked', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 5, L: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'L', quantity: 1 })
    await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }]), { clearCart: true })
    expect((await getCart({ userId: user.id })).lines.map((l) => l.size)).toEqual(['L'])
  })
})

describe('the order life', () => {
  it('the shopper cancels before shipping and the stock comes back; not after shipping', async () => {
    const user = await createUser()
    const admin = await createUser()
    const p = await createProduct({ sizes: { M: 4 } })
    const { order: o } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 3 }]))
    expect(await stockOf(p.id)).toBe(1)
    const cancelled = await cancelByCustomer(user.id, o.id)
    expect(cancelled.status).toBe('cancelled')
    expect(await stockOf(p.id)).toBe(4)
    expect((await rejection(cancelByCustomer(user.id, o.id))).code).toBe('STATE_NOT_ALLOWED')

    const { order: o2 } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }]))
    await changeStatus(staff(admin.id, 'admin'), o2.id, 'shipped')
    expect((await rejection(cancelByCustomer(user.id, o2.id))).code).toBe('STATE_NOT_ALLOWED')
    const other = await createUser()
    expect((await rejection(cancelByCustomer(other.id, o2.id))).code).toBe('NOT_FOUND')
    expect(await getOrderForCustomer(other.id, o2.id)).toBeNull()
  })

  it('checks transitions (422) and roles: the warehouse ships and delivers but cannot cancel; all audited', async () => {
    const user = await createUser()
    const wh = await createUser()
    const p = await createProduct({ sizes: { M: 4 } })
    const { order: o } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }]))
    expect((await rejection(changeStatus(staff(wh.id, 'warehouse'), o.id, 'delivered'))).code).toBe('STATE_NOT_ALLOWED')
    expect((await rejection(changeStatus(staff(wh.id, 'warehouse'), o.id, 'cancelled'))).code).toBe('FORBIDDEN')
    expect((await rejection(changeStatus(staff(wh.id, 'accountant'), o.id, 'shipped'))).code).toBe('FORBIDDEN')
    await changeStatus(staff(wh.id, 'warehouse'), o.id, 'shipped', { note: 'AWB 123' })
    await changeStatus(staff(wh.id, 'warehouse'), o.id, 'out_for_delivery')
    const done = await changeStatus(staff(wh.id, 'warehouse'), o.id, 'delivered')
    expect(done.events.map((e) => e.status)).toEqual(['processing', 'shipped', 'out_for_delivery', 'delivered'])
    expect(done.events[1]).toMatchObject({ note: 'AWB 123', actor: { id: wh.id } })
    expect(await getDb().auditLog.count({ where: { entityType: 'order', entityId: o.id } })).toBe(3)
    // A return (account manager) restocks.
    await changeStatus(staff(wh.id, 'account_manager'), o.id, 'returned')
    expect(await stockOf(p.id)).toBe(4)
  })

  it('an unpaid online order expires and releases its stock; a paid one moves to processing', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 4 } })
    const { order: unpaid } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 2 }], 'razorpay'))
    const { order: paid } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }], 'razorpay'))
    expect(unpaid.status).toBe('pending_payment')
    expect(await stockOf(p.id)).toBe(1)
    const after = await markPaid(paid.id, { actorId: null, providerPaymentId: 'pay_TEST123' })
    expect(after).toMatchObject({ status: 'processing', isPaid: true, payment: { status: 'captured', providerPaymentId: 'pay_TEST123' } })
    expect(await expireUnpaidOrders(0, new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1)
    expect(await stockOf(p.id)).toBe(3)
    const expired = await getOrderForCustomer(user.id, unpaid.id)
    expect(expired).toMatchObject({ status: 'cancelled', payment: { status: 'failed' } })
  })

  it('expiry never cancels an order whose payment commits while expiry is at it', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 5 } })
    const { order: o } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 2 }], 'razorpay'))
    await getDb().order.update({ where: { id: o.id }, data: { createdAt: new Date(Date.now() - 60 * 60_000) } })
    // Another connection, as markPaid would, holds the order row while the payment is recorded.
    const payer = new pg.Client({ connectionString: t.url() })
    await payer.connect()
    try {
      await payer.query('BEGIN')
      await payer.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [o.id])
      // Expiry has listed the order as awaiting payment and now waits for its row.
      const expiring = expireUnpaidOrders(30 * 60_000)
      await expect
        .poll(async () => (await payer.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0]?.n, { timeout: 10_000 })
        .toBe(1)
      await payer.query(`UPDATE orders SET status = 'processing', is_paid = true, paid_at = now() WHERE id = $1`, [o.id])
      await payer.query(`UPDATE payments SET status = 'captured', provider_payment_id = 'pay_LATE0000000001' WHERE order_id = $1`, [o.id])
      await payer.query('COMMIT')
      expect(await expiring).toBe(0)
    } finally {
      await payer.end()
    }
    const after = await getOrderForCustomer(user.id, o.id)
    expect(after).toMatchObject({ status: 'processing', isPaid: true, payment: { status: 'captured' } })
    expect(after?.events.map((e) => e.status)).toEqual(['pending_payment'])
    expect(await stockOf(p.id)).toBe(3)
  })

  it('an unpaid online order moves to processing only by its payment; recording the payment is audited', async () => {
    const user = await createUser()
    const admin = staff((await createUser()).id, 'admin')
    const accountant = await createUser()
    const p = await createProduct({ sizes: { M: 4 } })
    const { order: o } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }], 'razorpay'))
    // Not offered, and refused: the order would ship unpaid and never expire.
    expect(staffTargets(admin, o)).toEqual(['cancelled'])
    const err = await rejection(changeStatus(admin, o.id, 'processing'))
    expect(err.code).toBe('STATE_NOT_ALLOWED')
    expect(err.message).toMatch(/awaiting its online payment/)
    expect(await getOrderForCustomer(user.id, o.id)).toMatchObject({ status: 'pending_payment', isPaid: false })
    expect(await getDb().auditLog.count({ where: { entityType: 'order', entityId: o.id } })).toBe(0)
    // A cash-on-delivery order is not waiting for a payment to move on.
    expect(staffTargets(admin, { status: 'pending_payment', paymentMethod: 'cod', isPaid: false })).toEqual(['processing', 'cancelled'])

    const paid = await markPaid(o.id, { actorId: accountant.id, note: 'Paid by bank transfer', requestId: 'req-mark-paid-1' })
    expect(paid).toMatchObject({ status: 'processing', isPaid: true, payment: { status: 'captured' } })
    expect(paid.events.at(-1)).toMatchObject({ status: 'processing', note: 'Paid by bank transfer', actor: { id: accountant.id } })
    const audit = await getDb().auditLog.findMany({ where: { entityType: 'order', entityId: o.id }, select: { actorId: true, action: true, before: true, after: true, requestId: true } })
    expect(audit).toEqual([
      { actorId: accountant.id, action: 'order:payment', before: { status: 'pending_payment', isPaid: false }, after: { status: 'processing', isPaid: true }, requestId: 'req-mark-paid-1' },
    ])
    expect(staffTargets(admin, paid)).toEqual(['shipped', 'cancelled'])
  })

  it('records a payment once when the webhook and the shopper’s return race; never on a cancelled order', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 4 } })
    const { order: o } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }], 'razorpay'))
    const results = await Promise.all(Array.from({ length: 5 }, () => markPaid(o.id, { actorId: null, providerPaymentId: 'pay_RACE1' })))
    for (const r of results) expect(r).toMatchObject({ status: 'processing', isPaid: true })
    expect(await getDb().orderEvent.count({ where: { orderId: o.id } })).toBe(2)
    const { order: gone } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }], 'razorpay'))
    await cancelByCustomer(user.id, gone.id)
    expect((await rejection(markPaid(gone.id, { actorId: null }))).code).toBe('STATE_NOT_ALLOWED')
    expect(await getOrderForCustomer(user.id, gone.id)).toMatchObject({ isPaid: false, status: 'cancelled' })
  })

  it('lists the shopper’s own orders and finds orders for staff by number and phone', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 9 } })
    const { order: a } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }]))
    const { order: b } = await placeOrder(user.id, order([{ productId: p.id, size: 'M', quantity: 1 }], 'razorpay'))
    const mine = await listCustomerOrders(user.id, { page: 1, limit: 10 })
    expect(mine.total).toBe(2)
    expect(mine.items.map((o) => o.id)).toEqual([b.id, a.id])
    expect((await listOrders({ q: `#${a.number}`, page: 1, limit: 10 })).items.map((o) => o.id)).toEqual([a.id])
    const byPhone = await listOrders({ q: '98765 43210', status: 'pending_payment', page: 1, limit: 50 })
    expect(byPhone.items.map((o) => o.id)).toContain(b.id)
    expect(byPhone.items.every((o) => o.status === 'pending_payment')).toBe(true)
  })
})
