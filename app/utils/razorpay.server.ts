/**
 * Razorpay's REST API over fetch (orders, payments, refunds) and its two signatures: the Checkout
 * response (`order_id|payment_id`, keyed with the key secret) and webhooks (the raw body,
 * keyed with the webhook secret). Every call has a timeout; failures become DomainError
 * UNAVAILABLE. Keys, secrets and signatures are never logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { DomainError } from '#app/domain/errors.ts'
import type { Env } from './env.server.ts'
import { getLogger } from './logger.server.ts'
import { getRuntime } from './runtime.server.ts'

type RazorpayEnv = Pick<Env, 'RAZORPAY_KEY_ID' | 'RAZORPAY_KEY_SECRET' | 'RAZORPAY_WEBHOOK_SECRET' | 'RAZORPAY_API_BASE'>

/** Online payment is offered only with both API keys. */
export function razorpayEnabled(env: RazorpayEnv = getRuntime().env): boolean {
  return Boolean(env.RAZORPAY_KEY_ID && env.RAZORPAY_KEY_SECRET)
}

export interface RazorpayOrder {
  id: string
  amount: number
  currency: string
  receipt: string | null
  status: string
}

export interface RazorpayPayment {
  id: string
  order_id: string | null
  amount: number
  currency: string
  /** created, authorized, captured, refunded, failed */
  status: string
  error_code?: string | null
  error_description?: string | null
}

export interface RazorpayRefund {
  id: string
  payment_id: string
  amount: number
  currency: string
  /** pending (Razorpay is processing it), processed, failed */
  status: string
  notes?: Record<string, string> | unknown[]
}

export interface CreateOrderInput {
  /** minor units (paise) */
  amount: number
  currency: string
  /** our reference, at most 40 characters */
  receipt: string
  notes?: Record<string, string>
}

export interface RazorpayClientOptions {
  keyId: string
  keySecret: string
  /** origin of the API, e.g. https://api.razorpay.com */
  apiBase: string
  timeoutMs?: number
  fetch?: typeof fetch
}

const UNREACHABLE = 'Online payment is temporarily unavailable: Razorpay could not be reached. Please try again in a moment, or choose cash on delivery.'
const REFUSED = 'Online payment is temporarily unavailable: Razorpay did not accept the request. Please try again later, or choose cash on delivery.'

/** A thin client over the few endpoints the store uses. */
export class RazorpayClient {
  constructor(private readonly opts: RazorpayClientOptions) {}

  /** POST /v1/orders: a Razorpay order the shopper's Checkout pays. */
  async createOrder(input: CreateOrderInput): Promise<RazorpayOrder> {
    return this.call<RazorpayOrder>('POST', '/v1/orders', { amount: input.amount, currency: input.currency, receipt: input.receipt, notes: input.notes ?? {} })
  }

  /** GET /v1/payments/:id */
  async fetchPayment(paymentId: string): Promise<RazorpayPayment> {
    return this.call<RazorpayPayment>('GET', `/v1/payments/${encodeURIComponent(paymentId)}`)
  }

  /** GET /v1/orders/:id/payments: every attempt to pay one order. */
  async fetchOrderPayments(orderId: string): Promise<RazorpayPayment[]> {
    const res = await this.call<{ items?: RazorpayPayment[] }>('GET', `/v1/orders/${encodeURIComponent(orderId)}/payments`)
    return Array.isArray(res.items) ? res.items : []
  }

  /**
   * POST /v1/payments/:id/refund: gives `amount` (paise) of a captured payment back to the
   * payer's original method. Razorpay answers with the refund (`rfnd_…`) at once.
   */
  async refund(paymentId: string, amount: number, notes: Record<string, string> = {}): Promise<RazorpayRefund> {
    return this.call<RazorpayRefund>('POST', `/v1/payments/${encodeURIComponent(paymentId)}/refund`, { amount, notes })
  }

