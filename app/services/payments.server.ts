/**
 * Online payment with Razorpay: a Razorpay order per store order (created once), the
 * Checkout response verified by its signature, and signed, idempotent webhooks. Marking
 * an order paid goes through the orders service (markPaid, itself idempotent).
 *
 * Webhook deliveries are deduplicated by event id in `webhook_events`. The row is written
 * only once an event has been applied: a delivery that fails half-way is not recorded, so
 * Razorpay's retry applies it again, and applying one twice is harmless. A failed attempt
 * (payment.failed) is recorded in the same transaction as its event row.
 *
 * Refunds: a paid online order that is cancelled or returned has its payment marked
 * refund_pending in the same transaction (orders service); the refund-payments job then asks
 * Razorpay for the refund, at most once per payment, and retries failures with growing pauses.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { DomainError } from '#app/domain/errors.ts'
import { formatMoney } from '#app/domain/money.ts'
import type { OrderView, PaymentMethod } from '#app/domain/order.ts'
import { ONLINE_PAYMENT_UNAVAILABLE, RazorpayVerifySchema, type RazorpayCheckoutData, type RazorpayVerifyInput } from '#app/domain/payment.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { getRazorpayClient, razorpayEnabled, verifyPaymentSignature, verifyWebhookSignature, type RazorpayClient, type RazorpayRefund } from '#app/utils/razorpay.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { addToCart } from './cart.server.ts'
import { getAuthUser } from './identity.server.ts'
import { cancelByCustomer, getOrder, getOrderForCustomer, markPaid, type OrderWriteContext } from './orders.server.ts'

export { razorpayEnabled }

function unavailable(): DomainError {
  return new DomainError('VALIDATION', `${ONLINE_PAYMENT_UNAVAILABLE}.`, { fields: { paymentMethod: `${ONLINE_PAYMENT_UNAVAILABLE}.` } })
}

/** For callers of placeOrder (checkout page, orders API): refuses Razorpay when it is not configured. */
export function assertPaymentMethodAvailable(method: PaymentMethod): void {
  if (method === 'razorpay' && !razorpayEnabled()) throw unavailable()
}

function requireClient(): RazorpayClient {
  const client = getRazorpayClient()
  if (!client) throw unavailable()
  return client
}

/** Only an online-payment order still awaiting its payment can be paid. */
function assertPayable(order: OrderView): void {
  if (order.paymentMethod !== 'razorpay') throw new DomainError('VALIDATION', 'This order is paid by cash on delivery; there is nothing to pay online.')
  if (order.isPaid) throw new DomainError('STATE_NOT_ALLOWED', 'This order is already paid.')
  if (order.status !== 'pending_payment') {
    throw new DomainError('STATE_NOT_ALLOWED', `This order is ${order.status === 'cancelled' ? 'cancelled' : 'no longer awaiting payment'}; it cannot be paid online. Please place a new order.`)
  }
}

const LOCK_TTL_MS = 15_000
const LOCK_WAIT_MS = 12_000

/**
 * What the shopper's Checkout needs to pay `orderId` (their own order, awaiting payment).
 * The Razorpay order is created on the first call and reused afterwards, so reloading the
 * payment page or retrying after a failed attempt pays the same Razorpay order.
 */
export async function startRazorpayPayment(userId: string, orderId: string): Promise<RazorpayCheckoutData> {
  const client = requireClient()
  const order = await getOrderForCustomer(userId, orderId)
  if (!order) throw new DomainError('NOT_FOUND', 'Order not found.')
  assertPayable(order)
  const db = getDb()
  const payment = await db.payment.findFirst({
    where: { orderId: order.id, method: 'razorpay' },
    orderBy: { createdAt: 'desc' },
    select: { id: true, providerOrderId: true, amount: true, currency: true },
  })
  if (!payment) throw new DomainError('STATE_NOT_ALLOWED', 'This order has no online payment to make.')
  const razorpayOrderId = payment.providerOrderId ?? (await createProviderOrder(client, order, payment))
  const env = getRuntime().env
  const user = await getAuthUser(userId)
  const name = order.shippingAddress.name || user?.name
  const contact = order.shippingAddress.phone || user?.phone
  return {
    keyId: env.RAZORPAY_KEY_ID!,
    razorpayOrderId,
    amount: payment.amount,
    currency: payment.currency,
    orderId: order.id,
    orderNumber: order.number,
    name: env.SHOP_NAME,
    description: `Order #${order.number}`,
    prefill: { ...(name ? { name } : {}), ...(user?.email ? { email: user.email } : {}), ...(contact ? { contact } : {}) },
  }
}

