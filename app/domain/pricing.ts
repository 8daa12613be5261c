/**
 * Order pricing rules shared by the cart and checkout: GST by unit price band, flat
 * shipping below a threshold. All amounts are integer minor units (paise).
 */

/** Items below ₹1,000 a unit are taxed at 5%, the rest at 12%. */
export const TAX_BAND_THRESHOLD = 100_000
export const TAX_RATE_LOW = 0.05
export const TAX_RATE_HIGH = 0.12
/** Orders whose items subtotal is below ₹499 pay ₹49 shipping. */
export const FREE_SHIPPING_FROM = 49_900
export const SHIPPING_FEE = 4_900

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

export function shippingFor(itemsPrice: number): number {
  if (itemsPrice <= 0) return 0
  return itemsPrice < FREE_SHIPPING_FROM ? SHIPPING_FEE : 0
}

export function computeTotals(lines: readonly PricedLine[]): Totals {
  const itemsPrice = lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0)
  const taxPrice = lines.reduce((sum, l) => sum + lineTax(l), 0)
  const shippingPrice = shippingFor(itemsPrice)
  return { itemsPrice, taxPrice, shippingPrice, totalPrice: itemsPrice + taxPrice + shippingPrice }
}
