// Razorpay payments against a real PostgreSQL database and a local fake of Razorpay's API:
// one Razorpay order per store order, signature-checked confirmation, signed idempotent
// webhooks, late payments found before expiry, unpaid orders expiring with their stock,
// and refunds of paid orders that are cancelled or returned (once, retried when Razorpay fails).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import type { PlaceOrderInput } from '#app/domain/order.ts'
import { expireUnpaidOrdersJob } from '#app/jobs/expire-unpaid-orders.server.ts'
import { refundPaymentsJob } from '#app/jobs/refund-payments.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { parseEnv, type Env } from '#app/utils/env.server.ts'
import { closeRuntime, getRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { createProduct, createUser } from '../../tests/fixtures/shop.ts'
import { createTestDatabase } from '../../tests/integration/helpers.ts'
import { startFakeRazorpay, type FakeRazorpay } from '../../tests/mocks/razorpay.ts'
import { getCart } from './cart.server.ts'
import { cancelByCustomer, changeStatus, getOrderForCustomer, markPaid, placeOrder } from './orders.server.ts'
import {
  abandonRazorpayPayment,
  assertPaymentMethodAvailable,
  confirmRazorpayPayment,
  getRefundState,
  handleRazorpayWebhook,
  processRefunds,
  razorpayEnabled,
  reconcileRazorpayPayments,
  startRazorpayPayment,
} from './payments.server.ts'

let drop: () => Promise<void> = async () => undefined
let fake: FakeRazorpay
let env: Env

beforeAll(async () => {
  const db = await createTestDatabase('it_payments')
  drop = db.drop
  await migrateDeploy(db.url)
  fake = await startFakeRazorpay()
  env = parseEnv({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    SESSION_SECRET: 'test-session-secret',
    RAZORPAY_KEY_ID: fake.keyId,
    RAZORPAY_KEY_SECRET: fake.keySecret,
    RAZORPAY_WEBHOOK_SECRET: fake.webhookSecret,
    RAZORPAY_API_BASE: fake.url,
    PAYMENT_TIMEOUT_MINUTES: '30',
  })
  initRuntime(env, { url: db.url, mode: 'external', poolMax: 10 })
})

afterAll(async () => {
  await closeRuntime().catch(() => undefined)
  await fake?.close()
  await drop()
})

const address = { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919876543210' }

function input(productId: string, quantity = 1, paymentMethod: PlaceOrderInput['paymentMethod'] = 'razorpay'): PlaceOrderInput {
  return { items: [{ productId, size: 'M', quantity }], shippingAddress: address, paymentMethod }
}

async function onlineOrder(quantity = 1, stock = 10) {
  const user = await createUser()
  const product = await createProduct({ price: 49_900, sizes: { M: stock } })
  const { order } = await placeOrder(user.id, input(product.id, quantity))
  return { user, product, order }
}

async function stockOf(productId: string): Promise<number> {
  const row = await getDb().productSize.findUnique({ where: { productId_size: { productId, size: 'M' } }, select: { stock: true } })
  return row?.stock ?? -1
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  return err as DomainError
}

const ordersCreated = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/orders').length
const refundCalls = (paymentId: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === `/v1/payments/${paymentId}/refund`).length
const refundsOf = (paymentId: string) => [...fake.refunds.values()].filter((r) => r.payment_id === paymentId)

/** A refund made at Razorpay behind the store's back (its answer lost, or made in the dashboard). */
async function rawRefund(paymentId: string, amount: number): Promise<{ id: string }> {
  const res = await fetch(`${fake.url}/v1/payments/${paymentId}/refund`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${fake.keyId}:${fake.keySecret}`).toString('base64')}` },
    body: JSON.stringify({ amount }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { id: string }
}

async function ageOrder(orderId: string, minutes: number) {
  await getDb().order.update({ where: { id: orderId }, data: { createdAt: new Date(Date.now() - minutes * 60_000) } })
}

describe('starting a Razorpay payment', () => {
  it('creates one Razorpay order for the order total and reuses it afterwards', async () => {
    const { user, order } = await onlineOrder(2)
    expect(order.status).toBe('pending_payment')
    const before = ordersCreated()
    const first = await startRazorpayPayment(user.id, order.id)
    expect(first).toMatchObject({
      keyId: fake.keyId,
      amount: order.totalPrice,
      currency: 'INR',
      orderId: order.id,
      orderNumber: order.number,
      prefill: { name: 'Asha Rao', contact: '+919876543210' },
    })
    expect(first.razorpayOrderId).toMatch(/^order_/)
    expect(fake.orders.get(first.razorpayOrderId)).toMatchObject({ amount: order.totalPrice, receipt: `order-${order.number}`, notes: { orderId: order.id } })
    expect(fake.requests.at(-1)?.authorized).toBe(true)

    const second = await startRazorpayPayment(user.id, order.id)
    expect(second.razorpayOrderId).toBe(first.razorpayOrderId)
    expect(ordersCreated()).toBe(before + 1)
    const row = await getDb().payment.findFirst({ where: { orderId: order.id }, select: { providerOrderId: true, status: true } })
    expect(row).toEqual({ providerOrderId: first.razorpayOrderId, status: 'created' })
  })

  it('creates one Razorpay order when several tabs ask at once', async () => {
    const { user, order } = await onlineOrder()
    const before = ordersCreated()
    const all = await Promise.all(Array.from({ length: 6 }, () => startRazorpayPayment(user.id, order.id)))
    expect(new Set(all.map((c) => c.razorpayOrderId)).size).toBe(1)
    expect(ordersCreated()).toBe(before + 1)
  })

  it("is refused for another shopper's order, a cash-on-delivery order and a paid one", async () => {
    const { order } = await onlineOrder()
    const stranger = await createUser()
    expect((await refusal(startRazorpayPayment(stranger.id, order.id))).code).toBe('NOT_FOUND')

    const cod = await placeOrder(stranger.id, input((await createProduct({ sizes: { M: 3 } })).id, 1, 'cod'))
    expect((await refusal(startRazorpayPayment(stranger.id, cod.order.id))).code).toBe('VALIDATION')

    const paid = await onlineOrder()
    await markPaid(paid.order.id, { actorId: null, providerPaymentId: 'pay_AlreadyPaid0001' })
    expect((await refusal(startRazorpayPayment(paid.user.id, paid.order.id))).code).toBe('STATE_NOT_ALLOWED')
  })

  it('reports Razorpay being down as UNAVAILABLE and keeps no Razorpay order id', async () => {
    const { user, order } = await onlineOrder()
    fake.failNext(502)
    const err = await refusal(startRazorpayPayment(user.id, order.id))
    expect(err.code).toBe('UNAVAILABLE')
    expect(err.message).toMatch(/Razorpay/)
    expect((await getDb().payment.findFirst({ where: { orderId: order.id }, select: { providerOrderId: true } }))?.providerOrderId).toBeNull()
    // Once Razorpay answers again, the payment can start.
    expect((await startRazorpayPayment(user.id, order.id)).razorpayOrderId).toMatch(/^order_/)
  })
})

describe('confirming the Checkout response', () => {
  it('with a good signature marks the order paid and moves it to processing; a repeat changes nothing', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const payment = fake.pay(razorpayOrderId)
    const response = fake.checkoutResponse(razorpayOrderId, payment.id)

    const paid = await confirmRazorpayPayment(user.id, { orderId: order.id, ...response })
    expect(paid).toMatchObject({ id: order.id, status: 'processing', isPaid: true })
    expect(paid.paidAt).not.toBeNull()
    expect(paid.payment).toMatchObject({ method: 'razorpay', status: 'captured', providerOrderId: razorpayOrderId, providerPaymentId: payment.id })
    expect(paid.events.map((e) => e.status)).toEqual(['pending_payment', 'processing'])

    const again = await confirmRazorpayPayment(user.id, { orderId: order.id, ...response })
    expect(again.events).toHaveLength(2)
    expect(again.paidAt).toBe(paid.paidAt)
  })

  it('with a bad signature is refused (VALIDATION, 400) and changes nothing', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const payment = fake.pay(razorpayOrderId)
    const good = fake.checkoutResponse(razorpayOrderId, payment.id)
    const forged = [
      { ...good, razorpay_signature: good.razorpay_signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
      { ...good, razorpay_payment_id: 'pay_SomeoneElses001' },
      { ...good, razorpay_signature: good.razorpay_signature.slice(0, 40) },
      { ...good, razorpay_signature: 'x'.repeat(64) },
    ]
    for (const attempt of forged) {
      const err = await refusal(confirmRazorpayPayment(user.id, { orderId: order.id, ...attempt }))
      expect(err.code).toBe('VALIDATION')
    }
    const after = await getOrderForCustomer(user.id, order.id)
    expect(after).toMatchObject({ status: 'pending_payment', isPaid: false, paidAt: null })
    expect(after?.events).toHaveLength(1)
    expect(after?.payment).toMatchObject({ status: 'created', providerPaymentId: null })
  })

  it("refuses a genuine payment of another order's Razorpay order, and other shoppers", async () => {
    const a = await onlineOrder()
    const b = await onlineOrder()
    const rzpA = (await startRazorpayPayment(a.user.id, a.order.id)).razorpayOrderId
    await startRazorpayPayment(b.user.id, b.order.id)
    const payA = fake.pay(rzpA)
    // A valid signature for order A presented as the payment of order B (same shopper or not).
    const err = await refusal(confirmRazorpayPayment(b.user.id, { orderId: b.order.id, ...fake.checkoutResponse(rzpA, payA.id) }))
    expect(err.code).toBe('VALIDATION')
    expect((await getOrderForCustomer(b.user.id, b.order.id))?.isPaid).toBe(false)
    expect((await refusal(confirmRazorpayPayment(b.user.id, { orderId: a.order.id, ...fake.checkoutResponse(rzpA, payA.id) }))).code).toBe('NOT_FOUND')
    expect((await getOrderForCustomer(a.user.id, a.order.id))?.isPaid).toBe(false)
  })

  it('explains a payment that arrives after the order expired (for a refund) instead of reviving it', async () => {
    const { user, order, product } = await onlineOrder(1, 4)
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    await ageOrder(order.id, 31)
    await expireUnpaidOrdersJob.handle({})
    expect(await stockOf(product.id)).toBe(4)
    const late = fake.pay(razorpayOrderId)
    // The reconciliation ran before this payment existed; now the shopper's browser reports it.
    const err = await refusal(confirmRazorpayPayment(user.id, { orderId: order.id, ...fake.checkoutResponse(razorpayOrderId, late.id) }))
    expect(err.code).toBe('STATE_NOT_ALLOWED')
    expect(err.message).toMatch(/refunded/)
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'cancelled', isPaid: false, payment: { status: 'refund_pending', providerPaymentId: late.id } })
    // The promised refund is made, once, however often the payment is reported.
    await refundPaymentsJob.handle({})
    expect((await refusal(confirmRazorpayPayment(user.id, { orderId: order.id, ...fake.checkoutResponse(razorpayOrderId, late.id) }))).code).toBe('STATE_NOT_ALLOWED')
    await refundPaymentsJob.handle({})
    expect(refundsOf(late.id).map((r) => r.amount)).toEqual([order.totalPrice])
    expect((await getOrderForCustomer(user.id, order.id))?.payment?.status).toBe('refunded')
  })
})

