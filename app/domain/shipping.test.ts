// Delivery options: what each costs for a cart, and the delivery dates a shopper is promised.
import { describe, expect, it } from 'vitest'
import { computeTotals } from './pricing.ts'
import { deliveryWindow, expectedDelivery, FREE_SHIPPING_FROM, shippingFee, shippingQuotes } from './shipping.ts'

const IST = 'Asia/Kolkata'

describe('delivery fees', () => {
  it('standard is ₹49 below ₹499 of items and free from ₹499; express is always ₹149; nothing to deliver costs nothing', () => {
    expect(shippingFee('standard', FREE_SHIPPING_FROM - 1)).toBe(4_900)
    expect(shippingFee('standard', FREE_SHIPPING_FROM)).toBe(0)
    expect(shippingFee('express', 29_900)).toBe(14_900)
    expect(shippingFee('express', 500_000)).toBe(14_900)
    expect(shippingFee('express', 0)).toBe(0)
  })

  it('totals add the chosen option’s fee; the cart’s totals are standard delivery', () => {
    const lines = [{ unitPrice: 59_900, quantity: 1 }]
    expect(computeTotals(lines)).toEqual({ itemsPrice: 59_900, taxPrice: 2_995, shippingPrice: 0, totalPrice: 62_895 })
    expect(computeTotals(lines, 'express')).toEqual({ itemsPrice: 59_900, taxPrice: 2_995, shippingPrice: 14_900, totalPrice: 77_795 })
  })
})

describe('delivery dates', () => {
  it('counts business days after the order day, skipping the weekend', () => {
    // Thursday 3 Dec 2026, noon in India.
    const thursday = new Date('2026-12-03T06:30:00Z')
    expect(deliveryWindow('express', thursday, IST)).toEqual({ earliest: '2026-12-04', latest: '2026-12-07' })
    expect(deliveryWindow('standard', thursday, IST)).toEqual({ earliest: '2026-12-08', latest: '2026-12-11' })
  })

  it('takes the order day in the shop’s time zone, not the server’s', () => {
    // 20:00 UTC on Thursday is already 01:30 on Friday in India.
    const thursdayEveningUtc = new Date('2026-12-03T20:00:00Z')
    expect(deliveryWindow('express', thursdayEveningUtc, 'UTC')).toEqual({ earliest: '2026-12-04', latest: '2026-12-07' })
    expect(deliveryWindow('express', thursdayEveningUtc, IST)).toEqual({ earliest: '2026-12-07', latest: '2026-12-08' })
  })

  it('quotes every option for a cart, and an order page stops promising a date once the order is over', () => {
    const now = new Date('2026-12-03T06:30:00Z')
    expect(shippingQuotes(29_900, now, IST)).toEqual([
      { method: 'standard', label: 'Standard delivery', fee: 4_900, freeFrom: FREE_SHIPPING_FROM, window: { earliest: '2026-12-08', latest: '2026-12-11' } },
      { method: 'express', label: 'Express delivery', fee: 14_900, freeFrom: null, window: { earliest: '2026-12-04', latest: '2026-12-07' } },
    ])
    const order = { shippingMethod: 'express' as const, createdAt: now.toISOString() }
    expect(expectedDelivery({ ...order, status: 'shipped' }, IST, 'en-IN')).toMatch(/^Fri, 4\s*–\s*Mon, 7 Dec$/)
    expect(expectedDelivery({ ...order, status: 'delivered' }, IST, 'en-IN')).toBeNull()
    expect(expectedDelivery({ ...order, status: 'cancelled' }, IST, 'en-IN')).toBeNull()
  })
})
