/** Orders: statuses, who may move an order where, the order shapes and the checkout input schemas. */
import { z } from 'zod'
import { MAX_LINE_QUANTITY } from './cart.ts'
import { hasPermission, type PermissionHolder } from './permissions.ts'
import { normalizePhone, PHONE_MESSAGE } from './phone.ts'
import { DEFAULT_SHIPPING_METHOD, SHIPPING_METHODS, type ShippingMethod } from './shipping.ts'
import { lineText, multilineText, sizeText } from './text.ts'

export const ORDER_STATUSES = ['pending_payment', 'processing', 'shipped', 'out_for_delivery', 'delivered', 'cancelled', 'returned'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export const PAYMENT_METHODS = ['cod', 'razorpay'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]

export const STATUS_LABELS: Record<OrderStatus, string> = {
  pending_payment: 'Awaiting payment',
  processing: 'Processing',
  shipped: 'Shipped',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  returned: 'Returned',
}

/** A payment's state; a paid online order that is cancelled goes refund_pending → refunded (or refund_failed, retried). */
export const PAYMENT_STATUSES = ['created', 'authorized', 'captured', 'failed', 'refund_pending', 'refunded', 'refund_failed'] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = { cod: 'Cash on delivery', razorpay: 'Razorpay (card, UPI, netbanking)' }

/** Every move an order may make. Cancelling and returning put the pieces back in stock. */
export const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending_payment: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['out_for_delivery', 'delivered', 'cancelled'],
  out_for_delivery: ['delivered', 'cancelled'],
  delivered: ['returned'],
  cancelled: [],
  returned: [],
}

/** Statuses whose entry returns the order's pieces to stock. */
export const RESTOCKING_STATUSES: readonly OrderStatus[] = ['cancelled', 'returned']

/** A shopper may cancel their own order until it ships. */
export const CUSTOMER_CANCELLABLE: readonly OrderStatus[] = ['pending_payment', 'processing']

/** The warehouse moves parcels; it does not cancel, return or confirm payments. */
const WAREHOUSE_TARGETS: readonly OrderStatus[] = ['shipped', 'out_for_delivery', 'delivered']

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/**
 * An unpaid online order leaves `pending_payment` for `processing` only by being paid (the
 * payment is recorded, which moves it), never by a status change: that would ship goods
 * nobody paid for, and the expiry job, which only looks at orders awaiting payment, would
 * never release them.
 */
export function awaitsPayment(from: OrderStatus, to: OrderStatus, order: { paymentMethod: PaymentMethod; isPaid: boolean }): boolean {
  return from === 'pending_payment' && to === 'processing' && order.paymentMethod !== 'cod' && !order.isPaid
}

/**
 * The statuses this staff member may move `order` to: `order:update` holders make every
 * allowed move, except that the warehouse role only ships and delivers, cancelling also
 * needs `order:cancel`, and an order awaiting online payment moves on only by being paid.
 */
export function staffTargets(user: PermissionHolder, order: { status: OrderStatus; paymentMethod: PaymentMethod; isPaid: boolean }): OrderStatus[] {
  if (!hasPermission(user, 'order:update')) return []
  return TRANSITIONS[order.status].filter((to) => {
    if (awaitsPayment(order.status, to, order)) return false
    if (user.role === 'warehouse' && !WAREHOUSE_TARGETS.includes(to)) return false
    if (to === 'cancelled' && !hasPermission(user, 'order:cancel')) return false
    return true
  })
}

export interface OrderItemView {
  productId: string
  name: string
  size: string
  quantity: number
  price: number
  /** the product's slug now (for links); null when the product is gone */
  slug: string | null
}

export interface OrderEventView {
  status: OrderStatus
  at: string
  note?: string
  /** who made the change (staff views only; always null in what the shopper sees); null also for the system */
  actor: { id: string; name: string; role: string } | null
}

export interface ShippingAddress {
  name: string
  line1: string
  line2?: string
  city: string
  state: string
  postalCode: string
  country: string
  phone: string
}

/** The fields of a shipping-address form, in the order the action reads them. */
export const SHIPPING_ADDRESS_FIELDS = ['name', 'line1', 'line2', 'city', 'state', 'postalCode', 'country', 'phone'] as const
export type ShippingAddressField = (typeof SHIPPING_ADDRESS_FIELDS)[number]
/** A shipping-address form's input as posted (every field a string, line2 empty when left out). */
export type ShippingAddressValues = Record<ShippingAddressField, string>

