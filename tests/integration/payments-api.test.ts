// Razorpay end to end through the real server (tsx server.ts, real PostgreSQL and Redis) with a
// local fake of Razorpay's API: the /api/v1/payments/razorpay/* routes, the orders API's
// `razorpay` field, the /checkout/payment/:orderId page with and without JavaScript, and the
// shopper's order page (only theirs; cancelling a paid order refunds it).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refundPaymentsJob } from '#app/jobs/refund-payments.server.ts'
import { processRefunds } from '#app/services/payments.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { closeRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { createProduct } from '../fixtures/shop.ts'
import { startFakeRazorpay, type FakeRazorpay } from '../mocks/razorpay.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:payments:${randomBytes(4).toString('hex')}:`
const CODE = '135790'
const JWT_SECRET = 'payments-it-jwt-secret-0123456789abcdef'

interface ApiError {
  error: { code: string; message: string }
}
interface OrderJson {
  id: string
  number: number
  status: string
  isPaid: boolean
  totalPrice: number
  payment: { status: string; providerOrderId: string | null; providerPaymentId: string | null } | null
  razorpay?: { razorpayOrderId: string; amount: number; keyId: string } | null
}

let server: RunningServer
let fake: FakeRazorpay
let productId = ''
const tokens = { a: '', b: '' }
let cookieA = ''
let cookieB = ''
let staffCookie = ''
const signatures: string[] = []
const cleanups: (() => Promise<void> | void)[] = []

const address = { name: 'Meera Iyer', line1: '4 Park Street', city: 'Kolkata', state: 'West Bengal', postalCode: '700016', phone: '9812377701' }

function api(p: string, opts: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${server.url}${p}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  })
}

function form(p: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${server.url}${p}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  })
}

const page = (p: string, cookie?: string) => fetch(`${server.url}${p}`, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} })

/** Signs in through the sign-in form (no JavaScript): the browser session cookie, and a bearer token for the same user. */
async function signIn(phone: string): Promise<{ cookie: string; token: string }> {
  expect((await form('/login', { intent: 'request', phone, redirectTo: '/' })).status).toBe(302)
  const login = await form('/login', { intent: 'verify', phone: `+91${phone}`, code: CODE, redirectTo: '/' })
  expect(login.status).toBe(302)
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('__session='))
  const user = await getDb().user.findUnique({ where: { phone: `+91${phone}` }, select: { id: true, name: true } })
  if (!cookie || !user) throw new Error('sign-in failed')
  // The same user as an API client (the OTP API would throttle a second code for this number).
  const token = signJwt({ id: user.id, role: 'user', isPhoneVerified: true, name: user.name, avatar: null }, JWT_SECRET)
  return { cookie, token }
}

async function placeRazorpayOrder(token = tokens.a, quantity = 1): Promise<OrderJson> {
  const res = await api('/api/v1/orders', { token, body: { items: [{ productId, size: 'M', quantity }], shippingAddress: address, paymentMethod: 'razorpay' } })
  expect(res.status).toBe(201)
  return (await res.json()) as OrderJson
}

async function getOrder(id: string, token = tokens.a): Promise<OrderJson> {
  const res = await api(`/api/v1/orders/${id}`, { token })
  expect(res.status).toBe(200)
  return (await res.json()) as OrderJson
}

async function stock(): Promise<number> {
  const row = await getDb().productSize.findUnique({ where: { productId_size: { productId, size: 'M' } }, select: { stock: true } })
  return row?.stock ?? -1
}

function checkoutFields(razorpayOrderId: string, paymentId: string) {
  const r = fake.checkoutResponse(razorpayOrderId, paymentId)
  signatures.push(r.razorpay_signature)
  return r
}

