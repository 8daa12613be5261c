/**
 * Delivery options: defined here, priced on the server, chosen at checkout and stored on the
 * order. Amounts are integer minor units (paise); delivery times are business days (Monday to
 * Friday) counted from the day after the order is placed, in the shop's time zone.
 */
import type { OrderStatus } from './order.ts'

export const SHIPPING_METHODS = ['standard', 'express'] as const
export type ShippingMethod = (typeof SHIPPING_METHODS)[number]

/** What an order ships by when nobody chose (the API without `shippingMethod`, the cart's estimate). */
export const DEFAULT_SHIPPING_METHOD: ShippingMethod = 'standard'

/** Standard delivery is free for items worth ₹499 or more, else ₹49. */
export const FREE_SHIPPING_FROM = 49_900

export interface ShippingOption {
  label: string
  /** the fee below `freeFrom` (or always, when it is null) */
  fee: number
  /** an items subtotal from which this option is free; null: never free */
  freeFrom: number | null
  /** earliest and latest delivery, in business days after the order day */
  businessDays: readonly [number, number]
}

export const SHIPPING_OPTIONS: Record<ShippingMethod, ShippingOption> = {
  standard: { label: 'Standard delivery', fee: 4_900, freeFrom: FREE_SHIPPING_FROM, businessDays: [3, 6] },
  express: { label: 'Express delivery', fee: 14_900, freeFrom: null, businessDays: [1, 2] },
}

export function isShippingMethod(value: unknown): value is ShippingMethod {
  return typeof value === 'string' && (SHIPPING_METHODS as readonly string[]).includes(value)
}

/** The fee for delivering items worth `itemsPrice` by `method` (nothing to deliver: nothing to pay). */
export function shippingFee(method: ShippingMethod, itemsPrice: number): number {
  if (itemsPrice <= 0) return 0
  const { fee, freeFrom } = SHIPPING_OPTIONS[method]
  return freeFrom !== null && itemsPrice >= freeFrom ? 0 : fee
}

/** A calendar day, `yyyy-mm-dd`. */
export type Day = string

/** The calendar day `at` falls on in `timeZone`. */
export function dayIn(at: Date, timeZone: string): Day {
  // en-CA formats as yyyy-mm-dd.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}

function addBusinessDays(day: Day, n: number): Day {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  let left = n
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1)
    const weekday = date.getUTCDay()
    if (weekday !== 0 && weekday !== 6) left--
  }
  return date.toISOString().slice(0, 10)
}

export interface DeliveryWindow {
  earliest: Day
  latest: Day
}

/** When an order placed at `placedAt` by `method` should arrive (days in the shop's time zone). */
export function deliveryWindow(method: ShippingMethod, placedAt: Date, timeZone: string): DeliveryWindow {
  const today = dayIn(placedAt, timeZone)
  const [min, max] = SHIPPING_OPTIONS[method].businessDays
  return { earliest: addBusinessDays(today, min), latest: addBusinessDays(today, max) }
}

/** "Tue, 9 Dec – Fri, 12 Dec" (or one day when both ends agree), for people reading `locale`. */
export function formatDeliveryWindow(window: DeliveryWindow, locale: string): string {
  const f = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
  const at = (day: Day) => new Date(`${day}T00:00:00Z`)
  return window.earliest === window.latest ? f.format(at(window.earliest)) : f.formatRange(at(window.earliest), at(window.latest))
}

/** One delivery option as checkout offers it for a cart. */
export interface ShippingQuote {
  method: ShippingMethod
  label: string
  /** what it costs for this cart */
  fee: number
  /** the items subtotal from which it is free (null: never free) */
  freeFrom: number | null
  /** when it should arrive if the order is placed at the quote's time */
  window: DeliveryWindow
}

/** Every delivery option for items worth `itemsPrice`, priced, with when it would arrive for an order placed at `now`. */
export function shippingQuotes(itemsPrice: number, now: Date, timeZone: string): ShippingQuote[] {
  return SHIPPING_METHODS.map((method) => {
    const { label, freeFrom } = SHIPPING_OPTIONS[method]
    return { method, label, fee: shippingFee(method, itemsPrice), freeFrom, window: deliveryWindow(method, now, timeZone) }
  })
}

/** Statuses after which there is no delivery left to expect. */
const DELIVERY_ENDED: readonly OrderStatus[] = ['delivered', 'cancelled', 'returned']

/** "Wed, 9 – Sat, 12 Dec" for an order still on its way; null once delivered, cancelled or returned. */
export function expectedDelivery(order: { shippingMethod: ShippingMethod; createdAt: string; status: OrderStatus }, timeZone: string, locale: string): string | null {
  if (DELIVERY_ENDED.includes(order.status)) return null
  return formatDeliveryWindow(deliveryWindow(order.shippingMethod, new Date(order.createdAt), timeZone), locale)
}
