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

/** Reads through the cache: returns the cached value or computes, stores and returns it. */
export async function cached<T>(key: string, ttlMs: number, compute: () => Promise<{ value: T; tags: string[] } | null>): Promise<T | null> {
  const { cache } = getRuntime()
  const hit = await cache.get(key)
  if (hit !== null) return JSON.parse(hit) as T
  const fresh = await compute()
  if (fresh === null) return null
  await cache.set(key, JSON.stringify(fresh.value), ttlMs, fresh.tags).catch((err: unknown) => {
    getLogger().warn('cache write failed', { key, error: err instanceof Error ? err.message : String(err) })
  })
  return fresh.value
}

/**
 * Call after a product write has committed (edit, stock, media, archive, order).
 * `categoryIds`: the product's category, and its previous one when it moved.
 */
export async function invalidateProduct(productId: string, categoryIds: string[]): Promise<void> {
  const tags = [productTag(productId), ...categoryIds.map((c) => categoryTag(c)), categoryTag(null)]
  const { cache } = getRuntime()
  await cache.invalidateTags(tags)
  // A reader that loaded the old row just before the write may store it just after this
  // invalidation; a second, delayed invalidation removes such a late write ("double delete").
  setTimeout(() => {
    cache.invalidateTags(tags).catch((err: unknown) => getLogger().warn('delayed cache invalidation failed', { error: err instanceof Error ? err.message : String(err) }))
  }, REINVALIDATE_AFTER_MS).unref()
}

/** Longer than a cache-miss read of a product or listing normally takes. */
const REINVALIDATE_AFTER_MS = 2_000

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