beforeAll(async () => {
  const db = await createTestDatabase('it_payments_api')
  cleanups.push(db.drop)
  await migrateDeploy(db.url)
  fake = await startFakeRazorpay()
  cleanups.push(() => fake.close())
  // This process talks to the same database for fixtures and assertions, and runs the refund job
  // (the server runs no worker).
  initRuntime(
    parseEnv({ NODE_ENV: 'test', DATABASE_URL: db.url, RAZORPAY_KEY_ID: fake.keyId, RAZORPAY_KEY_SECRET: fake.keySecret, RAZORPAY_API_BASE: fake.url }),
    { url: db.url, mode: 'external', poolMax: 2 },
  )
  cleanups.push(() => closeRuntime())
  productId = (await createProduct({ price: 129_900, sizes: { M: 20 } })).id

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'payments-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  server = startServer(
    {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      DEV_OTP_CODE: CODE,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      RATE_LIMIT_AUTH_MAX: '1000',
      RATE_LIMIT_API_MAX: '1000',
      JWT_SECRET,
      SESSION_SECRET: 'payments-it-session-secret-0123456789ab',
      RAZORPAY_KEY_ID: fake.keyId,
      RAZORPAY_KEY_SECRET: fake.keySecret,
      RAZORPAY_WEBHOOK_SECRET: fake.webhookSecret,
      RAZORPAY_API_BASE: fake.url,
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
    },
    await freePort(),
  )
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
  ;({ cookie: cookieA, token: tokens.a } = await signIn('9812377701'))
  ;({ cookie: cookieB, token: tokens.b } = await signIn('9812377702'))
  // An account manager (order:update and order:cancel), signed in like anyone else.
  await getDb().user.create({ data: { phone: '+919812377703', name: 'Mona Manager', role: 'account_manager' }, select: { id: true } })
  staffCookie = (await signIn('9812377703')).cookie
}, 150_000)

