// The web checkout and the address book against a real PostgreSQL database: an order from the
// cart exactly once per form token, delivery priced by the server, nothing taken when an item is
// short or the delivery option is unknown, addresses per owner.
import { describe, expect, it } from 'vitest'
import { allowedStep, MAX_SAVED_ADDRESSES } from '#app/domain/checkout.ts'
import { DomainError } from '#app/domain/errors.ts'
import type { ShippingMethod } from '#app/domain/shipping.ts'
import { getDb } from '#app/utils/db.server.ts'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { createProduct, createUser } from '../../tests/fixtures/shop.ts'
import { deleteAddress, getAddress, listAddresses, saveAddress } from './addresses.server.ts'
import { addToCart, getCart } from './cart.server.ts'
import { findCheckoutOrder, placeCheckoutOrder, reviewCheckout } from './checkout.server.ts'
import { getOrderForCustomer } from './orders.server.ts'

withTestRuntime('it_checkout', { poolMax: 10 })

const address = { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919876543210' }
const ctx = { currency: 'INR' }

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  return err as DomainError
}

async function stockOf(productId: string, size = 'M'): Promise<number> {
  const row = await getDb().productSize.findUnique({ where: { productId_size: { productId, size } }, select: { stock: true } })
  return row?.stock ?? -1
}

describe('placing the order from the cart', () => {
  it('buys what is in the cart at server prices, empties the cart, and a repeated token returns the same order', async () => {
    const user = await createUser()
    const p = await createProduct({ price: 59_900, sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 2 })
    const review = await reviewCheckout(user.id, 'INR')
    expect(review.problems).toEqual([])

    const token = 'tok-aaaaaaaaaaaa'
    const first = await placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token }, ctx)
    expect(first.created).toBe(true)
    expect(first.order.totalPrice).toBe(review.cart.totals.totalPrice)
    expect(first.order.items).toEqual([expect.objectContaining({ productId: p.id, size: 'M', quantity: 2, price: 59_900 })])
    expect((await getCart({ userId: user.id })).lines).toEqual([])
    expect(await stockOf(p.id)).toBe(3)

    // The cart is empty now; the same form still leads to the same order.
    const again = await placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token }, ctx)
    expect(again).toEqual({ order: first.order, created: false })
    expect((await findCheckoutOrder(user.id, token))?.id).toBe(first.order.id)
    expect(await findCheckoutOrder(user.id, 'tok-unknown-123')).toBeNull()
    expect(await stockOf(p.id)).toBe(3)
  })

  it('places one order when the same form is submitted twice at once', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    const token = 'tok-bbbbbbbbbbbb'
    const results = await Promise.all([0, 1, 2].map(() => placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token }, ctx)))
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1)
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(await getDb().order.count({ where: { userId: user.id } })).toBe(1)
    expect(await stockOf(p.id)).toBe(4)
  })

  it('with an item short changes nothing and names it with how many are left', async () => {
    const user = await createUser()
    const ok = await createProduct({ sizes: { M: 5 } })
    const short = await createProduct({ sizes: { M: 3 } })
    await addToCart({ userId: user.id }, { productId: ok.id, size: 'M', quantity: 1 })
    await addToCart({ userId: user.id }, { productId: short.id, size: 'M', quantity: 3 })
    // Someone else buys one meanwhile.
    await getDb().productSize.update({ where: { productId_size: { productId: short.id, size: 'M' } }, data: { stock: 2 } })
    const review = await reviewCheckout(user.id, 'INR')
    expect(review.problems).toEqual([expect.objectContaining({ productId: short.id, requested: 3, available: 2 })])

    const err = await rejection(placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token: 'tok-cccccccccccc' }, ctx))
    expect(err.code).toBe('OUT_OF_STOCK')
    expect(err.details?.items).toEqual([expect.objectContaining({ productId: short.id, size: 'M', requested: 3, available: 2, name: expect.any(String) })])
    expect(await stockOf(ok.id)).toBe(5)
    expect(await stockOf(short.id)).toBe(2)
    expect((await getCart({ userId: user.id })).lines).toHaveLength(2)
    expect(await getDb().order.count({ where: { userId: user.id } })).toBe(0)
  })

  it('names a product that stopped being sold from the cart', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    await getDb().product.update({ where: { id: p.id }, data: { status: 'archived' } })
    const err = await rejection(placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token: 'tok-dddddddddddd' }, ctx))
    expect(err.code).toBe('OUT_OF_STOCK')
    expect(err.details?.items).toEqual([expect.objectContaining({ productId: p.id, available: 0, name: expect.any(String) })])
  })

  it('refuses an empty cart and a malformed token', async () => {
    const user = await createUser()
    expect((await rejection(placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token: 'tok-eeeeeeeeeeee' }, ctx))).message).toBe('Your cart is empty.')
    expect((await rejection(placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token: 'short' }, ctx))).code).toBe('VALIDATION')
  })

  it('refuses Razorpay while online payment is not configured, taking nothing', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    const err = await rejection(placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'razorpay', token: 'tok-ffffffffffff' }, ctx))
    expect(err.code).toBe('VALIDATION')
    expect(await stockOf(p.id)).toBe(5)
    expect((await getCart({ userId: user.id })).lines).toHaveLength(1)
  })
})

