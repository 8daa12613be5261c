/**
 * The catalogue query: one zod schema for `GET /api/v1/products` and the storefront's
 * listing pages (search, category). Prices are integer minor units (paise) here; the pages
 * take rupees in the URL (`min`, `max`) and convert before parsing, so both sides share
 * the same validation. No clamping: out-of-range values are errors, never silently changed.
 */
import { z } from 'zod'
import { multilineText, SIZE_RE } from './text.ts'

export const CATALOG_SORTS = ['newest', 'price_asc', 'price_desc', 'popular'] as const
export type CatalogSort = (typeof CATALOG_SORTS)[number]

export const SORT_LABELS: Record<CatalogSort, string> = {
  newest: 'Newest first',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  popular: 'Most popular',
}

export const DEFAULT_API_LIMIT = 20
export const MAX_LIMIT = 100
/** Products per storefront page (fixed: the page URLs carry no `limit`). */
export const PAGE_SIZE = 24

// Query strings are strings: '' means "not given"; anything else must be a whole number.
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v)
const wholeNumber = (label: string, min: number, max?: number) => {
  let n = z.coerce.number({ error: `${label} must be a number.` }).int({ error: `${label} must be a whole number.` }).min(min, { error: `${label} must be at least ${min}.` })
  if (max !== undefined) n = n.max(max, { error: `${label} must be at most ${max}.` })
  return z.preprocess((v) => {
    const s = blankToUndefined(v)
    // Reject what Number() would wrongly accept: hex, exponents, "Infinity".
    return typeof s === 'string' && !/^-?\d+$/.test(s) ? NaN : s
  }, n.optional())
}

export const CatalogQuerySchema = z
  .object({
    page: wholeNumber('Page', 1, 100_000),
    limit: wholeNumber('Limit', 1, MAX_LIMIT),
    // Tabs and line breaks (pasted text) become single spaces in `finish`; other control characters are refused.
    q: z.preprocess(blankToUndefined, multilineText().max(100, { error: 'Search text must be at most 100 characters.' }).optional()),
    category: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(100, { error: 'Category must be at most 100 characters.' })
        .regex(/^[a-z0-9-]+$/, { error: 'Category must be a category slug.' })
        .optional(),
    ),
    minPrice: wholeNumber('Minimum price', 0, 100_000_000_00),
    maxPrice: wholeNumber('Maximum price', 0, 100_000_000_00),
    size: z.preprocess(blankToUndefined, z.string().regex(SIZE_RE, { error: 'Size must be a size such as M, 32 or Free Size.' }).optional()),
    sort: z.preprocess(blankToUndefined, z.enum(CATALOG_SORTS, { error: `Sort must be one of: ${CATALOG_SORTS.join(', ')}.` }).optional()),
  })
  .refine((v) => v.minPrice === undefined || v.maxPrice === undefined || v.minPrice <= v.maxPrice, {
    error: 'Maximum price must not be below the minimum price.',
    path: ['maxPrice'],
  })

/** A validated query with defaults applied: what `searchProducts` takes. */
export interface CatalogQuery {
  page: number
  limit: number
  q?: string
  category?: string
  minPrice?: number
  maxPrice?: number
  size?: string
  /** Absent with `q`: by relevance; absent without `q`: newest. */
  sort?: CatalogSort
}

export type CatalogQueryResult = { success: true; query: CatalogQuery } | { success: false; fields: Record<string, string>; message: string }

const KEYS = ['page', 'limit', 'q', 'category', 'minPrice', 'maxPrice', 'size', 'sort'] as const

/** Parses API query parameters (prices in minor units). Only the first value of a repeated key counts. */
export function parseCatalogQuery(params: URLSearchParams, defaults: { limit?: number } = {}): CatalogQueryResult {
  const raw: Record<string, string> = {}
  for (const k of KEYS) {
    const v = params.get(k)
    if (v !== null) raw[k] = v
  }
  return finish(raw, defaults.limit ?? DEFAULT_API_LIMIT)
}

