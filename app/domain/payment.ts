/** Online payment (Razorpay): what Checkout needs, and what it hands back for verification. */
import { z } from 'zod'

/** Everything the browser's (or a mobile app's) Razorpay Checkout needs to take the payment. */
export interface RazorpayCheckoutData {
  keyId: string
  razorpayOrderId: string
  /** minor units (paise) */
  amount: number
  currency: string
  orderId: string
  orderNumber: number
  /** the shop's name, shown at the top of Checkout */
  name: string
  description: string
  prefill: { name?: string; email?: string; contact?: string }
}

/** Razorpay's Checkout script (allowed by the CSP's script-src). */
export const RAZORPAY_CHECKOUT_SCRIPT = 'https://checkout.razorpay.com/v1/checkout.js'

export const ONLINE_PAYMENT_UNAVAILABLE = 'Online payment is not available; choose cash on delivery'

/** Checkout's success response, as posted back to us (field names are Razorpay's). */
export const RazorpayResponseSchema = z.object({
  razorpay_order_id: z
    .string({ error: 'razorpay_order_id is required.' })
    .trim()
    .regex(/^order_[A-Za-z0-9]{1,40}$/, 'razorpay_order_id must look like order_…'),
  razorpay_payment_id: z
    .string({ error: 'razorpay_payment_id is required.' })
    .trim()
    .regex(/^pay_[A-Za-z0-9]{1,40}$/, 'razorpay_payment_id must look like pay_…'),
  razorpay_signature: z.string({ error: 'razorpay_signature is required.' }).trim().min(1, 'razorpay_signature is required.').max(256, 'razorpay_signature is too long.'),
})
export type RazorpayResponse = z.infer<typeof RazorpayResponseSchema>

export const RazorpayVerifySchema = RazorpayResponseSchema.extend({
  orderId: z.uuid('orderId must be an order id.'),
})
export type RazorpayVerifyInput = z.infer<typeof RazorpayVerifySchema>

export const RazorpayStartSchema = z.object({
  orderId: z.uuid('orderId must be an order id.'),
})
