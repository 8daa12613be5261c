/** Wishlist: one row per (user, product), duplicates impossible by the primary key. */
import { DomainError } from '#app/domain/errors.ts'
import type { ProductView } from '#app/domain/product.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getProductsByIds } from './catalog.server.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function notFound(): DomainError {
  return new DomainError('NOT_FOUND', 'This product does not exist or is no longer sold.')
}

/**
 * Adds a product to the user's wishlist. `created` is false when it was there already;
 * concurrent adds are safe (ON CONFLICT DO NOTHING on the primary key).
 */
export async function addToWishlist(userId: string, productId: string): Promise<{ created: boolean }> {
  if (!UUID.test(productId)) throw notFound()
  const db = getDb()
  const product = await db.product.findFirst({ where: { id: productId, status: 'active' }, select: { id: true } })
  if (!product) throw notFound()
  const inserted = await db.$executeRaw`
    INSERT INTO wishlist_items (user_id, product_id) VALUES (${userId}::uuid, ${productId}::uuid)
    ON CONFLICT (user_id, product_id) DO NOTHING`
  return { created: inserted === 1 }
}

/** Removes a product from the wishlist (no-op when absent); NOT_FOUND only for a product that never existed. */
export async function removeFromWishlist(userId: string, productId: string): Promise<{ removed: boolean }> {
  if (!UUID.test(productId)) throw notFound()
  const db = getDb()
  const { count } = await db.wishlistItem.deleteMany({ where: { userId, productId } })
  if (count === 0 && !(await db.product.findUnique({ where: { id: productId }, select: { id: true } }))) throw notFound()
  return { removed: count > 0 }
}

/** The user's wishlisted products that are still on sale, most recently added first. */
export async function listWishlist(userId: string): Promise<ProductView[]> {
  return getProductsByIds(await getWishlistProductIds(userId))
}

/** Ids of the user's wishlisted products, most recently added first (for the hearts' state). */
export async function getWishlistProductIds(userId: string): Promise<string[]> {
  const rows = await getDb().wishlistItem.findMany({
    where: { userId },
    select: { productId: true },
    orderBy: [{ createdAt: 'desc' }, { productId: 'asc' }],
    take: 500,
  })
  return rows.map((r) => r.productId)
}
