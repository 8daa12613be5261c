/**
 * A local fake of Razorpay's REST API (the parts the store calls: create and read orders,
 * list an order's payments, read a payment, refund a payment and list its refunds) for tests, plus what Razorpay itself would
 * produce around it: Checkout's signed success response and signed webhook deliveries.
 * It checks what Razorpay checks: HTTP Basic key id and secret, amount, currency, receipt.
 */
import { createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeRazorpayOrder {
  id: string
  entity: 'order'
  amount: number
  amount_paid: number
  amount_due: number
  currency: string
  receipt: string | null
  status: 'created' | 'attempted' | 'paid'
  attempts: number
  notes: Record<string, string>
  created_at: number
}

export interface FakeRazorpayPayment {
  id: string
  entity: 'payment'
  amount: number
  currency: string
  status: 'created' | 'authorized' | 'captured' | 'refunded' | 'failed'
  order_id: string
  method: string
  captured: boolean
  amount_refunded: number
  refund_status: 'partial' | 'full' | null
  error_code: string | null
  error_description: string | null
  error_reason: string | null
  created_at: number
}

export interface FakeRazorpayRefund {
  id: string
  entity: 'refund'
  amount: number
  currency: string
  payment_id: string
  notes: Record<string, string>
  status: 'pending' | 'processed' | 'failed'
  created_at: number
}

export interface FakeRequest {
  method: string
  path: string
  /** true when the Basic credentials were the fake's key id and secret */
  authorized: boolean
  body: unknown
}

export interface FakeRazorpay {
  url: string
  keyId: string
  keySecret: string
  webhookSecret: string
  orders: Map<string, FakeRazorpayOrder>
  payments: Map<string, FakeRazorpayPayment>
  refunds: Map<string, FakeRazorpayRefund>
  /** every request the fake received, in order */
  requests: FakeRequest[]
  /** answer the next `count` API requests with this status and Razorpay-style error */
  failNext(status: number, count?: number): void
  /** wait this long before answering (to exercise client timeouts) */
  delayMs: number
  /** a payment attempt on one of the fake's orders, as if the shopper paid in Checkout */
  pay(orderId: string, opts?: { status?: FakeRazorpayPayment['status']; amount?: number }): FakeRazorpayPayment
  /** Checkout's success response for a payment (what the browser posts back to the store) */
  checkoutResponse(orderId: string, paymentId: string): { razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string }
  /** a webhook delivery as Razorpay sends it: the raw body and its headers */
  webhook(event: string, payment: FakeRazorpayPayment, opts?: { eventId?: string | null; secret?: string }): { body: string; headers: Record<string, string> }
  close(): Promise<void>
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Razorpay-shaped id: `order_` / `pay_` / `evt_` / `rfnd_` + 14 alphanumerics. */
export function razorpayId(prefix: 'order' | 'pay' | 'evt' | 'rfnd'): string {
  const bytes = randomBytes(14)
  return `${prefix}_${[...bytes].map((b) => ALNUM[b % ALNUM.length]).join('')}`
}

/** Checkout's `razorpay_signature`: HMAC-SHA256 hex of `order_id|payment_id` with the key secret. */
export function signCheckout(orderId: string, paymentId: string, keySecret: string): string {
  return createHmac('sha256', keySecret).update(`${orderId}|${paymentId}`).digest('hex')
}

/** `X-Razorpay-Signature`: HMAC-SHA256 hex of the raw body with the webhook secret. */
export function signWebhook(rawBody: string, webhookSecret: string): string {
  return createHmac('sha256', webhookSecret).update(rawBody).digest('hex')
}

/** A webhook body as Razorpay builds it for a payment event (payment.captured, payment.failed, order.paid). */
export function webhookBody(event: string, payment: FakeRazorpayPayment, order?: FakeRazorpayOrder, accountId = 'acc_FakeAccount0001'): string {
  const payload: Record<string, unknown> = { payment: { entity: payment } }
  if (order) payload.order = { entity: order }
  return JSON.stringify({ entity: 'event', account_id: accountId, event, contains: Object.keys(payload), payload, created_at: Math.floor(Date.now() / 1000) })
}

export async function startFakeRazorpay(opts: { keyId?: string; keySecret?: string; webhookSecret?: string } = {}): Promise<FakeRazorpay> {
  const keyId = opts.keyId ?? `rzp_test_${randomBytes(7).toString('hex')}`
  const keySecret = opts.keySecret ?? randomBytes(18).toString('base64url')
  const webhookSecret = opts.webhookSecret ?? randomBytes(18).toString('base64url')
  const orders = new Map<string, FakeRazorpayOrder>()
  const payments = new Map<string, FakeRazorpayPayment>()
  const refunds = new Map<string, FakeRazorpayRefund>()
  const requests: FakeRequest[] = []
  const failures: { status: number }[] = []
  const state = { delayMs: 0 }

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
  }
  const badRequest = (res: http.ServerResponse, description: string, field?: string) =>
    send(res, 400, { error: { code: 'BAD_REQUEST_ERROR', description, source: 'business', step: 'payment_initiation', reason: 'input_validation_failed', metadata: {}, ...(field ? { field } : {}) } })

  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (d: Buffer) => (raw += d.toString()))
    req.on('end', () => {
      void (async () => {
        if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs))
        const url = new URL(req.url ?? '/', 'http://fake')
        const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
        const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : ''
        const authorized = decoded === `${keyId}:${keySecret}`
        let body: unknown = undefined
        if (raw) {
          try {
            body = JSON.parse(raw)
          } catch {
            body = raw
          }
        }
        requests.push({ method: req.method ?? '', path: url.pathname, authorized, body })
        if (res.destroyed) return
        const failure = failures.shift()
        if (failure) return send(res, failure.status, { error: { code: failure.status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST_ERROR', description: 'Injected failure', source: 'NA', step: 'NA', reason: 'NA', metadata: {} } })
        if (!authorized) return send(res, 401, { error: { code: 'BAD_REQUEST_ERROR', description: 'Authentication failed', source: 'NA', step: 'NA', reason: 'NA', metadata: {} } })

        if (req.method === 'POST' && url.pathname === '/v1/orders') {
          if (!req.headers['content-type']?.startsWith('application/json') || typeof body !== 'object' || body === null) return badRequest(res, 'The request body must be JSON.')
          const b = body as { amount?: unknown; currency?: unknown; receipt?: unknown; notes?: unknown }
          if (typeof b.amount !== 'number' || !Number.isInteger(b.amount) || b.amount < 100) return badRequest(res, 'The amount must be atleast INR 1.00', 'amount')
          if (typeof b.currency !== 'string' || !/^[A-Z]{3}$/.test(b.currency)) return badRequest(res, 'The currency field is invalid.', 'currency')
          if (b.receipt !== undefined && (typeof b.receipt !== 'string' || b.receipt.length > 40)) return badRequest(res, 'The receipt may not be greater than 40 characters.', 'receipt')
          const order: FakeRazorpayOrder = {
            id: razorpayId('order'),
            entity: 'order',
            amount: b.amount,
            amount_paid: 0,
            amount_due: b.amount,
            currency: b.currency,
            receipt: typeof b.receipt === 'string' ? b.receipt : null,
            status: 'created',
            attempts: 0,
            notes: (b.notes as Record<string, string>) ?? {},
            created_at: Math.floor(Date.now() / 1000),
          }
          orders.set(order.id, order)
          return send(res, 200, order)
        }
        let m = /^\/v1\/orders\/([^/]+)(\/payments)?$/.exec(url.pathname)
        if (req.method === 'GET' && m) {
          const order = orders.get(decodeURIComponent(m[1]!))
          if (!order) return badRequest(res, 'The id provided does not exist')
          if (!m[2]) return send(res, 200, order)
          const items = [...payments.values()].filter((p) => p.order_id === order.id)
          return send(res, 200, { entity: 'collection', count: items.length, items })
        }
        m = /^\/v1\/payments\/([^/]+)$/.exec(url.pathname)
        if (req.method === 'GET' && m) {
          const payment = payments.get(decodeURIComponent(m[1]!))
          return payment ? send(res, 200, payment) : badRequest(res, 'The id provided does not exist')
        }
        m = /^\/v1\/payments\/([^/]+)\/(refund|refunds)$/.exec(url.pathname)
        if (m) {
          const payment = payments.get(decodeURIComponent(m[1]!))
          if (!payment) return badRequest(res, 'The id provided does not exist')
          if (req.method === 'GET' && m[2] === 'refunds') {
            const items = [...refunds.values()].filter((r) => r.payment_id === payment.id)
            return send(res, 200, { entity: 'collection', count: items.length, items })
          }
          if (req.method === 'POST' && m[2] === 'refund') {
            const b = (typeof body === 'object' && body !== null ? body : {}) as { amount?: unknown; notes?: unknown }
            const left = payment.amount - payment.amount_refunded
            const amount = b.amount === undefined ? left : b.amount
            if (payment.status !== 'captured' && payment.status !== 'refunded') return badRequest(res, 'Only captured payments can be refunded')
            if (left <= 0) return badRequest(res, 'The payment has been fully refunded already')
            if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 100) return badRequest(res, 'The amount must be atleast INR 1.00', 'amount')
            if (amount > left) return badRequest(res, 'The refund amount provided is greater than amount captured', 'amount')
            const refund: FakeRazorpayRefund = {
              id: razorpayId('rfnd'),
              entity: 'refund',
              amount,
              currency: payment.currency,
              payment_id: payment.id,
              notes: (b.notes as Record<string, string>) ?? {},
              status: 'processed',
              created_at: Math.floor(Date.now() / 1000),
            }
            refunds.set(refund.id, refund)
            payment.amount_refunded += amount
            payment.refund_status = payment.amount_refunded >= payment.amount ? 'full' : 'partial'
            if (payment.refund_status === 'full') payment.status = 'refunded'
            return send(res, 200, refund)
          }
        }
        send(res, 404, { error: { code: 'BAD_REQUEST_ERROR', description: 'The requested URL was not found on the server.' } })
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    keyId,
    keySecret,
    webhookSecret,
    orders,
    payments,
    refunds,
    requests,
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push({ status })
    },
    get delayMs() {
      return state.delayMs
    },
    set delayMs(ms: number) {
      state.delayMs = ms
    },
    pay(orderId, { status = 'captured', amount } = {}) {
      const order = orders.get(orderId)
      if (!order) throw new Error(`fake razorpay: no order ${orderId}`)
      const failed = status === 'failed'
      const payment: FakeRazorpayPayment = {
        id: razorpayId('pay'),
        entity: 'payment',
        amount: amount ?? order.amount,
        currency: order.currency,
        status,
        order_id: order.id,
        method: 'upi',
        captured: status === 'captured',
        amount_refunded: 0,
        refund_status: null,
        error_code: failed ? 'BAD_REQUEST_ERROR' : null,
        error_description: failed ? 'Payment was unsuccessful as the bank declined it.' : null,
        error_reason: failed ? 'payment_failed' : null,
        created_at: Math.floor(Date.now() / 1000),
      }
      payments.set(payment.id, payment)
      order.attempts++
      order.status = 'attempted'
      if (status === 'captured') {
        order.amount_paid = payment.amount
        order.amount_due = Math.max(order.amount - payment.amount, 0)
        order.status = 'paid'
      }
      return payment
    },
    checkoutResponse(orderId, paymentId) {
      return { razorpay_order_id: orderId, razorpay_payment_id: paymentId, razorpay_signature: signCheckout(orderId, paymentId, keySecret) }
    },
    webhook(event, payment, { eventId, secret } = {}) {
      const body = webhookBody(event, payment, event.startsWith('order.') ? orders.get(payment.order_id) : undefined)
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Razorpay-Signature': signWebhook(body, secret ?? webhookSecret) }
      if (eventId !== null) headers['X-Razorpay-Event-Id'] = eventId ?? razorpayId('evt')
      return { body, headers }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