/**
 * Checkout data for an order just placed (the orders API answers with it, so an app can open
 * Checkout at once); null when the order is not awaiting an online payment or Razorpay cannot
 * be reached right now (the client then asks POST /api/v1/payments/razorpay/order).
 */
export async function razorpayCheckoutFor(userId: string, order: OrderView): Promise<RazorpayCheckoutData | null> {
  if (order.paymentMethod !== 'razorpay' || order.status !== 'pending_payment' || order.isPaid || !razorpayEnabled()) return null
  try {
    return await startRazorpayPayment(userId, order.id)
  } catch (err) {
    if (err instanceof DomainError) return null
    throw err
  }
}

/** Creates the Razorpay order once per payment row, even when two tabs ask at the same moment. */
async function createProviderOrder(client: RazorpayClient, order: OrderView, payment: { id: string; amount: number; currency: string }): Promise<string> {
  const db = getDb()
  const { lock } = getRuntime()
  const key = `razorpay-order:${payment.id}`
  // Without the lock (a Redis error; while Redis is down it is only this instance's) the
  // conditional update below still keeps one id; at worst an unused Razorpay order is left
  // behind, which Razorpay lets lapse on its own.
  const token = await lock.acquire(key, { ttlMs: LOCK_TTL_MS, waitMs: LOCK_WAIT_MS }).catch(() => null)
  try {
    const again = await db.payment.findUnique({ where: { id: payment.id }, select: { providerOrderId: true } })
    if (again?.providerOrderId) return again.providerOrderId
    const created = await client.createOrder({
      amount: payment.amount,
      currency: payment.currency,
      receipt: `order-${order.number}`,
      notes: { orderId: order.id, orderNumber: String(order.number) },
    })
    if (typeof created.id !== 'string' || !/^order_\w+$/.test(created.id) || created.amount !== payment.amount) {
      getLogger().error('razorpay returned an unexpected order', { orderId: order.id, amount: created.amount })
      throw new DomainError('UNAVAILABLE', 'Online payment is temporarily unavailable. Please try again later, or choose cash on delivery.')
    }
    const { count } = await db.payment.updateMany({ where: { id: payment.id, providerOrderId: null }, data: { providerOrderId: created.id } })
    if (count === 0) {
      const winner = await db.payment.findUnique({ where: { id: payment.id }, select: { providerOrderId: true } })
      if (winner?.providerOrderId) return winner.providerOrderId
    }
    getLogger().info('razorpay order created', { orderId: order.id, razorpayOrderId: created.id, amount: created.amount })
    return created.id
  } finally {
    if (token) await lock.release(key, token).catch(() => false)
  }
}

/** Marks the order paid; a concurrent confirmation (webhook vs. browser) is fine, a cancelled order is not. */
async function recordCapture(orderId: string, providerPaymentId: string, source: 'checkout' | 'webhook' | 'reconciliation', ctx: OrderWriteContext = {}): Promise<OrderView> {
  try {
    return await markPaid(orderId, { actorId: null, providerPaymentId, note: 'Payment received (Razorpay)', requestId: ctx.requestId })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    const now = await getOrder(orderId)
    if (now?.isPaid) return now
    if (now && (now.status === 'cancelled' || now.status === 'returned')) {
      await refundLatePayment(orderId, providerPaymentId, now.status, source)
      const minutes = getRuntime().env.PAYMENT_TIMEOUT_MINUTES
      throw new DomainError(
        'STATE_NOT_ALLOWED',
        `This order was cancelled before the payment reached us (unpaid orders are released after ${minutes} minutes). Your payment will be refunded; please place the order again.`,
      )
    }
    throw err
  }
}

/**
 * A payment captured for an order that was cancelled before it arrived: the order stays
 * cancelled and the payment is queued for a refund like any other (once: a repeated report
 * of the same payment finds it already queued). Anything else is left to staff, logged.
 */
async function refundLatePayment(orderId: string, providerPaymentId: string, status: string, source: string): Promise<void> {
  const log = getLogger()
  const { count } = await getDb().payment.updateMany({
    where: { orderId, method: 'razorpay', providerPaymentId: null, status: { in: ['created', 'authorized', 'failed'] } },
    data: { status: 'refund_pending', providerPaymentId },
  })
  if (count) {
    log.warn('razorpay payment received for an order no longer open: refund queued', { orderId, providerPaymentId, status, source })
    return
  }
  const queued = await getDb().payment.findFirst({ where: { orderId, providerPaymentId }, select: { id: true } })
  if (!queued) log.error('razorpay payment received for an order no longer open: refund it by hand', { orderId, providerPaymentId, status, source })
}

