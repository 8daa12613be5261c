/** Catalogue reads: search, listings, product detail and categories for the storefront and the API (cache-aside). */
import type { CatalogQuery } from '#app/domain/catalog-query.ts'
import { normaliseCatalogQuery, parseCatalogQuery } from '#app/domain/catalog-query.ts'
import { isSlug, isUuid } from '#app/domain/product-input.ts'
import type { CategoryView, ProductPage, ProductView } from '#app/domain/product.ts'
import { editDistance, maxTypoEdits } from '#app/domain/spelling.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { cached, categoryTag, LISTING_TTL_MS, PRODUCT_TTL_MS, productKeys, productTag, reportCacheStats } from './catalog-cache.server.ts'

export const productSelect = {
  id: true,
  slug: true,
  name: true,
  description: true,
  brand: true,
  price: true,
  mrp: true,
  currency: true,
  createdAt: true,
  category: { select: { id: true, slug: true, name: true } },
  sizes: { select: { size: true, stock: true }, orderBy: [{ sortOrder: 'asc' }, { size: 'asc' }] },
  media: { select: { url: true, type: true }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] },
} satisfies Prisma.ProductSelect

type ProductRow = Prisma.ProductGetPayload<{ select: typeof productSelect }>

/** A product row (selected with `productSelect`) in the API's `Product` shape. */
export function toProductView(p: ProductRow): ProductView {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    category: p.category.slug,
    categoryName: p.category.name,
    brand: p.brand,
    price: p.price,
    mrp: p.mrp,
    currency: p.currency,
    sizes: p.sizes,
    totalStock: p.sizes.reduce((sum, s) => sum + s.stock, 0),
    images: p.media,
    createdAt: p.createdAt.toISOString(),
  }
}

const CATEGORY_TTL_MS = 10 * 60 * 1000
/**
 * The pg_trgm similarity (0–1) from which a catalogue word is a candidate correction of a
 * misspelt one; the edit distance then decides ("shrit" ~ "shirt" is only 0.2).
 */
const CORRECTION_SIMILARITY = '0.2'
/** Corrections tried per misspelt word, closest first. */
const MAX_CORRECTIONS = 5

/** One active product by id or slug, or null (cached an hour; invalidated by `invalidateProduct`). Text that is neither is looked up nowhere. */
export async function getProduct(idOrSlug: string): Promise<ProductView | null> {
  const byId = isUuid(idOrSlug)
  if (!byId && !isSlug(idOrSlug)) return null
  const key = byId ? productKeys.byId(idOrSlug.toLowerCase()) : productKeys.bySlug(idOrSlug)
  const product = await cached<ProductView>(key, PRODUCT_TTL_MS, async () => {
    const row = await getDb().product.findFirst({
      where: { status: 'active', ...(byId ? { id: idOrSlug } : { slug: idOrSlug }) },
      select: productSelect,
    })
    return row ? { value: toProductView(row), tags: [productTag(row.id)] } : null
  })
  reportCacheStats()
  return product
}

const PRODUCTS_API = '/api/v1/products'

/**
 * The cache entry whose text is, byte for byte, the JSON body that the public catalogue API
 * answers for this path and query: `GET /api/v1/products?…` (searchProducts) and
 * `GET /api/v1/products/:idOrSlug` (getProduct) store their answers under these keys. null when
 * the request is anything else (an invalid query, a sub-resource): the full handler answers it.
 * The HTTP fast lane (app/utils/fast-lane.server.ts) serves hits without running the handler.
 */
export function cachedApiReadKey(path: string, search: string): string | null {
  if (path === PRODUCTS_API) {
    const parsed = parseCatalogQuery(new URLSearchParams(search))
    return parsed.success ? productKeys.listing(normaliseCatalogQuery(parsed.query)) : null
  }
  if (!path.startsWith(`${PRODUCTS_API}/`)) return null
  const segment = path.slice(PRODUCTS_API.length + 1)
  if (segment.includes('/') || segment.endsWith('.data')) return null
  let idOrSlug: string
  try {
    idOrSlug = decodeURIComponent(segment)
  } catch {
    return null
  }
  if (isUuid(idOrSlug)) return productKeys.byId(idOrSlug.toLowerCase())
  return isSlug(idOrSlug) ? productKeys.bySlug(idOrSlug) : null
}

/** Active products by id, in the order given (unknown or inactive ids are left out). */
export async function getProductsByIds(ids: string[]): Promise<ProductView[]> {
  const found = await Promise.all(ids.map((id) => getProduct(id)))
  return found.filter((p): p is ProductView => p !== null)
}

