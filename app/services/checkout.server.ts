/**
 * Web checkout: turns the signed-in shopper's cart, a shipping address, a delivery option and
 * a payment method into one order, exactly once per checkout form. Every amount comes from the
 * database and the server's own price rules.
 */
import type { CartView } from '#app/domain/cart.ts'
import { DomainError } from '#app/domain/errors.ts'
import { IdempotencyKeySchema, PlaceOrderSchema, type OrderView, type PaymentMethod, type ShippingAddress } from '#app/domain/order.ts'
import type { Totals } from '#app/domain/pricing.ts'
import { DEFAULT_SHIPPING_METHOD, shippingFee, type ShippingMethod } from '#app/domain/shipping.ts'
import { getCart } from './cart.server.ts'
import { getOrderByIdempotencyKey, placeOrder } from './orders.server.ts'
import { assertPaymentMethodAvailable } from './payments.server.ts'

/** One cart line that cannot be bought as it stands. */
export interface StockProblem {
  productId: string
  size: string
  /** null when the product is no longer sold */
  name: string | null
  requested: number
  available: number
}

export interface CheckoutReview {
  /** the cart, its totals with the chosen delivery option's fee */
  cart: CartView
  problems: StockProblem[]
}

function problemsOf(cart: CartView): StockProblem[] {
  return cart.lines
    .filter((l) => l.unavailable || l.outOfStock || l.exceedsStock)
    .map((l) => ({ productId: l.productId, size: l.size, name: l.name, requested: l.quantity, available: l.unavailable ? 0 : l.available }))
}

function withShipping(totals: Totals, method: ShippingMethod): Totals {
  const shippingPrice = shippingFee(method, totals.itemsPrice)
  return { ...totals, shippingPrice, totalPrice: totals.itemsPrice + totals.taxPrice + shippingPrice }
}

/**
 * The cart as checkout shows it: current prices, server-computed totals (delivered by
 * `shippingMethod`, standard until one is chosen) and the lines short of stock.
 */
export async function reviewCheckout(userId: string, currency: string, shippingMethod: ShippingMethod = DEFAULT_SHIPPING_METHOD): Promise<CheckoutReview> {
  const cart = await getCart({ userId }, currency)
  return { cart: { ...cart, totals: withShipping(cart.totals, shippingMethod) }, problems: problemsOf(cart) }
}

/** The order a checkout form's token already placed, if any (a form submitted again after its order committed). */
export async function findCheckoutOrder(userId: string, token: string): Promise<OrderView | null> {
  const key = IdempotencyKeySchema.safeParse(token)
  return key.success ? getOrderByIdempotencyKey(userId, key.data) : null
}

export interface CheckoutInput {
  address: ShippingAddress
  shippingMethod: ShippingMethod
  paymentMethod: PaymentMethod
  /** the review form's one-time token, used as the order's idempotency key */
  token: string
}

/**
 * Places the order for everything in the user's cart and empties the cart in the same
 * transaction. The token makes a repeated or double-submitted form return the first
 * order (`created: false`). OUT_OF_STOCK names each short item with how many are left.
 */
export async function placeCheckoutOrder(userId: string, input: CheckoutInput, ctx: { requestId?: string | null; currency: string }): Promise<{ order: OrderView; created: boolean }> {
  const token = IdempotencyKeySchema.safeParse(input.token)
  if (!token.success) throw new DomainError('VALIDATION', 'This checkout form has expired. Check your order and place it again.')
  const prior = await getOrderByIdempotencyKey(userId, token.data)
  if (prior) return { order: prior, created: false }
  // Razorpay may have been switched off since the shopper chose it.
  assertPaymentMethodAvailable(input.paymentMethod)

  const cart = await getCart({ userId }, ctx.currency)
  if (cart.lines.length === 0) {
    // A duplicate submit may have read the cart just after the first one emptied it.
    const placed = await getOrderByIdempotencyKey(userId, token.data)
    if (placed) return { order: placed, created: false }
    throw new DomainError('VALIDATION', 'Your cart is empty.')
  }
  const parsed = PlaceOrderSchema.safeParse({
    items: cart.lines.map((l) => ({ productId: l.productId, size: l.size, quantity: l.quantity })),
    shippingAddress: input.address,
    shippingMethod: input.shippingMethod,
    paymentMethod: input.paymentMethod,
  })
  if (!parsed.success) throw new DomainError('VALIDATION', parsed.error.issues[0]?.message ?? 'Check your order.')

  try {
    return await placeOrder(userId, parsed.data, { idempotencyKey: token.data, clearCart: true, requestId: ctx.requestId })
  } catch (err) {
    if (err instanceof DomainError && err.code === 'OUT_OF_STOCK' && Array.isArray(err.details?.items)) {
      // The service cannot name a product that is no longer sold; the cart still can.
      const names = new Map(cart.lines.map((l) => [`${l.productId}|${l.size}`, l.name]))
      const items = (err.details.items as StockProblem[]).map((i) => ({ ...i, name: i.name ?? names.get(`${i.productId}|${i.size}`) ?? null }))
      throw new DomainError('OUT_OF_STOCK', err.message, { ...err.details, items })
    }
    throw err
  }
}