/**
 * Checkout's success response for the shopper's order: the signature must be Razorpay's for
 * this Razorpay order and payment, and the Razorpay order must be this order's. Then the
 * order is paid (processing). Repeating it returns the paid order unchanged.
 */
export async function confirmRazorpayPayment(userId: string, input: RazorpayVerifyInput, ctx: OrderWriteContext = {}): Promise<OrderView> {
  requireClient()
  const parsed = RazorpayVerifySchema.safeParse(input)
  if (!parsed.success) throw new DomainError('VALIDATION', 'The payment details are incomplete or malformed.')
  const { orderId, razorpay_order_id: rzpOrderId, razorpay_payment_id: rzpPaymentId, razorpay_signature: signature } = parsed.data
  const order = await getOrderForCustomer(userId, orderId)
  if (!order) throw new DomainError('NOT_FOUND', 'Order not found.')
  const log = getLogger()
  if (!verifyPaymentSignature(rzpOrderId, rzpPaymentId, signature, getRuntime().env.RAZORPAY_KEY_SECRET!)) {
    log.warn('razorpay payment signature refused', { orderId, userId, razorpayOrderId: rzpOrderId, razorpayPaymentId: rzpPaymentId, requestId: ctx.requestId ?? undefined })
    throw new DomainError('VALIDATION', 'We could not verify this payment with Razorpay, so the order is still awaiting payment. If money left your account, contact us with your order number.')
  }
  const owner = await getDb().payment.findUnique({ where: { providerOrderId: rzpOrderId }, select: { orderId: true } })
  if (owner?.orderId !== order.id) {
    log.warn('razorpay payment for another order refused', { orderId, userId, razorpayOrderId: rzpOrderId, requestId: ctx.requestId ?? undefined })
    throw new DomainError('VALIDATION', 'This payment does not belong to this order.')
  }
  if (order.isPaid) return order
  const paid = await recordCapture(order.id, rzpPaymentId, 'checkout', ctx)
  log.info('razorpay payment confirmed', { orderId, razorpayPaymentId: rzpPaymentId, source: 'checkout', requestId: ctx.requestId ?? undefined })
  return (await getOrderForCustomer(userId, paid.id)) ?? paid
}

/**
 * The shopper gives up paying online (no JavaScript, no card at hand): the order is cancelled,
 * its stock released, and its pieces go back into their cart to check out again with cash on
 * delivery. Returns the cancelled order and how many lines went back into the cart.
 */
export async function abandonRazorpayPayment(userId: string, orderId: string, ctx: OrderWriteContext = {}): Promise<{ order: OrderView; restoredLines: number }> {
  const current = await getOrderForCustomer(userId, orderId)
  if (!current) throw new DomainError('NOT_FOUND', 'Order not found.')
  if (current.paymentMethod !== 'razorpay' || current.status !== 'pending_payment') {
    throw new DomainError('STATE_NOT_ALLOWED', 'This order is no longer awaiting an online payment; see its page for what you can do.')
  }
  const order = await cancelByCustomer(userId, orderId, { reason: 'online payment not completed', requestId: ctx.requestId })
  let restoredLines = 0
  for (const item of order.items) {
    try {
      await addToCart({ userId }, { productId: item.productId, size: item.size, quantity: item.quantity })
      restoredLines++
    } catch (err) {
      // Sold out meanwhile, no longer sold, or the cart already holds the most allowed: skip that line.
      if (!(err instanceof DomainError)) throw err
    }
  }
  return { order, restoredLines }
}

// ───────────────────────────── webhooks ─────────────────────────────

const EntityPayment = z.object({
  id: z.string(),
  order_id: z.string().nullish(),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
  status: z.string().optional(),
  error_code: z.string().nullish(),
  error_reason: z.string().nullish(),
})
const EntityOrder = z.object({
  id: z.string(),
  amount: z.number().int().optional(),
  amount_paid: z.number().int().optional(),
  currency: z.string().optional(),
  status: z.string().optional(),
})
const WebhookSchema = z.object({
  id: z.string().optional(),
  event: z.string().min(1),
  created_at: z.number().optional(),
  payload: z
    .object({
      payment: z.object({ entity: EntityPayment }).optional(),
      order: z.object({ entity: EntityOrder }).optional(),
    })
    .default({}),
})

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored'