describe('webhooks', () => {
  async function deliver(d: { body: string; headers: Record<string, string> }) {
    return handleRazorpayWebhook(d.body, d.headers['X-Razorpay-Signature'], d.headers['X-Razorpay-Event-Id'])
  }

  it('payment.captured marks the order paid; the same delivery again is a no-op', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const delivery = fake.webhook('payment.captured', fake.pay(razorpayOrderId))

    // Delivered twice at the same moment (a retry racing the first attempt): one takes effect.
    const outcomes = (await Promise.all([deliver(delivery), deliver(delivery)])).map((r) => r.outcome).sort()
    expect(outcomes).toEqual(['duplicate', 'processed'])
    const paid = await getOrderForCustomer(user.id, order.id)
    expect(paid).toMatchObject({ status: 'processing', isPaid: true })

    expect(await deliver(delivery)).toMatchObject({ outcome: 'duplicate', event: 'payment.captured' })
    expect((await getOrderForCustomer(user.id, order.id))?.events).toHaveLength(2)
    expect(await getDb().webhookEvent.count({ where: { id: delivery.headers['X-Razorpay-Event-Id'] } })).toBe(1)
  })

  it('order.paid after payment.captured (Razorpay sends both) is harmless; without an event id the payload dedupes', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const payment = fake.pay(razorpayOrderId)
    await deliver(fake.webhook('payment.captured', payment))
    expect((await deliver(fake.webhook('order.paid', payment, { eventId: null }))).outcome).toBe('processed')
    expect((await deliver(fake.webhook('order.paid', payment, { eventId: null }))).outcome).toBe('duplicate')
    expect((await getOrderForCustomer(user.id, order.id))?.events).toHaveLength(2)
  })

  it('a bad signature is refused (VALIDATION, 400) and records nothing', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const delivery = fake.webhook('payment.captured', fake.pay(razorpayOrderId), { secret: 'not-the-webhook-secret' })
    expect((await refusal(deliver(delivery))).code).toBe('VALIDATION')
    const tampered = fake.webhook('payment.captured', fake.pay(razorpayOrderId))
    expect((await refusal(handleRazorpayWebhook(tampered.body.replace('"captured"', '"captured" '), tampered.headers['X-Razorpay-Signature']))).code).toBe('VALIDATION')
    expect((await refusal(handleRazorpayWebhook(tampered.body, null))).code).toBe('VALIDATION')
    expect((await getOrderForCustomer(user.id, order.id))?.isPaid).toBe(false)
    expect(await getDb().webhookEvent.count({ where: { id: { in: [delivery.headers['X-Razorpay-Event-Id']!, tampered.headers['X-Razorpay-Event-Id']!] } } })).toBe(0)
  })

  it('payment.failed records the failed attempt; the order keeps waiting and can still be paid', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const failed = fake.webhook('payment.failed', fake.pay(razorpayOrderId, { status: 'failed' }))
    expect((await deliver(failed)).outcome).toBe('processed')
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'pending_payment', isPaid: false, payment: { status: 'failed' } })
    expect((await deliver(failed)).outcome).toBe('duplicate')

    // The shopper tries again in the same Checkout (same Razorpay order) and succeeds.
    expect((await startRazorpayPayment(user.id, order.id)).razorpayOrderId).toBe(razorpayOrderId)
    const ok = fake.pay(razorpayOrderId)
    await confirmRazorpayPayment(user.id, { orderId: order.id, ...fake.checkoutResponse(razorpayOrderId, ok.id) })
    // A late payment.failed of the first attempt does not undo the capture.
    await deliver(fake.webhook('payment.failed', fake.pay(razorpayOrderId, { status: 'failed' })))
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'processing', isPaid: true, payment: { status: 'captured', providerPaymentId: ok.id } })
  })

  it('acknowledges events it does not act on, unknown orders, and short payments without marking anything paid', async () => {
    const { user, order } = await onlineOrder()
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    expect((await deliver(fake.webhook('payment.authorized', fake.pay(razorpayOrderId, { status: 'authorized' })))).outcome).toBe('ignored')
    const stranger = fake.pay((await getRazorpayOrder()).id)
    expect((await deliver(fake.webhook('payment.captured', stranger))).outcome).toBe('ignored')
    expect((await deliver(fake.webhook('payment.captured', fake.pay(razorpayOrderId, { amount: order.totalPrice - 100 })))).outcome).toBe('ignored')
    expect((await getOrderForCustomer(user.id, order.id))?.isPaid).toBe(false)
  })

  it('is refused while no webhook secret is configured', async () => {
    const rt = getRuntime()
    rt.env = { ...env, RAZORPAY_WEBHOOK_SECRET: undefined }
    try {
      const { user, order } = await onlineOrder()
      const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
      expect((await refusal(deliver(fake.webhook('payment.captured', fake.pay(razorpayOrderId))))).code).toBe('UNAVAILABLE')
    } finally {
      rt.env = env
    }
  })
})

