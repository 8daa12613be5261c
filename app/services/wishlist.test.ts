// Wishlist against a real PostgreSQL database: idempotent adds (even concurrent), removal, listing.
import { describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { getDb } from '#app/utils/db.server.ts'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { createProduct, createUser } from '../../tests/fixtures/shop.ts'
import { addToWishlist, getWishlistProductIds, listWishlist, removeFromWishlist } from './wishlist.server.ts'

withTestRuntime('it_wishlist')

async function expectDomainError(p: Promise<unknown>, code: string) {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  expect((err as DomainError).code).toBe(code)
}

describe('wishlist', () => {
  it('adds once: the first add is new, the second is not', async () => {
    const user = await createUser()
    const product = await createProduct()
    expect(await addToWishlist(user.id, product.id)).toEqual({ created: true })
    expect(await addToWishlist(user.id, product.id)).toEqual({ created: false })
    expect(await getDb().wishlistItem.count({ where: { userId: user.id } })).toBe(1)
  })

  it('20 concurrent adds of the same product leave exactly one row, and exactly one reports it new', async () => {
    const user = await createUser()
    const product = await createProduct()
    const results = await Promise.all(Array.from({ length: 20 }, () => addToWishlist(user.id, product.id)))
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(await getDb().wishlistItem.count({ where: { userId: user.id, productId: product.id } })).toBe(1)
  })

  it('refuses unknown, malformed and archived products with NOT_FOUND', async () => {
    const user = await createUser()
    const archived = await createProduct({ status: 'archived' })
    await expectDomainError(addToWishlist(user.id, '0190f7a2-0000-7000-8000-000000000000'), 'NOT_FOUND')
    await expectDomainError(addToWishlist(user.id, 'not-a-uuid'), 'NOT_FOUND')
    await expectDomainError(addToWishlist(user.id, archived.id), 'NOT_FOUND')
    expect(await getDb().wishlistItem.count({ where: { userId: user.id } })).toBe(0)
  })

  it('lists the products newest first, as Product views, only the owner’s', async () => {
    const [user, other] = [await createUser(), await createUser()]
    const a = await createProduct({ sizes: { S: 1, M: 0 } })
    const b = await createProduct()
    await addToWishlist(user.id, a.id)
    await new Promise((r) => setTimeout(r, 5))
    await addToWishlist(user.id, b.id)
    await addToWishlist(other.id, a.id)
    const items = await listWishlist(user.id)
    expect(items.map((p) => p.id)).toEqual([b.id, a.id])
    expect(items[1]).toMatchObject({ id: a.id, name: a.name, price: a.price, totalStock: 1, sizes: [{ size: 'S', stock: 1 }, { size: 'M', stock: 0 }] })
    expect(await getWishlistProductIds(other.id)).toEqual([a.id])
  })

  it('removes (idempotently) and 404s only for a product that does not exist', async () => {
    const user = await createUser()
    const product = await createProduct()
    await addToWishlist(user.id, product.id)
    expect(await removeFromWishlist(user.id, product.id)).toEqual({ removed: true })
    expect(await removeFromWishlist(user.id, product.id)).toEqual({ removed: false })
    expect(await listWishlist(user.id)).toEqual([])
    await expectDomainError(removeFromWishlist(user.id, '0190f7a2-0000-7000-8000-000000000000'), 'NOT_FOUND')
  })
})