/**
 * A Razorpay webhook delivery: the signature (of the raw body) is checked first; a repeated
 * event id is a no-op. payment.captured and order.paid mark the order paid, payment.failed
 * records the failed attempt (the order stays awaiting payment until it expires), others
 * are acknowledged and ignored.
 */
export async function handleRazorpayWebhook(
  rawBody: string | Uint8Array,
  signatureHeader: string | null | undefined,
  eventIdHeader?: string | null,
): Promise<{ outcome: WebhookOutcome; event: string; eventId: string }> {
  const secret = getRuntime().env.RAZORPAY_WEBHOOK_SECRET
  const log = getLogger()
  if (!secret) {
    log.warn('razorpay webhook received but RAZORPAY_WEBHOOK_SECRET is not set')
    throw new DomainError('UNAVAILABLE', 'Razorpay webhooks are not configured on this store.')
  }
  if (!verifyWebhookSignature(rawBody, signatureHeader, secret)) {
    log.warn('razorpay webhook refused: bad or missing signature', { hasSignature: Boolean(signatureHeader) })
    throw new DomainError('VALIDATION', 'The webhook signature is invalid.')
  }
  let json: unknown
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8'))
  } catch {
    throw new DomainError('VALIDATION', 'The webhook body is not JSON.')
  }
  const parsed = WebhookSchema.safeParse(json)
  if (!parsed.success) throw new DomainError('VALIDATION', 'The webhook body is not a Razorpay event.')
  const body = parsed.data
  const payment = body.payload.payment?.entity
  const rzpOrder = body.payload.order?.entity
  const eventId = webhookEventId(eventIdHeader, body, rawBody)
  const db = getDb()

  if (await db.webhookEvent.findUnique({ where: { id: eventId }, select: { id: true } })) {
    log.info('razorpay webhook duplicate', { eventId, event: body.event })
    return { outcome: 'duplicate', event: body.event, eventId }
  }

  let outcome: WebhookOutcome
  if (body.event === 'payment.failed' && payment?.order_id) {
    // The failed attempt and the event row in one transaction: either both or neither.
    const failedOrderId = payment.order_id
    const inserted = await db.$transaction(async (tx) => {
      const n = await tx.$executeRaw`INSERT INTO webhook_events (id, provider, type) VALUES (${eventId}, 'razorpay', ${body.event}) ON CONFLICT (id) DO NOTHING`
      if (n === 0) return false
      await tx.payment.updateMany({ where: { providerOrderId: failedOrderId, status: { in: ['created', 'authorized'] }, order: { isPaid: false } }, data: { status: 'failed' } })
      return true
    })
    if (!inserted) return { outcome: 'duplicate', event: body.event, eventId }
    log.info('razorpay payment failed', { eventId, razorpayOrderId: failedOrderId, razorpayPaymentId: payment.id, reason: payment.error_reason ?? payment.error_code ?? undefined })
    return { outcome: 'processed', event: body.event, eventId }
  }

  if ((body.event === 'payment.captured' || body.event === 'order.paid') && payment && (payment.order_id || rzpOrder?.id)) {
    outcome = await applyCapture({
      providerOrderId: (payment.order_id ?? rzpOrder?.id)!,
      providerPaymentId: payment.id,
      amount: payment.amount ?? rzpOrder?.amount_paid,
      currency: payment.currency ?? rzpOrder?.currency,
      eventId,
    })
  } else {
    outcome = 'ignored'
  }

  const recorded = await db.$executeRaw`INSERT INTO webhook_events (id, provider, type) VALUES (${eventId}, 'razorpay', ${body.event}) ON CONFLICT (id) DO NOTHING`
  if (recorded === 0) outcome = 'duplicate'
  log.info('razorpay webhook handled', { eventId, event: body.event, outcome })
  return { outcome, event: body.event, eventId }
}

/** Razorpay's `X-Razorpay-Event-Id`, else the payload's id, else one derived from what the event is about. */
function webhookEventId(header: string | null | undefined, body: z.infer<typeof WebhookSchema>, rawBody: string | Uint8Array): string {
  const given = header?.trim() || body.id?.trim()
  if (given) return given.slice(0, 200)
  const subject = body.payload.payment?.entity.id ?? body.payload.order?.entity.id ?? createHash('sha256').update(rawBody).digest('hex')
  return `${body.event}:${subject}`.slice(0, 200)
}