/** Categories in display order (cached; any product write refreshes them too). */
export async function listCategories(): Promise<CategoryView[]> {
  const list = await cached<CategoryView[]>('categories', CATEGORY_TTL_MS, async () => ({
    value: await getDb().category.findMany({
      select: { id: true, slug: true, name: true, description: true },
      orderBy: [{ sortOrder: 'asc' }, { name: 'asc' }],
    }),
    tags: [categoryTag(null)],
  }))
  return list ?? []
}

export async function getCategory(slug: string): Promise<CategoryView | null> {
  return (await listCategories()).find((c) => c.slug === slug) ?? null
}

/** Sizes that some active product (of the category) has, in their usual order: the size filter's options. */
export async function listSizes(categorySlug?: string): Promise<string[]> {
  const category = categorySlug ? await getCategory(categorySlug) : null
  if (categorySlug && !category) return []
  const sizes = await cached<string[]>(`sizes:${category?.id ?? '*'}`, LISTING_TTL_MS, async () => {
    const rows = await getDb().$queryRaw<{ size: string }[]>(Prisma.sql`
      SELECT s.size FROM product_sizes s JOIN products p ON p.id = s.product_id
      WHERE p.status = 'active' ${category ? Prisma.sql`AND p.category_id = ${category.id}::uuid` : Prisma.empty}
      GROUP BY s.size ORDER BY min(s.sort_order), s.size`)
    return { value: rows.map((r) => r.size), tags: [categoryTag(category?.id ?? null)] }
  })
  return sizes ?? []
}

export interface SearchOptions {
  /** only products marked featured (home page) */
  featured?: boolean
}

/**
 * The one listing query behind search, category pages, the home rows and
 * `GET /api/v1/products`: text (full-text, misspelt words corrected), category, price range
 * (minor units), size in stock, sort and pagination. Cached per normalised query for an hour.
 */
export async function searchProducts(query: CatalogQuery, options: SearchOptions = {}): Promise<ProductPage> {
  const empty: ProductPage = { items: [], page: query.page, limit: query.limit, total: 0 }
  let categoryId: string | null = null
  if (query.category) {
    const category = await getCategory(query.category)
    if (!category) return empty
    categoryId = category.id
  }
  const key = productKeys.listing(`${normaliseCatalogQuery(query)}${options.featured ? '&featured' : ''}`)
  const page = await cached<ProductPage>(key, LISTING_TTL_MS, async () => {
    const { ids, total } = await findProductIds(query, categoryId, options)
    const rows = ids.length ? await getDb().product.findMany({ where: { id: { in: ids } }, select: productSelect }) : []
    const byId = new Map(rows.map((r) => [r.id, toProductView(r)]))
    const items = ids.map((id) => byId.get(id)).filter((p): p is ProductView => p !== undefined)
    return {
      value: { items, page: query.page, limit: query.limit, total },
      tags: [categoryTag(categoryId), ...items.map((p) => productTag(p.id))],
    }
  })
  reportCacheStats()
  return page ?? empty
}

/** Other active products of the same category, most popular first. */
export async function getRelatedProducts(product: ProductView, limit = 4): Promise<ProductView[]> {
  const page = await searchProducts({ page: 1, limit: limit + 1, category: product.category, sort: 'popular' })
  return page.items.filter((p) => p.id !== product.id).slice(0, limit)
}

export interface HomeRows {
  featured: ProductView[]
  latest: ProductView[]
  categories: { category: CategoryView; items: ProductView[]; total: number }[]
}

/** The home page: featured, new arrivals, and a short row per category. */
export async function getHomeRows(perRow = 4): Promise<HomeRows> {
  const categories = await listCategories()
  const [featured, latest, ...rows] = await Promise.all([
    searchProducts({ page: 1, limit: 8, sort: 'popular' }, { featured: true }),
    searchProducts({ page: 1, limit: 8, sort: 'newest' }),
    ...categories.map((c) => searchProducts({ page: 1, limit: perRow, category: c.slug, sort: 'popular' })),
  ])
  return {
    featured: featured.items,
    latest: latest.items,
    categories: categories.map((category, i) => ({ category, items: rows[i]?.items ?? [], total: rows[i]?.total ?? 0 })).filter((r) => r.total > 0),
  }
}

/** Words of a search: letters and digits only (safe inside a tsquery), at most 8. */
export function searchTokens(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8)
}

// The text expressions must stay identical to the indexes of the `search` migration.
const FTS = Prisma.sql`to_tsvector('english'::regconfig, p.name || ' ' || p.brand || ' ' || p.description)`