export interface OrderPaymentView {
  method: PaymentMethod
  status: PaymentStatus
  amount: number
  providerOrderId: string | null
  providerPaymentId: string | null
}

/** The API's `Order` (SPEC §12), plus a human order number and the payment record. */
export interface OrderView {
  id: string
  number: number
  userId: string
  status: OrderStatus
  items: OrderItemView[]
  itemsPrice: number
  taxPrice: number
  shippingPrice: number
  shippingMethod: ShippingMethod
  totalPrice: number
  currency: string
  paymentMethod: PaymentMethod
  isPaid: boolean
  paidAt: string | null
  shippingAddress: ShippingAddress
  events: OrderEventView[]
  payment: OrderPaymentView | null
  createdAt: string
}

const text = (label: string, max: number) => lineText({ error: `${label} is required.` }).min(1, `${label} is required.`).max(max, `${label} is too long (at most ${max} characters).`)

export const ShippingAddressSchema = z.object({
  name: text('Name', 100),
  line1: text('Address line 1', 200),
  line2: lineText()
    .max(200, 'Address line 2 is too long (at most 200 characters).')
    .transform((v) => (v ? v : undefined))
    .optional(),
  city: text('City', 100),
  state: text('State', 100),
  postalCode: z.string({ error: 'PIN code is required.' }).trim().regex(/^[A-Za-z0-9 -]{3,10}$/, 'Enter a valid PIN / postal code.'),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'Use a two-letter country code such as IN.')
    .default('IN'),
  phone: z
    .string({ error: 'Phone is required.' })
    .transform((v, ctx) => {
      const e164 = normalizePhone(v)
      if (!e164) {
        ctx.addIssue({ code: 'custom', message: PHONE_MESSAGE })
        return z.NEVER
      }
      return e164
    }),
})

export const OrderLineInputSchema = z.object({
  productId: z.uuid('Unknown product.'),
  size: sizeText('Choose a size.'),
  quantity: z.number({ error: 'Give a quantity.' }).int('Give a whole number.').min(1, 'At least 1.').max(MAX_LINE_QUANTITY, `At most ${MAX_LINE_QUANTITY}.`),
})

export const MAX_ORDER_LINES = 50

export const PlaceOrderSchema = z.object({
  items: z.array(OrderLineInputSchema).min(1, 'An order needs at least one item.').max(MAX_ORDER_LINES, `At most ${MAX_ORDER_LINES} lines per order.`),
  shippingAddress: ShippingAddressSchema,
  paymentMethod: z.enum(PAYMENT_METHODS, { error: 'Choose cash on delivery or Razorpay.' }),
  shippingMethod: z.enum(SHIPPING_METHODS, { error: `Shipping method must be one of ${SHIPPING_METHODS.join(', ')}.` }).default(DEFAULT_SHIPPING_METHOD),
})
/** An order to place, as the schema parses it; left out, `shippingMethod` is standard delivery (as on the API). */
export type PlaceOrderInput = Omit<z.infer<typeof PlaceOrderSchema>, 'shippingMethod'> & { shippingMethod?: ShippingMethod }

export const StatusChangeSchema = z.object({
  status: z.enum(ORDER_STATUSES, { error: `Status must be one of ${ORDER_STATUSES.join(', ')}.` }),
  note: multilineText().max(500, 'The note is too long (at most 500 characters).').optional(),
})

/** `Idempotency-Key`: 8–100 visible ASCII characters. */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{8,100}$/, 'Idempotency-Key must be 8 to 100 visible ASCII characters.')

/** The pieces of one product size across all lines (two lines of one size are checked together). */
export interface StockDemand {
  productId: string
  size: string
  quantity: number
}

export function sumDemand(items: readonly { productId: string; size: string; quantity: number }[]): StockDemand[] {
  const by = new Map<string, StockDemand>()
  for (const i of items) {
    const key = `${i.productId}|${i.size}`
    const cur = by.get(key)
    if (cur) cur.quantity += i.quantity
    else by.set(key, { productId: i.productId, size: i.size, quantity: i.quantity })
  }
  // A fixed order (product, then size) for the locks, so two buyers never wait on each other in a cycle.
  return [...by.values()].sort(byProductAndSize)
}

/** Product id, then size: the one order in which locks are taken and order items are stored. */
export function byProductAndSize(a: { productId: string; size: string }, b: { productId: string; size: string }): number {
  if (a.productId !== b.productId) return a.productId < b.productId ? -1 : 1
  return a.size < b.size ? -1 : a.size > b.size ? 1 : 0
}

export function formatOrderNumber(n: number): string {
  return `#${n}`
}