afterAll(async () => {
  await server?.stop('SIGKILL')
  await deleteRedisKeys(REDIS_URL, PREFIX)
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

describe('API', () => {
  it('POST /orders with Razorpay answers the Checkout data; POST /payments/razorpay/order reuses the same Razorpay order', async () => {
    const order = await placeRazorpayOrder()
    expect(order.status).toBe('pending_payment')
    expect(order.razorpay).toMatchObject({ keyId: fake.keyId, amount: order.totalPrice, razorpayOrderId: expect.stringMatching(/^order_/) })
    const created = fake.requests.filter((r) => r.path === '/v1/orders').length

    const res = await api('/api/v1/payments/razorpay/order', { token: tokens.a, body: { orderId: order.id } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toContain('no-store')
    const checkout = (await res.json()) as { razorpayOrderId: string; amount: number; currency: string; orderNumber: number }
    expect(checkout).toMatchObject({ razorpayOrderId: order.razorpay?.razorpayOrderId, amount: order.totalPrice, currency: 'INR', orderNumber: order.number })
    expect(fake.requests.filter((r) => r.path === '/v1/orders').length).toBe(created)
  })

  it("POST /payments/razorpay/order: 404 for another shopper's order, 401 anonymous, 400 for a bad body, 405 for GET", async () => {
    const order = await placeRazorpayOrder()
    const other = await api('/api/v1/payments/razorpay/order', { token: tokens.b, body: { orderId: order.id } })
    expect(other.status).toBe(404)
    expect(((await other.json()) as ApiError).error.code).toBe('NOT_FOUND')
    expect((await api('/api/v1/payments/razorpay/order', { body: { orderId: order.id } })).status).toBe(401)
    expect((await api('/api/v1/payments/razorpay/order', { token: tokens.a, body: { orderId: 'nope' } })).status).toBe(400)
    expect((await api('/api/v1/payments/razorpay/order', { token: tokens.a, body: '{"orderId":' })).status).toBe(400)
    expect((await api('/api/v1/payments/razorpay/order', { token: tokens.a })).status).toBe(405)
  })

  it('POST /payments/razorpay/verify: a bad signature is 400 and changes nothing; a good one pays the order (processing); a repeat is 200', async () => {
    const order = await placeRazorpayOrder()
    const rzp = order.razorpay!.razorpayOrderId
    const payment = fake.pay(rzp)
    const good = checkoutFields(rzp, payment.id)

    const bad = await api('/api/v1/payments/razorpay/verify', { token: tokens.a, body: { orderId: order.id, ...good, razorpay_signature: 'f'.repeat(64) } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as ApiError).error.code).toBe('VALIDATION')
    expect(await getOrder(order.id)).toMatchObject({ status: 'pending_payment', isPaid: false, payment: { status: 'created', providerPaymentId: null } })
    expect((await api('/api/v1/payments/razorpay/verify', { token: tokens.b, body: { orderId: order.id, ...good } })).status).toBe(404)

    const ok = await api('/api/v1/payments/razorpay/verify', { token: tokens.a, body: { orderId: order.id, ...good } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ id: order.id, status: 'processing', isPaid: true, payment: { status: 'captured', providerPaymentId: payment.id } })
    const again = await api('/api/v1/payments/razorpay/verify', { token: tokens.a, body: { orderId: order.id, ...good } })
    expect(again.status).toBe(200)
    expect(((await again.json()) as { events: unknown[] }).events).toHaveLength(2)
  })

  it('POST /payments/razorpay/webhook: good → paid, a duplicate → 200 no-op, a bad or missing signature → 400', async () => {
    const order = await placeRazorpayOrder()
    const delivery = fake.webhook('payment.captured', fake.pay(order.razorpay!.razorpayOrderId))
    signatures.push(delivery.headers['X-Razorpay-Signature']!)
    const post = (d: { body: string; headers: Record<string, string> }) => fetch(`${server.url}/api/v1/payments/razorpay/webhook`, { method: 'POST', headers: d.headers, body: d.body })

    const first = await post(delivery)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ ok: true, outcome: 'processed' })
    expect(await getOrder(order.id)).toMatchObject({ status: 'processing', isPaid: true })

    const repeat = await post(delivery)
    expect(repeat.status).toBe(200)
    expect(await repeat.json()).toEqual({ ok: true, outcome: 'duplicate' })
    expect((await getOrder(order.id) as unknown as { events: unknown[] }).events).toHaveLength(2)

    const another = await placeRazorpayOrder()
    const forged = fake.webhook('payment.captured', fake.pay(another.razorpay!.razorpayOrderId), { secret: 'guessed-secret' })
    expect((await post(forged)).status).toBe(400)
    const unsigned = fake.webhook('payment.captured', fake.pay(another.razorpay!.razorpayOrderId))
    delete unsigned.headers['X-Razorpay-Signature']
    expect((await post(unsigned)).status).toBe(400)
    expect((await getOrder(another.id)).isPaid).toBe(false)
    expect((await fetch(`${server.url}/api/v1/payments/razorpay/webhook`)).status).toBe(405)
  })

  it('is documented in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, { post?: { responses: Record<string, unknown> } }>; components: { schemas: Record<string, unknown> } }
    for (const p of ['/payments/razorpay/order', '/payments/razorpay/verify', '/payments/razorpay/webhook']) expect(doc.paths[p]?.post?.responses['200']).toBeDefined()
    for (const s of ['RazorpayCheckout', 'RazorpayVerify', 'RazorpayWebhookAck', 'Order']) expect(doc.components.schemas[s]).toBeDefined()
  })
})

describe('payment page /checkout/payment/:orderId', () => {
  it('asks to sign in, shows the owner the total with a Pay button and Checkout’s script under the CSP nonce, and 404s for others', async () => {
    const order = await placeRazorpayOrder()
    const anon = await page(`/checkout/payment/${order.id}`)
    expect(anon.status).toBe(302)
    expect(anon.headers.get('location')).toBe(`/login?redirectTo=${encodeURIComponent(`/checkout/payment/${order.id}`)}`)

    const res = await page(`/checkout/payment/${order.id}`, cookieA)
    expect(res.status).toBe(200)
    const html = await res.text()
    const total = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', minimumFractionDigits: 2 }).format(order.totalPrice / 100)
    expect(html).toContain(`Pay ${total} now`)
    expect(html).toContain('Online payment needs JavaScript')
    expect(html).toContain(`Cancel order #${order.number}`)
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1]
    expect(nonce).toBeTruthy()
    const script = /<script[^>]*src="https:\/\/checkout\.razorpay\.com\/v1\/checkout\.js"[^>]*>/.exec(html)?.[0] ?? ''
    expect(script).toContain(`nonce="${nonce}"`)
    expect(html).toContain(order.razorpay!.razorpayOrderId)

    expect((await page(`/checkout/payment/${order.id}`, cookieB)).status).toBe(404)
    expect((await page('/checkout/payment/00000000-0000-4000-8000-000000000000', cookieA)).status).toBe(404)
  })

  it("Checkout's handler posting to the page's action verifies and redirects to the order with a flash; a bad signature stays on the page", async () => {
    const order = await placeRazorpayOrder()
    const rzp = order.razorpay!.razorpayOrderId
    const payment = fake.pay(rzp)
    const good = checkoutFields(rzp, payment.id)

    const bad = await form(`/checkout/payment/${order.id}`, { intent: 'verify', ...good, razorpay_signature: '0'.repeat(64) }, cookieA)
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('could not verify this payment')
    expect((await getOrder(order.id)).isPaid).toBe(false)

    const ok = await form(`/checkout/payment/${order.id}`, { intent: 'verify', ...good }, cookieA)
    expect(ok.status).toBe(302)
    expect(ok.headers.get('location')).toBe(`/account/orders/${order.id}`)
    const cookie = [cookieA, ...ok.headers.getSetCookie().map((c) => c.split(';')[0] ?? '')].filter((c) => c.startsWith('__session=')).at(-1) ?? cookieA
    const orderPage = await page(`/account/orders/${order.id}`, cookie)
    expect(orderPage.status).toBe(200)
    expect(await orderPage.text()).toContain(`Payment received for order #${order.number}`)
    expect(await getOrder(order.id)).toMatchObject({ status: 'processing', isPaid: true })

    // The paid order's payment page now sends the shopper to the order.
    const after = await page(`/checkout/payment/${order.id}`, cookieA)
    expect(after.status).toBe(302)
    expect(after.headers.get('location')).toBe(`/account/orders/${order.id}`)
  })

  it('without JavaScript, the shopper can cancel: stock comes back and the items return to the cart for cash on delivery', async () => {
    const before = await stock()
    const order = await placeRazorpayOrder(tokens.a, 2)
    expect(await stock()).toBe(before - 2)
    const res = await form(`/checkout/payment/${order.id}`, { intent: 'cancel' }, cookieA)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/cart')
    expect(await stock()).toBe(before)
    expect((await getOrder(order.id)).status).toBe('cancelled')
    const cart = await (await page('/cart', cookieA)).text()
    expect(cart).toContain('is cancelled. Its items are back in your cart')
    expect(cart).toContain('cash on delivery')
  })

  it("the order page is the owner's only: another shopper gets the same 404 page as for no order at all", async () => {
    const order = await placeRazorpayOrder()
    const own = await page(`/account/orders/${order.id}`, cookieA)
    expect(own.status).toBe(200)
    expect(await own.text()).toContain(`#${order.number}`)

    const missing = await page('/account/orders/00000000-0000-4000-8000-000000000000', cookieB)
    expect(missing.status).toBe(404)
    const other = await page(`/account/orders/${order.id}`, cookieB)
    expect(other.status).toBe(404)
    const html = await other.text()
    expect(html).toContain('Order not found')
    // Nothing of the order leaks: not its address, buyer or total.
    expect(html).not.toContain(address.line1)
    expect(html).not.toContain(address.name)
    expect(html).not.toContain(new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', minimumFractionDigits: 2 }).format(order.totalPrice / 100))
    // Nor can they cancel it from the page.
    expect((await form(`/account/orders/${order.id}`, { intent: 'cancel' }, cookieB)).status).toBe(404)
    expect((await getOrder(order.id)).status).toBe('pending_payment')
  })

  it('cancelling a paid order on its page (no JavaScript) promises the refund, and the page shows it once made', async () => {
    const order = await placeRazorpayOrder(tokens.b)
    const rzp = order.razorpay!.razorpayOrderId
    const payment = fake.pay(rzp)
    expect((await api('/api/v1/payments/razorpay/verify', { token: tokens.b, body: { orderId: order.id, ...checkoutFields(rzp, payment.id) } })).status).toBe(200)
    const total = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', minimumFractionDigits: 2 }).format(order.totalPrice / 100)
    expect(await (await page(`/account/orders/${order.id}`, cookieB)).text()).toContain('your online payment is then refunded to its original method automatically')

    const res = await form(`/account/orders/${order.id}`, { intent: 'cancel', reason: 'found it cheaper' }, cookieB)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/account/orders/${order.id}`)
    const cookie = [cookieB, ...res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '')].filter((c) => c.startsWith('__session=')).at(-1) ?? cookieB
    const pending = await (await page(`/account/orders/${order.id}`, cookie)).text()
    expect(pending).toContain(`Order #${order.number} was cancelled. Your payment will be refunded to its original method.`)
    expect(pending).toContain(`We are refunding ${total} to your original payment method.`)

    // Razorpay is down at first: the order stays cancelled, staff see why the refund waits.
    fake.failNext(502)
    await refundPaymentsJob.handle({})
    const staffPage = async () => (await page(`/admin/orders/${order.id}`, staffCookie)).text()
    const failed = await staffPage()
    expect(failed).toContain('Refund failed')
    expect(failed).toContain('Razorpay could not take the refund (502): Injected failure (attempt 1 of 8')
    expect(failed).toContain('It is retried automatically.')
    expect(await (await page(`/account/orders/${order.id}`, cookieB)).text()).toContain(`We are refunding ${total} to your original payment method.`)

    // The job's next attempt, once its pause has passed.
    await processRefunds(new Date(Date.now() + 61_000))
    const refunds = [...fake.refunds.values()].filter((r) => r.payment_id === payment.id)
    expect(refunds.map((r) => r.amount)).toEqual([order.totalPrice])
    const done = await (await page(`/account/orders/${order.id}`, cookieB)).text()
    expect(done).toContain(`${total} refunded to your original payment method.`)
    expect(done).toContain(`Refund of ${total} made to the original payment method (Razorpay ${refunds[0]!.id})`)
    expect(await getOrder(order.id, tokens.b)).toMatchObject({ status: 'cancelled', isPaid: true, payment: { status: 'refunded' } })
    const refunded = await staffPage()
    expect(refunded).toContain('Refunded through Razorpay')
    expect(refunded).toContain(refunds[0]!.id)
  })

  it('staff are not offered to move an unpaid online order to processing, only to cancel it', async () => {
    const order = await placeRazorpayOrder()
    const html = await (await page(`/admin/orders/${order.id}`, staffCookie)).text()
    expect(html).toContain('<option value="cancelled"')
    expect(html).not.toContain('<option value="processing"')
    const res = await form(`/admin/orders/${order.id}`, { intent: 'status', status: 'processing' }, staffCookie)
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('awaiting its online payment')
    expect((await getOrder(order.id)).status).toBe('pending_payment')
  })

  it('never logs a key secret, webhook secret or signature', () => {
    const log = server.output()
    expect(log).toContain('razorpay')
    expect(log).not.toContain(fake.keySecret)
    expect(log).not.toContain(fake.webhookSecret)
    expect(signatures.length).toBeGreaterThan(2)
    for (const s of signatures) expect(log).not.toContain(s)
  })
})
