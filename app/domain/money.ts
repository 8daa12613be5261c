/** Money is integer minor units (paise for INR) plus an ISO 4217 currency code. */
export interface Money {
  amount: number
  currency: string
}

const formatters = new Map<string, Intl.NumberFormat>()

/** Formats minor units for display: formatMoney(123400, 'INR', 'en-IN') → "₹1,234.00". */
export function formatMoney(minor: number, currency = 'INR', locale = 'en-IN'): string {
  const key = `${locale}|${currency}`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2 })
    formatters.set(key, f)
  }
  return f.format(minor / 100)
}

/** Whole-percent discount of price against MRP (0 when there is none). */
export function discountPercent(price: number, mrp: number): number {
  if (mrp <= 0 || price >= mrp) return 0
  return Math.round(((mrp - price) / mrp) * 100)
}
