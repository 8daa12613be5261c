/**
 * Cache-aside for the catalogue. Keys and tags:
 * - product detail: `product:id:<id>` and `product:slug:<slug>`, tagged `p:<id>`;
 * - listings (any list/search/filter query): `list:<normalised query>`, tagged with `p:<id>`
 *   of every product on the page and with `cat:<categoryId>` of a category-filtered query,
 *   or `cat:*` when it spans categories.
 * A product write invalidates `p:<id>` (its detail and every listing showing it) and the
 * listings that could newly include it: `cat:<its category>` (old and new) and `cat:*`.
 */
import { getLogger } from '#app/utils/logger.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'

export const PRODUCT_TTL_MS = 60 * 60 * 1000
export const LISTING_TTL_MS = 60 * 60 * 1000

export const productKeys = {
  byId: (id: string) => `product:id:${id}`,
  bySlug: (slug: string) => `product:slug:${slug}`,
  listing: (normalisedQuery: string) => `list:${normalisedQuery}`,
}

export const productTag = (id: string) => `p:${id}`
export const categoryTag = (categoryId: string | null) => `cat:${categoryId ?? '*'}`

/**
 * Reads through the cache: returns the cached value or computes, stores and returns it. The
 * value is stored only if none of its tags was invalidated while it was being computed (a write
 * that committed meanwhile may be missing from it): see Cache.set.
 */
export async function cached<T>(key: string, ttlMs: number, compute: () => Promise<{ value: T; tags: string[] } | null>): Promise<T | null> {
  const { cache } = getRuntime()
  const hit = await cache.get(key)
  if (hit !== null) return JSON.parse(hit) as T
  // Read before the database is: null while the cache is not in use (then nothing is stored).
  const since = await cache.generation().catch(() => null)
  const fresh = await compute()
  if (fresh === null) return null
  if (since !== null) await cache.set(key, JSON.stringify(fresh.value), ttlMs, fresh.tags, since)
  return fresh.value
}

/**
 * Call after a product write has committed (edit, stock, media, archive, order), before
 * answering. `categoryIds`: the product's category, and its previous one when it moved.
 * Never throws: the write stands whatever happens to the cache. When Redis cannot be reached
 * (the cache retries a few times), this instance stops using cached entries until it has
 * flushed them all, so no read here shows the old product (ADR 0008).
 */
export async function invalidateProduct(productId: string, categoryIds: string[]): Promise<void> {
  const tags = [productTag(productId), ...categoryIds.map((c) => categoryTag(c)), categoryTag(null)]
  try {
    await getRuntime().cache.invalidateTags(tags)
  } catch (err) {
    getLogger().error('cache invalidation after a committed write failed; cached entries are not used until flushed', {
      productId,
      error: err instanceof Error ? err.message : String(err),
    })
  }
}

let lastReport = Date.now()
/** Logs the cache hit ratio at most once a minute (called from read paths). */
export function reportCacheStats(): void {
  const now = Date.now()
  if (now - lastReport < 60_000) return
  lastReport = now
  const { hits, misses } = getRuntime().cache.stats()
  const total = hits + misses
  getLogger().info('cache stats', { hits, misses, hitRatio: total ? Math.round((hits / total) * 1000) / 1000 : null })
}
