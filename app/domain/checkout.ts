/** Checkout: its steps, the state carried between them (in the session, never prices) and the step forms' schemas. */
import { z } from 'zod'
import { PAYMENT_METHODS, type PaymentMethod, type ShippingAddress } from './order.ts'
import { isShippingMethod, SHIPPING_METHODS, type ShippingMethod } from './shipping.ts'

export const CHECKOUT_STEPS = ['address', 'shipping', 'payment', 'review'] as const
export type CheckoutStep = (typeof CHECKOUT_STEPS)[number]

export const CHECKOUT_STEP_LABELS: Record<CheckoutStep, string> = {
  address: 'Address',
  shipping: 'Shipping',
  payment: 'Payment',
  review: 'Review and place order',
}

/** What the shopper has chosen so far; the cart and every amount are read again on each step. */
export interface CheckoutState {
  address?: ShippingAddress
  /** the saved address it came from, if any (to preselect it) */
  addressId?: string | null
  shippingMethod?: ShippingMethod
  paymentMethod?: PaymentMethod
}

/** The first step still missing something; a later step cannot be shown before it. */
export function firstIncompleteStep(state: CheckoutState | undefined): CheckoutStep {
  if (!state?.address) return 'address'
  // A session may keep an option the shop has since withdrawn: that is no choice.
  if (!isShippingMethod(state.shippingMethod)) return 'shipping'
  if (!state.paymentMethod) return 'payment'
  return 'review'
}

/** `requested` if the state allows it (none: the first step), otherwise the first step still to do. */
export function allowedStep(requested: string | null, state: CheckoutState | undefined): CheckoutStep {
  const limit = CHECKOUT_STEPS.indexOf(firstIncompleteStep(state))
  const index = requested === null ? 0 : CHECKOUT_STEPS.indexOf(requested as CheckoutStep)
  return CHECKOUT_STEPS[index >= 0 && index <= limit ? index : limit]!
}

export const ShippingStepSchema = z.object({
  shippingMethod: z.enum(SHIPPING_METHODS, { error: 'Choose how fast you want it delivered.' }),
})

export const PaymentStepSchema = z.object({
  paymentMethod: z.enum(PAYMENT_METHODS, { error: 'Choose how you will pay.' }),
})

/** A shopper keeps at most this many saved addresses. */
export const MAX_SAVED_ADDRESSES = 10