/** A Razorpay order the store never created (another shop on the same account). */
async function getRazorpayOrder() {
  const res = await fetch(`${fake.url}/v1/orders`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${fake.keyId}:${fake.keySecret}`).toString('base64')}` },
    body: JSON.stringify({ amount: 10_000, currency: 'INR', receipt: 'elsewhere' }),
  })
  return (await res.json()) as { id: string }
}

describe('expiry of unpaid orders (the expire-unpaid-orders job)', () => {
  it('releases the stock of an unpaid order after the timeout, but not of a paid one or a recent one; running twice is harmless', async () => {
    const product = await createProduct({ sizes: { M: 10 } })
    const buyer = await createUser()
    const { order: unpaid } = await placeOrder(buyer.id, input(product.id, 3))
    const { order: paid } = await placeOrder(buyer.id, input(product.id, 2))
    const { order: recent } = await placeOrder(buyer.id, input(product.id, 1))
    expect(await stockOf(product.id)).toBe(4)
    const rzp = (await startRazorpayPayment(buyer.id, paid.id)).razorpayOrderId
    await confirmRazorpayPayment(buyer.id, { orderId: paid.id, ...fake.checkoutResponse(rzp, fake.pay(rzp).id) })
    await ageOrder(unpaid.id, 31)
    await ageOrder(paid.id, 31)
    await ageOrder(recent.id, 29)

    await expireUnpaidOrdersJob.handle({})
    await expireUnpaidOrdersJob.handle({})

    expect(await getOrderForCustomer(buyer.id, unpaid.id)).toMatchObject({ status: 'cancelled', isPaid: false, payment: { status: 'failed' } })
    expect(await getOrderForCustomer(buyer.id, paid.id)).toMatchObject({ status: 'processing', isPaid: true })
    expect(await getOrderForCustomer(buyer.id, recent.id)).toMatchObject({ status: 'pending_payment' })
    expect(await stockOf(product.id)).toBe(7)
    const cancelled = await getOrderForCustomer(buyer.id, unpaid.id)
    expect(cancelled?.events.filter((e) => e.status === 'cancelled')).toHaveLength(1)
  })

  it('first asks Razorpay: a payment that was captured but never reported marks the order paid instead', async () => {
    const { user, order, product } = await onlineOrder(2, 5)
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const captured = fake.pay(razorpayOrderId)
    await ageOrder(order.id, 45)
    expect(await reconcileRazorpayPayments(30 * 60_000)).toBeGreaterThanOrEqual(1)
    await expireUnpaidOrdersJob.handle({})
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'processing', isPaid: true, payment: { providerPaymentId: captured.id } })
    expect(await stockOf(product.id)).toBe(3)
  })

  it('still expires orders when Razorpay cannot be reached', async () => {
    const { user, order, product } = await onlineOrder(1, 2)
    await startRazorpayPayment(user.id, order.id)
    await ageOrder(order.id, 40)
    fake.failNext(503)
    await expireUnpaidOrdersJob.handle({})
    expect((await getOrderForCustomer(user.id, order.id))?.status).toBe('cancelled')
    expect(await stockOf(product.id)).toBe(2)
  })
})