describe('delivery options', () => {
  it('the steps go address, shipping, payment, review; review without a delivery choice sends the shopper to shipping', () => {
    expect(allowedStep('review', { address })).toBe('shipping')
    expect(allowedStep('payment', { address })).toBe('shipping')
    expect(allowedStep('review', { address, paymentMethod: 'cod' })).toBe('shipping')
    expect(allowedStep('review', { address, shippingMethod: 'express', paymentMethod: 'cod' })).toBe('review')
    expect(allowedStep('shipping', {})).toBe('address')
  })

  it('prices delivery on the server: standard is free from ₹499 of items, express always costs ₹149, and the order keeps its option', async () => {
    const user = await createUser()
    const p = await createProduct({ price: 59_900, sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    // ₹599 of items at 5% GST.
    const standard = await reviewCheckout(user.id, 'INR', 'standard')
    expect(standard.cart.totals).toEqual({ itemsPrice: 59_900, taxPrice: 2_995, shippingPrice: 0, totalPrice: 62_895 })
    const express = await reviewCheckout(user.id, 'INR', 'express')
    expect(express.cart.totals).toEqual({ itemsPrice: 59_900, taxPrice: 2_995, shippingPrice: 14_900, totalPrice: 77_795 })

    const { order } = await placeCheckoutOrder(user.id, { address, shippingMethod: 'express', paymentMethod: 'cod', token: 'tok-ship-express-1' }, ctx)
    expect(order).toMatchObject({ shippingMethod: 'express', shippingPrice: 14_900, totalPrice: 77_795 })
    expect(order.payment?.amount).toBe(77_795)
    // As stored, not only as answered.
    expect(await getOrderForCustomer(user.id, order.id)).toMatchObject({ shippingMethod: 'express', shippingPrice: 14_900, totalPrice: 77_795 })
  })

  it('charges standard delivery below ₹499 of items', async () => {
    const user = await createUser()
    const p = await createProduct({ price: 29_900, sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    const { order } = await placeCheckoutOrder(user.id, { address, shippingMethod: 'standard', paymentMethod: 'cod', token: 'tok-ship-standard-1' }, ctx)
    expect(order).toMatchObject({ shippingMethod: 'standard', itemsPrice: 29_900, taxPrice: 1_495, shippingPrice: 4_900, totalPrice: 36_295 })
  })

  it('refuses a delivery option it does not offer, taking nothing', async () => {
    const user = await createUser()
    const p = await createProduct({ sizes: { M: 5 } })
    await addToCart({ userId: user.id }, { productId: p.id, size: 'M', quantity: 1 })
    const err = await rejection(placeCheckoutOrder(user.id, { address, shippingMethod: 'teleport' as ShippingMethod, paymentMethod: 'cod', token: 'tok-ship-unknown-1' }, ctx))
    expect(err.code).toBe('VALIDATION')
    expect(err.message).toBe('Shipping method must be one of standard, express.')
    expect(await stockOf(p.id)).toBe(5)
    expect((await getCart({ userId: user.id })).lines).toHaveLength(1)
    expect(await getDb().order.count({ where: { userId: user.id } })).toBe(0)
  })
})

describe('address book', () => {
  it('saves, deduplicates, keeps one default, and deletes only the owner’s addresses', async () => {
    const user = await createUser()
    const other = await createUser()
    const home = await saveAddress(user.id, address)
    expect(home).toMatchObject({ ...address, isDefault: true })
    // The same address again (spelled with other case and spacing) is not a second entry.
    const same = await saveAddress(user.id, { ...address, city: ' bengaluru ', phone: '98765 43210' })
    expect(same.id).toBe(home.id)
    const office = await saveAddress(user.id, { ...address, line1: '4 Residency Road', line2: 'Office, 3rd floor' }, { makeDefault: true })
    expect((await listAddresses(user.id)).map((a) => [a.id, a.isDefault])).toEqual([
      [office.id, true],
      [home.id, false],
    ])
    expect(await getAddress(other.id, home.id)).toBeNull()
    expect(await deleteAddress(other.id, home.id)).toEqual({ deleted: false })
    expect(await deleteAddress(user.id, office.id)).toEqual({ deleted: true })
    expect(await listAddresses(user.id)).toEqual([expect.objectContaining({ id: home.id, isDefault: true })])
  })

  it('validates and caps the book', async () => {
    const user = await createUser()
    expect((await rejection(saveAddress(user.id, { ...address, postalCode: '!' }))).code).toBe('VALIDATION')
    for (let i = 0; i < MAX_SAVED_ADDRESSES; i++) await saveAddress(user.id, { ...address, line1: `${i + 1} Long Street` })
    expect((await rejection(saveAddress(user.id, { ...address, line1: 'One too many' }))).code).toBe('CONFLICT')
  })
})
