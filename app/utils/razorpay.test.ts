// Razorpay's two signatures (Checkout response, webhook) and the REST client against a local
// fake of Razorpay's API: Basic auth, timeouts, errors mapped to UNAVAILABLE, nothing secret logged.
import { Writable } from 'node:stream'
import winston from 'winston'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { razorpayId, signCheckout, signWebhook, startFakeRazorpay, webhookBody, type FakeRazorpay } from '../../tests/mocks/razorpay.ts'
import { parseEnv } from './env.server.ts'
import { getLogger, setLogger } from './logger.server.ts'
import { getRazorpayClient, RazorpayClient, razorpayEnabled, verifyPaymentSignature, verifyWebhookSignature } from './razorpay.server.ts'

const SECRET = 'key-secret-for-tests-0123456789'

describe('verifyPaymentSignature (Checkout response)', () => {
  const orderId = 'order_IluGWxBm9U8zJ8'
  const paymentId = 'pay_IluGZbGRHMKyDY'
  const good = signCheckout(orderId, paymentId, SECRET)

  it('accepts the HMAC-SHA256 of order_id|payment_id keyed with the key secret, in either hex case', () => {
    expect(good).toMatch(/^[0-9a-f]{64}$/)
    expect(verifyPaymentSignature(orderId, paymentId, good, SECRET)).toBe(true)
    expect(verifyPaymentSignature(orderId, paymentId, good.toUpperCase(), SECRET)).toBe(true)
  })

  it('refuses a tampered payment id, order id, signature or secret', () => {
    expect(verifyPaymentSignature(orderId, 'pay_IluGZbGRHMKyDZ', good, SECRET)).toBe(false)
    expect(verifyPaymentSignature('order_IluGWxBm9U8zJ9', paymentId, good, SECRET)).toBe(false)
    const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`
    expect(verifyPaymentSignature(orderId, paymentId, flipped, SECRET)).toBe(false)
    expect(verifyPaymentSignature(orderId, paymentId, good, `${SECRET}x`)).toBe(false)
    // The two ids swapped, or joined without the bar, sign something else.
    expect(verifyPaymentSignature(paymentId, orderId, signCheckout(orderId, paymentId, SECRET), SECRET)).toBe(false)
  })

  it('refuses signatures of the wrong length or alphabet without throwing', () => {
    for (const bad of ['', good.slice(0, 63), `${good}0`, good.slice(0, 32), `${good.slice(0, 62)}zz`, ' '.repeat(64), Buffer.from(good, 'hex').toString('base64')]) {
      expect(verifyPaymentSignature(orderId, paymentId, bad, SECRET)).toBe(false)
    }
  })

  it('refuses everything when the secret or an id is empty', () => {
    expect(verifyPaymentSignature(orderId, paymentId, signCheckout(orderId, paymentId, ''), '')).toBe(false)
    expect(verifyPaymentSignature('', paymentId, signCheckout('', paymentId, SECRET), SECRET)).toBe(false)
  })
})

describe('verifyWebhookSignature', () => {
  const body = webhookBody('payment.captured', {
    id: razorpayId('pay'),
    entity: 'payment',
    amount: 10_000,
    currency: 'INR',
    status: 'captured',
    order_id: razorpayId('order'),
    method: 'upi',
    captured: true,
    amount_refunded: 0,
    refund_status: null,
    error_code: null,
    error_description: null,
    error_reason: null,
    created_at: 1,
  })
  const signature = signWebhook(body, SECRET)

  it('accepts the HMAC-SHA256 of the exact raw body, as text or bytes', () => {
    expect(verifyWebhookSignature(body, signature, SECRET)).toBe(true)
    expect(verifyWebhookSignature(new TextEncoder().encode(body), signature, SECRET)).toBe(true)
  })

  it('refuses a body changed in any byte (even re-serialised JSON), another secret, or no signature', () => {
    expect(verifyWebhookSignature(body.replace('10000', '10001'), signature, SECRET)).toBe(false)
    expect(verifyWebhookSignature(JSON.stringify(JSON.parse(body), null, 1), signature, SECRET)).toBe(false)
    expect(verifyWebhookSignature(body, signature, 'another-secret')).toBe(false)
    expect(verifyWebhookSignature(body, null, SECRET)).toBe(false)
    expect(verifyWebhookSignature(body, undefined, SECRET)).toBe(false)
    expect(verifyWebhookSignature(body, signature, '')).toBe(false)
  })

  it('refuses signatures of the wrong length', () => {
    expect(verifyWebhookSignature(body, signature.slice(1), SECRET)).toBe(false)
    expect(verifyWebhookSignature(body, `${signature}ab`, SECRET)).toBe(false)
    expect(verifyWebhookSignature(body, 'sha256=' + signature, SECRET)).toBe(false)
  })
})

describe('razorpayEnabled', () => {
  it('needs both API keys; empty values count as unset', () => {
    expect(razorpayEnabled(parseEnv({}))).toBe(false)
    expect(razorpayEnabled(parseEnv({ RAZORPAY_KEY_ID: '', RAZORPAY_KEY_SECRET: '' }))).toBe(false)
    expect(razorpayEnabled(parseEnv({ RAZORPAY_KEY_ID: 'rzp_test_x', RAZORPAY_KEY_SECRET: 's' }))).toBe(true)
    expect(getRazorpayClient(parseEnv({}))).toBeNull()
  })

  it('refuses half a key pair at start, and defaults the API origin and payment timeout', () => {
    expect(() => parseEnv({ RAZORPAY_KEY_ID: 'rzp_test_x' })).toThrow(/RAZORPAY_KEY_SECRET/)
    const env = parseEnv({})
    expect(env.RAZORPAY_API_BASE).toBe('https://api.razorpay.com')
    expect(env.PAYMENT_TIMEOUT_MINUTES).toBe(30)
    expect(() => parseEnv({ PAYMENT_TIMEOUT_MINUTES: '0' })).toThrow(/PAYMENT_TIMEOUT_MINUTES/)
    expect(() => parseEnv({ RAZORPAY_API_BASE: 'ftp://x' })).toThrow(/RAZORPAY_API_BASE/)
  })
})

describe('RazorpayClient against the fake API', () => {
  let fake: FakeRazorpay
  let lines: string[] = []
  const previous = getLogger()

  beforeAll(async () => {
    fake = await startFakeRazorpay()
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    setLogger(winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] }))
  })
  afterAll(async () => {
    setLogger(previous)
    await fake.close()
  })
  afterEach(() => {
    fake.delayMs = 0
    lines = []
  })

  const client = (over: Partial<ConstructorParameters<typeof RazorpayClient>[0]> = {}) =>
    new RazorpayClient({ keyId: fake.keyId, keySecret: fake.keySecret, apiBase: fake.url, timeoutMs: 2_000, ...over })

  async function refusal(p: Promise<unknown>): Promise<DomainError> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(DomainError)
    return err as DomainError
  }

  it('creates an order with HTTP Basic key_id:key_secret and the amount in paise', async () => {
    const order = await client().createOrder({ amount: 123_450, currency: 'INR', receipt: 'order-1042', notes: { orderNumber: '1042' } })
    expect(order.id).toMatch(/^order_[A-Za-z0-9]{14}$/)
    expect(order).toMatchObject({ amount: 123_450, currency: 'INR', receipt: 'order-1042', status: 'created' })
    expect(fake.requests.at(-1)).toEqual({ method: 'POST', path: '/v1/orders', authorized: true, body: { amount: 123_450, currency: 'INR', receipt: 'order-1042', notes: { orderNumber: '1042' } } })
  })

  it('reads payments of an order and one payment', async () => {
    const order = await client().createOrder({ amount: 50_000, currency: 'INR', receipt: 'r' })
    expect(await client().fetchOrderPayments(order.id)).toEqual([])
    const paid = fake.pay(order.id)
    expect((await client().fetchOrderPayments(order.id)).map((p) => [p.id, p.status])).toEqual([[paid.id, 'captured']])
    expect(await client().fetchPayment(paid.id)).toMatchObject({ id: paid.id, order_id: order.id, amount: 50_000 })
  })

  it('refunds a captured payment in paise and lists its refunds; a second full refund is refused with Razorpay’s reason', async () => {
    const order = await client().createOrder({ amount: 84_000, currency: 'INR', receipt: 'r' })
    const paid = fake.pay(order.id)
    expect(await client().fetchRefunds(paid.id)).toEqual([])
    const refund = await client().refund(paid.id, 84_000, { orderId: 'o-1' })
    expect(refund.id).toMatch(/^rfnd_[A-Za-z0-9]{14}$/)
    expect(refund).toMatchObject({ payment_id: paid.id, amount: 84_000, currency: 'INR', status: 'processed' })
    expect(fake.requests.at(-1)).toEqual({ method: 'POST', path: `/v1/payments/${paid.id}/refund`, authorized: true, body: { amount: 84_000, notes: { orderId: 'o-1' } } })
    expect((await client().fetchRefunds(paid.id)).map((r) => r.id)).toEqual([refund.id])

    const again = await refusal(client().refund(paid.id, 84_000))
    expect(again.code).toBe('UNAVAILABLE')
    expect(again.details).toMatchObject({ status: 400, description: 'The payment has been fully refunded already' })
    expect([...fake.refunds.values()].filter((r) => r.payment_id === paid.id)).toHaveLength(1)
  })

  it('maps refused keys, bad requests and server errors to UNAVAILABLE, logging no secret', async () => {
    const wrongKey = await refusal(client({ keySecret: 'not-the-secret' }).createOrder({ amount: 10_000, currency: 'INR', receipt: 'r' }))
    expect(wrongKey.code).toBe('UNAVAILABLE')
    expect(wrongKey.message).toMatch(/Online payment is temporarily unavailable/)
    expect(lines.join('\n')).toMatch(/refused our API keys/)

    const tooSmall = await refusal(client().createOrder({ amount: 5, currency: 'INR', receipt: 'r' }))
    expect(tooSmall.code).toBe('UNAVAILABLE')
    expect(lines.join('\n')).toMatch(/atleast INR 1.00/)

    fake.failNext(503)
    const down = await refusal(client().createOrder({ amount: 10_000, currency: 'INR', receipt: 'r' }))
    expect(down.code).toBe('UNAVAILABLE')
    expect(down.message).toMatch(/could not be reached/)

    const log = lines.join('\n')
    expect(log).not.toContain(fake.keySecret)
    expect(log).not.toContain(Buffer.from(`${fake.keyId}:${fake.keySecret}`).toString('base64'))
  })

  it('gives up after its timeout, and on an unreachable host', async () => {
    fake.delayMs = 1_000
    const started = Date.now()
    const slow = await refusal(client({ timeoutMs: 150 }).createOrder({ amount: 10_000, currency: 'INR', receipt: 'r' }))
    expect(slow.code).toBe('UNAVAILABLE')
    expect(Date.now() - started).toBeLessThan(900)
    expect(lines.join('\n')).toMatch(/timeout/)

    const nowhere = await refusal(client({ apiBase: 'http://127.0.0.1:9' }).createOrder({ amount: 10_000, currency: 'INR', receipt: 'r' }))
    expect(nowhere.code).toBe('UNAVAILABLE')
  })
})