describe('refunds of paid orders that are cancelled or returned (the refund-payments job)', () => {
  const admin = async () => ({ id: (await createUser()).id, role: 'admin' as const, permissions: [] as string[] })

  async function paidOrder(quantity = 1) {
    const { user, order, product } = await onlineOrder(quantity, 10)
    const { razorpayOrderId } = await startRazorpayPayment(user.id, order.id)
    const payment = fake.pay(razorpayOrderId)
    await confirmRazorpayPayment(user.id, { orderId: order.id, ...fake.checkoutResponse(razorpayOrderId, payment.id) })
    return { user, order, product, payment }
  }

  it('cancelling a paid order refunds the order total once, however often the job runs', async () => {
    const { user, order, product, payment } = await paidOrder(2)
    expect(await stockOf(product.id)).toBe(8)
    const cancelled = await cancelByCustomer(user.id, order.id, { reason: 'ordered the wrong size' })
    // Cancelled and restocked at once; the refund follows after the commit.
    expect(cancelled).toMatchObject({ status: 'cancelled', isPaid: true, payment: { status: 'refund_pending', providerPaymentId: payment.id } })
    expect(await stockOf(product.id)).toBe(10)
    expect(refundCalls(payment.id)).toBe(0)

    // Two runners at once (two instances), then more runs, also much later.
    await Promise.all([refundPaymentsJob.handle({}), refundPaymentsJob.handle({})])
    await refundPaymentsJob.handle({})
    await processRefunds(new Date(Date.now() + 24 * 3_600_000))
    expect((await refusal(cancelByCustomer(user.id, order.id))).code).toBe('STATE_NOT_ALLOWED')

    expect(refundCalls(payment.id)).toBe(1)
    expect(refundsOf(payment.id)).toEqual([expect.objectContaining({ amount: order.totalPrice, currency: 'INR', notes: { orderId: order.id, paymentId: expect.any(String) } })])
    expect(fake.requests.filter((r) => r.path === `/v1/payments/${payment.id}/refund`).every((r) => r.authorized)).toBe(true)
    const after = await getOrderForCustomer(user.id, order.id)
    expect(after).toMatchObject({ status: 'cancelled', payment: { status: 'refunded' } })
    expect(after?.events.at(-1)).toMatchObject({ status: 'cancelled', note: expect.stringMatching(/^Refund of ₹[\d,.]+ made to the original payment method \(Razorpay rfnd_\w+\)$/) })
    expect(after?.events.filter((e) => e.note?.startsWith('Refund of'))).toHaveLength(1)
    expect(await getRefundState(order.id)).toMatchObject({ status: 'refunded', refundId: refundsOf(payment.id)[0]!.id, attempts: 1, error: null })
  })

  it('when Razorpay fails, the order stays cancelled, the payment shows refund_failed, and the job retries after a pause', async () => {
    const { user, order, payment } = await paidOrder()
    await changeStatus(await admin(), order.id, 'cancelled', { note: 'Out of stock at the warehouse' })
    fake.failNext(502)
    await refundPaymentsJob.handle({})
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'cancelled', payment: { status: 'refund_failed' } })
    expect(await getRefundState(order.id)).toMatchObject({ status: 'refund_failed', attempts: 1, refundId: null, error: 'Razorpay could not take the refund (502): Injected failure' })
    expect(refundsOf(payment.id)).toEqual([])

    // Not again at once: the first pause is a minute.
    const calls = refundCalls(payment.id)
    await refundPaymentsJob.handle({})
    expect(refundCalls(payment.id)).toBe(calls)

    await processRefunds(new Date(Date.now() + 61_000))
    expect(refundsOf(payment.id).map((r) => r.amount)).toEqual([order.totalPrice])
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'cancelled', payment: { status: 'refunded' } })
    expect(await getRefundState(order.id)).toMatchObject({ status: 'refunded', attempts: 2, error: null })
  })

  it('an attempt whose answer was lost is not repeated: the retry finds the refund Razorpay made', async () => {
    const { user, order, payment } = await paidOrder()
    await cancelByCustomer(user.id, order.id)
    // As if the first attempt reached Razorpay but timed out on its way back.
    const made = await rawRefund(payment.id, order.totalPrice)
    await getDb().payment.updateMany({
      where: { orderId: order.id },
      data: { status: 'refund_failed', refundAttempts: 1, refundAttemptedAt: new Date(Date.now() - 2 * 60_000), refundError: 'Razorpay could not be reached' },
    })
    await refundPaymentsJob.handle({})
    expect(refundsOf(payment.id).map((r) => r.id)).toEqual([made.id])
    expect(await getRefundState(order.id)).toMatchObject({ status: 'refunded', refundId: made.id, error: null })
  })

  it('a refused refund is retried a bounded number of times, then left to staff', async () => {
    const { user, order, payment } = await paidOrder()
    await cancelByCustomer(user.id, order.id)
    // Someone refunded it in Razorpay's dashboard and then a refund failed for good: Razorpay
    // refuses a second full refund, and so does every retry.
    await getDb().payment.updateMany({ where: { orderId: order.id }, data: { refundAttempts: 7, refundAttemptedAt: new Date(Date.now() - 2 * 3_600_000) } })
    fake.failNext(400)
    await refundPaymentsJob.handle({})
    expect(await getRefundState(order.id)).toMatchObject({ status: 'refund_failed', attempts: 8, maxAttempts: 8, error: 'Razorpay refused the refund (400): Injected failure' })
    // That was the last attempt: Razorpay is not asked again, however much later.
    const asked = () => fake.requests.filter((r) => r.path.startsWith(`/v1/payments/${payment.id}/refund`)).length
    const before = asked()
    await processRefunds(new Date(Date.now() + 24 * 3_600_000))
    expect(asked()).toBe(before)
    expect(await getRefundState(order.id)).toMatchObject({ status: 'refund_failed', attempts: 8 })
    expect(refundsOf(payment.id)).toEqual([])
  })

  it('a paid order that is returned is refunded too; a payment recorded by hand is not refunded through Razorpay', async () => {
    const { user, order, payment } = await paidOrder()
    const staff = await admin()
    await changeStatus(staff, order.id, 'shipped')
    await changeStatus(staff, order.id, 'delivered')
    await changeStatus(staff, order.id, 'returned', { note: 'Parcel came back' })
    await refundPaymentsJob.handle({})
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ status: 'returned', payment: { status: 'refunded' } })
    expect(refundsOf(payment.id).map((r) => r.amount)).toEqual([order.totalPrice])

    const byHand = await onlineOrder()
    await markPaid(byHand.order.id, { actorId: staff.id, note: 'Paid by bank transfer' })
    await changeStatus(staff, byHand.order.id, 'cancelled')
    expect((await getOrderForCustomer(byHand.user.id, byHand.order.id))?.payment?.status).toBe('captured')
    expect(await getRefundState(byHand.order.id)).toBeNull()
  })
})

