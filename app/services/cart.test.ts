// Carts against a real PostgreSQL database: stock and per-line limits, guest → user merge
// at sign-in, and totals (items, GST band, shipping) computed on the server.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { computeTotals, taxRateFor } from '#app/domain/pricing.ts'
import { getDb } from '#app/utils/db.server.ts'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { createProduct, createUser } from '../../tests/fixtures/shop.ts'
import { addToCart, getCart, getCartItemCount, mergeGuestCart, removeLine, updateQuantity, type CartOwner } from './cart.server.ts'

withTestRuntime('it_cart')

const guest = (): CartOwner => ({ guestToken: randomBytes(24).toString('base64url') })

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  return err as DomainError
}

describe('pricing rules', () => {
  it('GST is 5% below ₹1,000 a unit and 12% from ₹1,000; shipping ₹49 below ₹499, else free', () => {
    expect(taxRateFor(99_999)).toBe(0.05)
    expect(taxRateFor(100_000)).toBe(0.12)
    expect(computeTotals([])).toEqual({ itemsPrice: 0, taxPrice: 0, shippingPrice: 0, totalPrice: 0 })
    expect(computeTotals([{ unitPrice: 29_900, quantity: 1 }])).toEqual({ itemsPrice: 29_900, taxPrice: 1_495, shippingPrice: 4_900, totalPrice: 36_295 })
    expect(computeTotals([{ unitPrice: 49_900, quantity: 1 }]).shippingPrice).toBe(0)
    expect(computeTotals([{ unitPrice: 49_899, quantity: 1 }]).shippingPrice).toBe(4_900)
    // Mixed bands: 2 × ₹799 at 5% + 1 × ₹1,499 at 12%.
    expect(computeTotals([{ unitPrice: 79_900, quantity: 2 }, { unitPrice: 149_900, quantity: 1 }])).toEqual({
      itemsPrice: 309_700,
      taxPrice: 7_990 + 17_988,
      shippingPrice: 0,
      totalPrice: 309_700 + 7_990 + 17_988,
    })
  })
})