  /** GET /v1/payments/:id/refunds: every refund made of one payment. */
  async fetchRefunds(paymentId: string): Promise<RazorpayRefund[]> {
    const res = await this.call<{ items?: RazorpayRefund[] }>('GET', `/v1/payments/${encodeURIComponent(paymentId)}/refunds`)
    return Array.isArray(res.items) ? res.items : []
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const doFetch = this.opts.fetch ?? fetch
    const url = new URL(path, this.opts.apiBase)
    const log = getLogger()
    let res: Response
    try {
      res = await doFetch(url, {
        method,
        headers: {
          Accept: 'application/json',
          Authorization: `Basic ${Buffer.from(`${this.opts.keyId}:${this.opts.keySecret}`).toString('base64')}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      })
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      log.warn('razorpay unreachable', { method, path: url.pathname, host: url.host, error: timedOut ? 'timeout' : err instanceof Error ? err.message : String(err) })
      throw new DomainError('UNAVAILABLE', UNREACHABLE)
    }
    let payload: unknown
    try {
      payload = await res.json()
    } catch {
      payload = undefined
    }
    if (!res.ok) {
      const error = (payload as { error?: { code?: unknown; description?: unknown } } | undefined)?.error
      // Razorpay's error descriptions name the problem (bad field, bad key), never a secret.
      const fields = { method, path: url.pathname, status: res.status, razorpayError: typeof error?.code === 'string' ? error.code : undefined, description: typeof error?.description === 'string' ? error.description.slice(0, 300) : undefined }
      if (res.status === 401) log.error('razorpay refused our API keys (check RAZORPAY_KEY_ID / RAZORPAY_KEY_SECRET)', fields)
      else if (res.status >= 500 || res.status === 429) log.warn('razorpay unavailable', fields)
      else log.error('razorpay refused a request', fields)
      throw new DomainError('UNAVAILABLE', res.status >= 500 || res.status === 429 ? UNREACHABLE : REFUSED, {
        status: res.status,
        ...(fields.razorpayError ? { razorpayError: fields.razorpayError } : {}),
        ...(fields.description ? { description: fields.description } : {}),
      })
    }
    if (payload === undefined || payload === null || typeof payload !== 'object') {
      log.warn('razorpay answered without JSON', { method, path: url.pathname, status: res.status })
      throw new DomainError('UNAVAILABLE', UNREACHABLE)
    }
    return payload as T
  }
}

/** The client for this process's configuration, or null when Razorpay is not configured. */
export function getRazorpayClient(env: RazorpayEnv = getRuntime().env): RazorpayClient | null {
  if (!razorpayEnabled(env)) return null
  return new RazorpayClient({ keyId: env.RAZORPAY_KEY_ID!, keySecret: env.RAZORPAY_KEY_SECRET!, apiBase: env.RAZORPAY_API_BASE })
}

function hmacHex(secret: string, data: string | Uint8Array): string {
  return createHmac('sha256', secret).update(data).digest('hex')
}

/** Constant-time comparison of a hex HMAC-SHA256 against the expected one; anything not 64 hex digits is false. */
function sameHexDigest(expectedHex: string, given: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(given)) return false
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(given, 'hex'))
}

/** Checkout's `razorpay_signature`: HMAC-SHA256 (hex) of `${razorpay_order_id}|${razorpay_payment_id}` keyed with the key secret. */
export function verifyPaymentSignature(orderId: string, paymentId: string, signature: string, keySecret: string): boolean {
  if (!keySecret || !orderId || !paymentId) return false
  return sameHexDigest(hmacHex(keySecret, `${orderId}|${paymentId}`), signature)
}

/** `X-Razorpay-Signature`: HMAC-SHA256 (hex) of the raw request body keyed with the webhook secret. */
export function verifyWebhookSignature(rawBody: string | Uint8Array, signature: string | null | undefined, webhookSecret: string): boolean {
  if (!webhookSecret || !signature) return false
  return sameHexDigest(hmacHex(webhookSecret, rawBody), signature.trim())
}
