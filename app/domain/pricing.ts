/**
 * Order pricing rules shared by the cart and checkout: GST by unit price band, and the
 * chosen delivery option's fee (app/domain/shipping.ts). All amounts are integer minor units (paise).
 */
import { DEFAULT_SHIPPING_METHOD, shippingFee, type ShippingMethod } from './shipping.ts'

/** Items below ₹1,000 a unit are taxed at 5%, the rest at 12%. */
export const TAX_BAND_THRESHOLD = 100_000
export const TAX_RATE_LOW = 0.05
export const TAX_RATE_HIGH = 0.12

export interface PricedLine {
  unitPrice: number
  quantity: number
}

export interface Totals {
  itemsPrice: number
  taxPrice: number
  shippingPrice: number
  totalPrice: number
}

export function taxRateFor(unitPrice: number): number {
  return unitPrice < TAX_BAND_THRESHOLD ? TAX_RATE_LOW : TAX_RATE_HIGH
}

/** Tax on one line, rounded to the nearest paisa (per line, so a receipt adds up). */
export function lineTax(line: PricedLine): number {
  return Math.round(line.unitPrice * line.quantity * taxRateFor(line.unitPrice))
}

/** Items, GST and delivery by `shippingMethod` (the cart shows standard delivery: nothing is chosen yet). */
export function computeTotals(lines: readonly PricedLine[], shippingMethod: ShippingMethod = DEFAULT_SHIPPING_METHOD): Totals {
  const itemsPrice = lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0)
  const taxPrice = lines.reduce((sum, l) => sum + lineTax(l), 0)
  const shippingPrice = shippingFee(shippingMethod, itemsPrice)
  return { itemsPrice, taxPrice, shippingPrice, totalPrice: itemsPrice + taxPrice + shippingPrice }
}
