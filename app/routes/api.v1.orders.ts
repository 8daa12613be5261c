import { z } from 'zod'
import { DEFAULT_API_LIMIT, MAX_LIMIT } from '#app/domain/catalog-query.ts'
import { IdempotencyKeySchema, PlaceOrderSchema } from '#app/domain/order.ts'
import { listCustomerOrders, placeOrder } from '#app/services/orders.server.ts'
import { assertPaymentMethodAvailable, razorpayCheckoutFor } from '#app/services/payments.server.ts'
import { fieldErrors, handlePrivateApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { apiError, requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.orders'

// Query strings are strings: '' means "not given"; anything else must be a plain whole number
// (no clamping, no hex or exponents), as on GET /api/v1/products.
const wholeNumber = (label: string, min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v !== 'string' || v.trim() === '' ? undefined : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN),
    z
      .number({ error: `${label} must be a whole number.` })
      .int({ error: `${label} must be a whole number.` })
      .min(min, { error: `${label} must be at least ${min}.` })
      .max(max, { error: `${label} must be at most ${max}.` })
      .optional(),
  )

const OrderListQuerySchema = z.object({
  page: wholeNumber('Page', 1, 100_000),
  limit: wholeNumber('Limit', 1, MAX_LIMIT),
})

/** GET /api/v1/orders: the caller's own orders, newest first → `{ items: [Order], page, limit, total }`. */
export async function loader({ request }: Route.LoaderArgs) {
  return handlePrivateApi(async () => {
    const user = await requireUser(request)
    const params = new URL(request.url).searchParams
    const parsed = OrderListQuerySchema.safeParse({ page: params.get('page') ?? undefined, limit: params.get('limit') ?? undefined })
    if (!parsed.success) return apiError(400, 'VALIDATION', 'Some query parameters are invalid.', { fields: fieldErrors(parsed.error) })
    const { page = 1, limit = DEFAULT_API_LIMIT } = parsed.data
    return Response.json(await listCustomerOrders(user.id, { page, limit }))
  })
}

/**
 * POST /api/v1/orders `{ items, shippingAddress, paymentMethod, shippingMethod? }` → 201 `Order`.
 * `shippingMethod` is `standard` (the default) or `express`; anything else → 400. The bought
 * sizes leave the user's server-side cart (shared with the web shop) in the same transaction. Prices
 * and the delivery fee come from the catalogue and the server's rules, never from the client. With `Idempotency-Key`, a repeat (or a parallel
 * duplicate) answers 201 with the first order and `Idempotent-Replayed: true`; the same key
 * with a different body → 409 CONFLICT. Not enough stock → 409 OUT_OF_STOCK with `error.items`.
 */
export async function action({ request }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST')
  return handlePrivateApi(async () => {
    const user = await requireUser(request)
    const rawKey = request.headers.get('Idempotency-Key')
    let idempotencyKey: string | null = null
    if (rawKey !== null) {
      const key = IdempotencyKeySchema.safeParse(rawKey)
      if (!key.success) return apiError(400, 'VALIDATION', 'The Idempotency-Key header is invalid.', { fields: { 'Idempotency-Key': key.error.issues[0]?.message ?? 'Invalid.' } })
      idempotencyKey = key.data
    }
    const input = await parseJsonBody(request, PlaceOrderSchema)
    assertPaymentMethodAvailable(input.paymentMethod)
    const { order, created } = await placeOrder(user.id, input, { idempotencyKey, clearCart: true, requestId: request.headers.get('X-Request-Id') })
    const headers: Record<string, string> = { Location: `/api/v1/orders/${order.id}` }
    if (!created) headers['Idempotent-Replayed'] = 'true'
    // A Razorpay order also carries what Checkout needs (null: ask POST /api/v1/payments/razorpay/order later).
    const payment = order.paymentMethod === 'razorpay' ? { razorpay: await razorpayCheckoutFor(user.id, order) } : {}
    return jsonWithLength({ ...order, ...payment }, 201, headers)
  })
}

/**
 * A JSON answer that states its length. Streamed without one, React Router's answer is
 * compressed whatever its size; with it, the compression middleware leaves answers under its
 * threshold (1 kB) alone, as it means to — an order is about 900 bytes, gzip costs more than it saves.
 */
function jsonWithLength(body: unknown, status: number, headers: Record<string, string>): Response {
  const text = JSON.stringify(body)
  return new Response(text, { status, headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) } })
}