describe('giving up on paying online', () => {
  it('cancels the order, releases its stock and puts its items back in the cart', async () => {
    const { user, order, product } = await onlineOrder(2, 5)
    expect(await stockOf(product.id)).toBe(3)
    const { order: cancelled, restoredLines } = await abandonRazorpayPayment(user.id, order.id)
    expect(cancelled.status).toBe('cancelled')
    expect(restoredLines).toBe(1)
    expect(await stockOf(product.id)).toBe(5)
    const cart = await getCart({ userId: user.id })
    expect(cart.lines.map((l) => [l.productId, l.size, l.quantity])).toEqual([[product.id, 'M', 2]])
    expect((await refusal(abandonRazorpayPayment(user.id, order.id))).code).toBe('STATE_NOT_ALLOWED')
    expect((await refusal(abandonRazorpayPayment((await createUser()).id, order.id))).code).toBe('NOT_FOUND')
  })
})

describe('with Razorpay not configured', () => {
  it('refuses online payment clearly and leaves cash on delivery alone', async () => {
    const { user, order } = await onlineOrder()
    const rt = getRuntime()
    rt.env = { ...env, RAZORPAY_KEY_ID: undefined, RAZORPAY_KEY_SECRET: undefined }
    try {
      expect(razorpayEnabled()).toBe(false)
      const chosen = (() => {
        try {
          assertPaymentMethodAvailable('razorpay')
          return null
        } catch (err) {
          return err
        }
      })()
      expect(chosen).toBeInstanceOf(DomainError)
      expect((chosen as DomainError).code).toBe('VALIDATION')
      expect((chosen as DomainError).message).toBe('Online payment is not available; choose cash on delivery.')
      expect(() => assertPaymentMethodAvailable('cod')).not.toThrow()

      const start = await refusal(startRazorpayPayment(user.id, order.id))
      expect(start.code).toBe('VALIDATION')
      expect(start.message).toMatch(/Online payment is not available; choose cash on delivery/)
      const confirm = await refusal(confirmRazorpayPayment(user.id, { orderId: order.id, razorpay_order_id: 'order_X', razorpay_payment_id: 'pay_X', razorpay_signature: '0'.repeat(64) }))
      expect(confirm.code).toBe('VALIDATION')
      expect(await reconcileRazorpayPayments(0)).toBe(0)
      expect(await processRefunds()).toEqual({ refunded: 0, failed: 0 })
    } finally {
      rt.env = env
    }
  })
})