describe('cart', () => {
  it('adds to a guest cart, sums a repeated add, and prices lines from the database', async () => {
    const owner = guest()
    const p = await createProduct({ price: 29_900, sizes: { M: 5, L: 2 } })
    await addToCart(owner, { productId: p.id, size: 'M', quantity: 1 })
    await addToCart(owner, { productId: p.id, size: 'M', quantity: 2 })
    const cart = await getCart(owner)
    expect(cart.lines).toHaveLength(1)
    expect(cart.lines[0]).toMatchObject({ productId: p.id, name: p.name, size: 'M', quantity: 3, unitPrice: 29_900, lineTotal: 89_700, available: 5, outOfStock: false, exceedsStock: false })
    expect(cart.itemCount).toBe(3)
    expect(cart.totals).toEqual({ itemsPrice: 89_700, taxPrice: 4_485, shippingPrice: 0, totalPrice: 94_185 })
    expect(cart.ready).toBe(true)
    expect(await getCartItemCount(owner)).toBe(3)
  })

  it('refuses more than the size has in stock, with a clear message, and changes nothing', async () => {
    const owner = guest()
    const p = await createProduct({ sizes: { M: 2, XL: 0 } })
    await addToCart(owner, { productId: p.id, size: 'M', quantity: 2 })
    const more = await rejection(addToCart(owner, { productId: p.id, size: 'M', quantity: 1 }))
    expect(more.code).toBe('OUT_OF_STOCK')
    expect(more.message).toMatch(/Only 2 left .* size M\. You already have 2 in your cart\./)
    const none = await rejection(addToCart(owner, { productId: p.id, size: 'XL', quantity: 1 }))
    expect(none.code).toBe('OUT_OF_STOCK')
    expect(none.message).toMatch(/out of stock/)
    expect((await getCart(owner)).lines.map((l) => [l.size, l.quantity])).toEqual([['M', 2]])
  })

  it('validates size, quantity (1–10 a line) and product', async () => {
    const owner = guest()
    const p = await createProduct({ sizes: { M: 50 } })
    expect((await rejection(addToCart(owner, { productId: p.id, size: 'XXL', quantity: 1 }))).code).toBe('VALIDATION')
    expect((await rejection(addToCart(owner, { productId: p.id, size: 'M', quantity: 0 }))).code).toBe('VALIDATION')
    expect((await rejection(addToCart(owner, { productId: p.id, size: 'M', quantity: 11 }))).code).toBe('VALIDATION')
    await addToCart(owner, { productId: p.id, size: 'M', quantity: 8 })
    expect((await rejection(addToCart(owner, { productId: p.id, size: 'M', quantity: 3 }))).message).toMatch(/At most 10/)
    const archived = await createProduct({ status: 'archived' })
    expect((await rejection(addToCart(owner, { productId: archived.id, size: 'M', quantity: 1 }))).code).toBe('NOT_FOUND')
  })

  it('updates quantity within stock, removes lines, and only touches the owner’s cart', async () => {
    const user = await createUser()
    const owner: CartOwner = { userId: user.id }
    const p = await createProduct({ sizes: { M: 4 } })
    await addToCart(owner, { productId: p.id, size: 'M', quantity: 1 })
    const [line] = (await getCart(owner)).lines
    if (!line) throw new Error('no line')
    await updateQuantity(owner, line.id, 4)
    expect((await getCart(owner)).lines[0]?.quantity).toBe(4)
    expect((await rejection(updateQuantity(owner, line.id, 5))).code).toBe('OUT_OF_STOCK')
    expect((await rejection(updateQuantity(owner, line.id, 0))).code).toBe('VALIDATION')
    expect((await rejection(updateQuantity(guest(), line.id, 1))).code).toBe('NOT_FOUND')
    expect(await removeLine(guest(), line.id)).toEqual({ removed: false })
    expect(await removeLine(owner, line.id)).toEqual({ removed: true })
    expect((await getCart(owner)).lines).toEqual([])
  })

  it('flags lines whose size sold out or dropped below the quantity, and charges nothing for archived products', async () => {
    const owner = guest()
    const a = await createProduct({ price: 50_000, sizes: { M: 5 } })
    const b = await createProduct({ price: 50_000, sizes: { M: 5 } })
    const c = await createProduct({ price: 150_000, sizes: { M: 5 } })
    for (const p of [a, b, c]) await addToCart(owner, { productId: p.id, size: 'M', quantity: 3 })
    const db = getDb()
    await db.productSize.updateMany({ where: { productId: a.id }, data: { stock: 1 } })
    await db.productSize.updateMany({ where: { productId: b.id }, data: { stock: 0 } })
    await db.product.update({ where: { id: c.id }, data: { status: 'archived' } })
    const cart = await getCart(owner)
    const byId = new Map(cart.lines.map((l) => [l.productId, l]))
    expect(byId.get(a.id)).toMatchObject({ exceedsStock: true, outOfStock: false, available: 1 })
    expect(byId.get(b.id)).toMatchObject({ outOfStock: true, exceedsStock: false })
    expect(byId.get(c.id)).toMatchObject({ unavailable: true })
    expect(cart.ready).toBe(false)
    expect(cart.totals.itemsPrice).toBe(300_000)
  })

  it('merges the guest cart at sign-in: sums per product and size, caps by stock and 10, drops what cannot be bought, deletes the guest cart', async () => {
    const user = await createUser()
    const me: CartOwner = { userId: user.id }
    const g = guest()
    const scarce = await createProduct({ sizes: { M: 4 } })
    const plenty = await createProduct({ sizes: { L: 50 } })
    const onlyGuest = await createProduct({ sizes: { S: 3 } })
    const gone = await createProduct({ sizes: { M: 3 } })
    await addToCart(me, { productId: scarce.id, size: 'M', quantity: 2 })
    await addToCart(me, { productId: plenty.id, size: 'L', quantity: 6 })
    await addToCart(g, { productId: scarce.id, size: 'M', quantity: 3 })
    await addToCart(g, { productId: plenty.id, size: 'L', quantity: 7 })
    await addToCart(g, { productId: onlyGuest.id, size: 'S', quantity: 2 })
    await addToCart(g, { productId: gone.id, size: 'M', quantity: 1 })
    await getDb().productSize.updateMany({ where: { productId: gone.id }, data: { stock: 0 } })

    expect(await mergeGuestCart('guestToken' in g ? g.guestToken : '', user.id)).toEqual({ mergedLines: 3 })
    const merged = new Map((await getCart(me)).lines.map((l) => [l.productId, l.quantity]))
    expect(Object.fromEntries(merged)).toEqual({ [scarce.id]: 4, [plenty.id]: 10, [onlyGuest.id]: 2 })
    expect((await getCart(g)).lines).toEqual([])
    expect(await getDb().cart.count({ where: { guestToken: 'guestToken' in g ? g.guestToken : '' } })).toBe(0)
    // Nothing to merge is a no-op.
    expect(await mergeGuestCart('no-such-token-000000000000', user.id)).toEqual({ mergedLines: 0 })
  })

  it('a first sign-in with a guest cart creates the user cart', async () => {
    const user = await createUser()
    const g = guest()
    const p = await createProduct({ sizes: { M: 2 } })
    await addToCart(g, { productId: p.id, size: 'M', quantity: 2 })
    await mergeGuestCart('guestToken' in g ? g.guestToken : '', user.id)
    expect((await getCart({ userId: user.id })).lines.map((l) => l.quantity)).toEqual([2])
  })

  it('concurrent adds to one line never exceed stock', async () => {
    const owner = guest()
    const p = await createProduct({ sizes: { M: 5 } })
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => addToCart(owner, { productId: p.id, size: 'M', quantity: 1 })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5)
    expect((await getCart(owner)).lines[0]?.quantity).toBe(5)
  })
})
