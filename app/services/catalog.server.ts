/** Catalogue reads: search, listings, product detail and categories for the storefront and the API (cache-aside). */
import type { CatalogQuery } from '#app/domain/catalog-query.ts'
import { normaliseCatalogQuery, parseCatalogQuery } from '#app/domain/catalog-query.ts'
import type { CategoryView, ProductPage, ProductView } from '#app/domain/product.ts'
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const CATEGORY_TTL_MS = 10 * 60 * 1000
/** How close a misspelt word must be to a word of a name or brand (pg_trgm word similarity, 0–1). */
const TYPO_THRESHOLD = '0.45'

/** One active product by id or slug, or null (cached an hour; invalidated by `invalidateProduct`). */
export async function getProduct(idOrSlug: string): Promise<ProductView | null> {
  const isUuid = UUID.test(idOrSlug)
  if (!isUuid && (idOrSlug.length > 200 || idOrSlug.length === 0)) return null
  const key = isUuid ? productKeys.byId(idOrSlug.toLowerCase()) : productKeys.bySlug(idOrSlug)
  const product = await cached<ProductView>(key, PRODUCT_TTL_MS, async () => {
    const row = await getDb().product.findFirst({
      where: { status: 'active', ...(isUuid ? { id: idOrSlug } : { slug: idOrSlug }) },
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
  if (UUID.test(idOrSlug)) return productKeys.byId(idOrSlug.toLowerCase())
  return idOrSlug.length > 0 && idOrSlug.length <= 200 ? productKeys.bySlug(idOrSlug) : null
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
 * `GET /api/v1/products`: text (full-text + trigram typo tolerance), category, price range
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
    const tsquery = tokens.map((t) => `${t}:*`).join(' & ')
    // A typo-tolerant branch for words of 3+ letters: each must resemble a word of the name or brand.
    const fuzzyTokens = tokens.filter((t) => t.length >= 3)
    const fuzzy = fuzzyTokens.length
      ? Prisma.join(
          fuzzyTokens.map((t) => Prisma.sql`(lower(p.name) %> ${t} OR lower(p.brand) %> ${t})`),
          ' AND ',
        )
      : Prisma.sql`false`
    where.push(Prisma.sql`(${FTS} @@ to_tsquery('english', ${tsquery}) OR (${fuzzy}))`)
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
  if (!rank) {
    const [ids, count] = await Promise.all([idsQuery, countQuery])
    return { ids: ids.map((r) => r.id), total: count[0]?.n ?? 0 }
  }
  // The similarity threshold is a setting: set it for this transaction only.
  const [, ids, count] = await db.$transaction([db.$queryRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${TYPO_THRESHOLD}, true)`, idsQuery, countQuery])
  return { ids: ids.map((r) => r.id), total: count[0]?.n ?? 0 }
}