async function applyCapture(p: { providerOrderId: string; providerPaymentId: string; amount?: number; currency?: string; eventId: string }): Promise<WebhookOutcome> {
  const log = getLogger()
  const row = await getDb().payment.findUnique({ where: { providerOrderId: p.providerOrderId }, select: { orderId: true, amount: true, currency: true } })
  if (!row) {
    log.info('razorpay webhook for an order this store does not know', { eventId: p.eventId, razorpayOrderId: p.providerOrderId })
    return 'ignored'
  }
  if ((p.amount !== undefined && p.amount < row.amount) || (p.currency !== undefined && p.currency !== row.currency)) {
    log.error('razorpay payment does not cover the order; not marked paid', { eventId: p.eventId, orderId: row.orderId, expected: row.amount, got: p.amount, currency: p.currency })
    return 'ignored'
  }
  try {
    await recordCapture(row.orderId, p.providerPaymentId, 'webhook')
  } catch (err) {
    // A cancelled order cannot take the payment (logged for a refund); retrying would not help.
    if (err instanceof DomainError && err.code === 'STATE_NOT_ALLOWED') return 'ignored'
    throw err
  }
  return 'processed'
}

// ───────────────────────────── reconciliation ─────────────────────────────

/**
 * Before unpaid orders expire: asks Razorpay whether any of them was in fact paid (the
 * shopper closed the tab and the webhook never came) and records those payments. Stops at
 * the first unreachable call; expiry goes ahead regardless. Returns how many were paid.
 */
export async function reconcileRazorpayPayments(olderThanMs: number, now = new Date(), limit = 50): Promise<number> {
  const client = getRazorpayClient()
  if (!client) return 0
  const rows = await getDb().payment.findMany({
    where: {
      method: 'razorpay',
      providerOrderId: { not: null },
      status: { in: ['created', 'authorized', 'failed'] },
      order: { status: 'pending_payment', isPaid: false, createdAt: { lt: new Date(now.getTime() - olderThanMs) } },
    },
    select: { orderId: true, providerOrderId: true, amount: true },
    orderBy: { createdAt: 'asc' },
    take: limit,
  })
  let paid = 0
  for (const row of rows) {
    let attempts
    try {
      attempts = await client.fetchOrderPayments(row.providerOrderId!)
    } catch (err) {
      if (err instanceof DomainError) {
        getLogger().warn('razorpay reconciliation stopped', { orderId: row.orderId, error: err.message })
        break
      }
      throw err
    }
    const captured = attempts.find((a) => a.status === 'captured' && a.amount >= row.amount)
    if (!captured) continue
    try {
      await recordCapture(row.orderId, captured.id, 'reconciliation')
      paid++
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
    }
  }
  return paid
}

// ───────────────────────────── refunds ─────────────────────────────

/** Refund attempts per payment; after the last one the payment stays refund_failed for staff (logged). */
export const MAX_REFUND_ATTEMPTS = 8

/**
 * A payment due for a refund attempt: waiting for its first (refund_pending), or failed and
 * rested since its last attempt for 1, 2, 4 … up to 60 minutes. The same condition is the
 * claim: the attempt time it sets keeps every other runner off the payment meanwhile.
 */
const dueForRefund = (now: Date) => Prisma.sql`
  method = 'razorpay' AND status IN ('refund_pending', 'refund_failed') AND refund_attempts < ${MAX_REFUND_ATTEMPTS}
  AND (refund_attempted_at IS NULL
       OR refund_attempted_at <= ${now}::timestamptz - make_interval(mins => LEAST(power(2, GREATEST(refund_attempts - 1, 0)), 60)::int))`

interface RefundClaim {
  id: string
  orderId: string
  amount: number
  currency: string
  providerPaymentId: string | null
  attempts: number
}

/** Takes the next payment due for a refund attempt (none left: null), skipping any another runner holds. */
async function claimRefund(now: Date): Promise<RefundClaim | null> {
  const [row] = await getDb().$queryRaw<RefundClaim[]>`
    UPDATE payments
       SET refund_attempted_at = ${now}::timestamptz, refund_attempts = refund_attempts + 1, updated_at = now()
     WHERE id = (SELECT id FROM payments WHERE ${dueForRefund(now)} ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id::text, order_id::text AS "orderId", amount, currency::text AS currency, provider_payment_id AS "providerPaymentId", refund_attempts AS attempts`
  return row ?? null
}