async function findProductIds(query: CatalogQuery, categoryId: string | null, options: SearchOptions): Promise<{ ids: string[]; total: number }> {
  const db = getDb()
  const where: Prisma.Sql[] = [Prisma.sql`p.status = 'active'`]
  if (categoryId) where.push(Prisma.sql`p.category_id = ${categoryId}::uuid`)
  if (options.featured) where.push(Prisma.sql`p.featured`)
  if (query.minPrice !== undefined) where.push(Prisma.sql`p.price >= ${query.minPrice}`)
  if (query.maxPrice !== undefined) where.push(Prisma.sql`p.price <= ${query.maxPrice}`)
  if (query.size !== undefined) where.push(Prisma.sql`EXISTS (SELECT 1 FROM product_sizes s WHERE s.product_id = p.id AND s.size = ${query.size} AND s.stock > 0)`)

  let rank: Prisma.Sql | null = null
  const text = query.q?.trim()
  if (text) {
    const tokens = searchTokens(text)
    if (tokens.length === 0) return { ids: [], total: 0 }
    // Each word as a prefix ("kurt" finds kurtas), or else one of its corrections: all words must match.
    const corrections = await correctTypos(tokens)
    const tsquery = tokens.map((t) => `(${[`${t}:*`, ...(corrections.get(t) ?? [])].join(' | ')})`).join(' & ')
    where.push(Prisma.sql`${FTS} @@ to_tsquery('english', ${tsquery})`)
    const phrase = tokens.join(' ')
    rank = Prisma.sql`ts_rank(${FTS}, to_tsquery('english', ${tsquery})) + greatest(word_similarity(${phrase}, lower(p.name)), word_similarity(${phrase}, lower(p.brand)))`
  }

  const sort = query.sort ?? (rank ? 'relevance' : 'newest')
  const orderBy =
    sort === 'price_asc'
      ? Prisma.sql`p.price ASC, p.id ASC`
      : sort === 'price_desc'
        ? Prisma.sql`p.price DESC, p.id DESC`
        : sort === 'popular'
          ? Prisma.sql`p.sold_count DESC, p.id DESC`
          : sort === 'relevance' && rank
            ? Prisma.sql`${rank} DESC, p.created_at DESC, p.id DESC`
            : Prisma.sql`p.created_at DESC, p.id DESC`
  const whereSql = Prisma.join(where, ' AND ')
  const offset = (query.page - 1) * query.limit
  const idsQuery = db.$queryRaw<{ id: string }[]>(Prisma.sql`SELECT p.id FROM products p WHERE ${whereSql} ORDER BY ${orderBy} LIMIT ${query.limit} OFFSET ${offset}`)
  const countQuery = db.$queryRaw<{ n: number }[]>(Prisma.sql`SELECT count(*)::int AS n FROM products p WHERE ${whereSql}`)
  const [ids, count] = await Promise.all([idsQuery, countQuery])
  return { ids: ids.map((r) => r.id), total: count[0]?.n ?? 0 }
}

/**
 * Spelling correction against the catalogue's words (`search_words`, kept by the triggers of
 * the `search_words` migration): a search word that starts no catalogue word, neither as typed
 * nor stemmed, and is not a stop word, gets the catalogue words within `maxTypoEdits` of it.
 * Candidates come from the trigram index; the edit distance, which counts a swap of
 * neighbours as one, picks among them.
 */
async function correctTypos(tokens: string[]): Promise<Map<string, string[]>> {
  const corrections = new Map<string, string[]>()
  const misspelt = [...new Set(tokens.filter((t) => maxTypoEdits(t.length) > 0 && /\p{L}/u.test(t)))]
  if (misspelt.length === 0) return corrections
  const db = getDb()
  // The `%` threshold is a setting: set it for this transaction only.
  const [, rows] = await db.$transaction([
    db.$queryRaw`SELECT set_config('pg_trgm.similarity_threshold', ${CORRECTION_SIMILARITY}, true)`,
    // ts_lexize gives the word's English stem ("shirts" → "shirt"), or none for a stop word.
    db.$queryRaw<{ token: string; word: string; similarity: number }[]>`
      SELECT t.token, w.word, similarity(w.word, t.token) AS similarity
      FROM unnest(${misspelt}::text[]) AS t(token)
      CROSS JOIN LATERAL (SELECT (ts_lexize('english_stem', t.token))[1] AS stem) s
      JOIN search_words w ON w.word % t.token
      WHERE s.stem IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM search_words k WHERE k.word LIKE t.token || '%' OR k.word LIKE s.stem || '%')`,
  ])
  for (const token of misspelt) {
    const max = maxTypoEdits(token.length)
    const close = rows
      .filter((r) => r.token === token && /^[\p{L}\p{N}]+$/u.test(r.word))
      .map((r) => ({ word: r.word, distance: editDistance(token, r.word, max), similarity: r.similarity }))
      .filter((c) => c.distance <= max)
      .sort((a, b) => a.distance - b.distance || b.similarity - a.similarity || a.word.localeCompare(b.word))
    if (close.length) corrections.set(token, close.slice(0, MAX_CORRECTIONS).map((c) => c.word))
  }
  return corrections
}