/**
 * Parses a storefront page's search params: prices are whole rupees under `min`/`max`
 * (reported back under those names), the page size is fixed, `category` may come from the path.
 */
export function parseCatalogPageParams(params: URLSearchParams, fixed: { category?: string } = {}): CatalogQueryResult {
  const raw: Record<string, unknown> = {}
  for (const k of ['page', 'q', 'category', 'size', 'sort'] as const) {
    const v = params.get(k)
    if (v !== null) raw[k] = v
  }
  if (fixed.category) raw.category = fixed.category
  const fields: Record<string, string> = {}
  for (const [name, key] of [
    ['min', 'minPrice'],
    ['max', 'maxPrice'],
  ] as const) {
    const v = params.get(name)?.trim()
    if (!v) continue
    if (!/^\d{1,9}$/.test(v)) fields[name] = `${name === 'min' ? 'Minimum' : 'Maximum'} price must be a whole number of rupees.`
    else raw[key] = String(Number(v) * 100)
  }
  const result = finish(raw, PAGE_SIZE)
  if (!result.success) {
    for (const [k, msg] of Object.entries(result.fields)) {
      const name = k === 'minPrice' ? 'min' : k === 'maxPrice' ? 'max' : k
      fields[name] ??= msg.replace(/ must be at (least|most) (\d+)\.$/, (m) => (k.endsWith('Price') ? ' is out of range.' : m))
    }
  }
  if (Object.keys(fields).length > 0) return { success: false, fields, message: 'Some filters are not valid.' }
  return result
}

function finish(raw: Record<string, unknown>, defaultLimit: number): CatalogQueryResult {
  const parsed = CatalogQuerySchema.safeParse(raw)
  if (!parsed.success) {
    const fields: Record<string, string> = {}
    for (const issue of parsed.error.issues) fields[issue.path.map(String).join('.') || '_'] ??= issue.message
    return { success: false, fields, message: 'Some query parameters are missing or invalid.' }
  }
  const v = parsed.data
  const query: CatalogQuery = { page: v.page ?? 1, limit: v.limit ?? defaultLimit }
  if (v.q !== undefined) query.q = v.q.replace(/\s+/g, ' ')
  if (v.category !== undefined) query.category = v.category
  if (v.minPrice !== undefined) query.minPrice = v.minPrice
  if (v.maxPrice !== undefined) query.maxPrice = v.maxPrice
  if (v.size !== undefined) query.size = v.size
  if (v.sort !== undefined) query.sort = v.sort
  return { success: true, query }
}

/** A stable string for a query (cache keys): fixed key order, defaults included. */
export function normaliseCatalogQuery(q: CatalogQuery): string {
  return KEYS.map((k) => {
    const v = k === 'q' ? q.q?.toLowerCase() : q[k]
    return v === undefined ? '' : `${k}=${encodeURIComponent(String(v))}`
  })
    .filter(Boolean)
    .join('&')
}

/**
 * A storefront URL for a query (prices back in rupees). Default values are left out, so
 * every state has one canonical, shareable link.
 */
export function catalogPageHref(basePath: string, q: Partial<CatalogQuery>, omitCategory = false): string {
  const sp = new URLSearchParams()
  if (q.q) sp.set('q', q.q)
  if (q.category && !omitCategory) sp.set('category', q.category)
  if (q.minPrice !== undefined) sp.set('min', String(Math.floor(q.minPrice / 100)))
  if (q.maxPrice !== undefined) sp.set('max', String(Math.floor(q.maxPrice / 100)))
  if (q.size) sp.set('size', q.size)
  // Without search text the default order is newest first: `sort=newest` would be a second URL for it.
  if (q.sort && !(q.sort === 'newest' && !q.q)) sp.set('sort', q.sort)
  if (q.page && q.page > 1) sp.set('page', String(q.page))
  const s = sp.toString()
  return s ? `${basePath}?${s}` : basePath
}