/** Staff-readable reason of a failed refund attempt (Razorpay's own description when it gave one). */
function refundFailure(err: DomainError): string {
  const d = err.details ?? {}
  if (typeof d.status !== 'number') return 'Razorpay could not be reached'
  const reason = typeof d.description === 'string' ? `: ${d.description}` : ''
  return d.status >= 500 || d.status === 429 ? `Razorpay could not take the refund (${d.status})${reason}` : `Razorpay refused the refund (${d.status})${reason}`
}

/** One refund attempt of a claimed payment: refunded, or refund_failed with the reason. Never throws for Razorpay's answers. */
async function attemptRefund(client: RazorpayClient, claim: RefundClaim): Promise<'refunded' | 'failed'> {
  const db = getDb()
  const log = getLogger()
  // Only a refund still outstanding is settled (a second runner never overwrites the first's result).
  const settled: Prisma.PaymentWhereInput = { id: claim.id, status: { in: ['refund_pending', 'refund_failed'] } }
  let refund: RazorpayRefund | undefined
  let error: string | null = null
  if (!claim.providerPaymentId) {
    error = 'No Razorpay payment id is recorded for this payment; refund it in the Razorpay dashboard.'
  } else {
    try {
      // An earlier attempt may have reached Razorpay without its answer reaching us (a timeout,
      // a crash): look before asking again, so the money goes back once.
      if (claim.attempts > 1) refund = (await client.fetchRefunds(claim.providerPaymentId)).find((r) => r.status !== 'failed')
      refund ??= await client.refund(claim.providerPaymentId, claim.amount, { orderId: claim.orderId, paymentId: claim.id })
      if (refund.status === 'failed') error = `Razorpay could not make refund ${refund.id}`
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      error = refundFailure(err)
    }
  }
  if (error || !refund) {
    const final = claim.attempts >= MAX_REFUND_ATTEMPTS
    await db.payment.updateMany({ where: settled, data: { status: 'refund_failed', refundError: error } })
    log.error(final ? 'refund failed for the last time: refund it by hand' : 'refund failed; it will be retried', {
      orderId: claim.orderId,
      paymentId: claim.id,
      attempt: claim.attempts,
      error,
    })
    return 'failed'
  }
  const made = refund
  await db.$transaction(async (tx) => {
    const { count } = await tx.payment.updateMany({ where: settled, data: { status: 'refunded', refundId: made.id, refundError: null } })
    if (!count) return
    const order = await tx.order.findUnique({ where: { id: claim.orderId }, select: { status: true } })
    if (!order) return
    const amount = formatMoney(made.amount, claim.currency, getRuntime().env.LOCALE)
    await tx.orderEvent.create({
      data: { orderId: claim.orderId, status: order.status, actorId: null, note: `Refund of ${amount} made to the original payment method (Razorpay ${made.id})` },
      select: { id: true },
    })
  })
  log.info('refund made', { orderId: claim.orderId, paymentId: claim.id, refundId: made.id, amount: made.amount, attempt: claim.attempts })
  return 'refunded'
}

/**
 * Refunds the online payments of cancelled and returned orders and retries failed refunds whose
 * pause has passed (the refund-payments job, every minute). Safe to run twice at once: each
 * payment is claimed by one runner per attempt. Without Razorpay keys nothing is attempted.
 */
export async function processRefunds(now = new Date(), limit = 20): Promise<{ refunded: number; failed: number }> {
  const result = { refunded: 0, failed: 0 }
  const client = getRazorpayClient()
  if (!client) return result
  for (let i = 0; i < limit; i++) {
    const claim = await claimRefund(now)
    if (!claim) break
    result[await attemptRefund(client, claim)]++
  }
  return result
}

export interface RefundState {
  status: 'refund_pending' | 'refunded' | 'refund_failed'
  refundId: string | null
  attempts: number
  maxAttempts: number
  lastAttemptAt: string | null
  error: string | null
}

/** Where the refund of an order's online payment stands (staff views); null when there is none. */
export async function getRefundState(orderId: string): Promise<RefundState | null> {
  const row = await getDb().payment.findFirst({
    where: { orderId, status: { in: ['refund_pending', 'refunded', 'refund_failed'] } },
    orderBy: { createdAt: 'desc' },
    select: { status: true, refundId: true, refundAttempts: true, refundAttemptedAt: true, refundError: true },
  })
  if (!row) return null
  return {
    status: row.status as RefundState['status'],
    refundId: row.refundId,
    attempts: row.refundAttempts,
    maxAttempts: MAX_REFUND_ATTEMPTS,
    lastAttemptAt: row.refundAttemptedAt?.toISOString() ?? null,
    error: row.refundError,
  }
}
