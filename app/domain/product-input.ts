/**
 * What staff may send to create or change a product, its stock and its media. Shared by
 * the API (prices in minor units), the admin forms (prices in rupees) and the browser.
 */
import { z } from 'zod'
import { lineText, multilineText, sizeText } from './text.ts'

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const
export type ProductStatus = (typeof PRODUCT_STATUSES)[number]

/** Upload rules: at most 5 files a request; these types (checked by content); these sizes. */
export const MEDIA_LIMITS = {
  maxFiles: 5,
  maxImageBytes: 5 * 1024 * 1024,
  maxVideoBytes: 50 * 1024 * 1024,
  imageTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/avif'],
  videoTypes: ['video/mp4', 'video/webm'],
} as const
export const MEDIA_ACCEPT = [...MEDIA_LIMITS.imageTypes, ...MEDIA_LIMITS.videoTypes].join(',')
export type MediaMimeType = (typeof MEDIA_LIMITS.imageTypes)[number] | (typeof MEDIA_LIMITS.videoTypes)[number]

/** A product is "low stock" when one of its sizes has this many or fewer left. */
export const LOW_STOCK_THRESHOLD = 5

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (v: string) => UUID_RE.test(v)
/** Could name a product or category: what slugs look like (anything else is looked up nowhere). */
export const isSlug = (v: string) => v.length <= 120 && SLUG_RE.test(v)

/** "Cotton Kurta (Blue)!" → "cotton-kurta-blue". */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120)
    .replace(/-+$/g, '')
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const money = (label: string) => z.number({ error: `${label} must be a number in minor units (paise)` }).int(`${label} must be whole paise`).min(0, `${label} cannot be negative`).max(100_000_000_00, `${label} is too large`)

const SizeStockSchema = z.object({
  size: sizeText('Give the size'),
  stock: z.number({ error: 'Stock must be a whole number' }).int('Stock must be a whole number').min(0, 'Stock cannot be negative').max(1_000_000, 'Stock is too large'),
})

const uniqueSizes = (sizes: { size: string }[]) => new Set(sizes.map((s) => s.size.toUpperCase())).size === sizes.length

/** `{ sizes: [{ size, stock }] }`: the listed sizes get exactly these counts; sizes not listed keep theirs. */
export const StockInputSchema = z.object({
  sizes: z
    .array(SizeStockSchema)
    .min(1, 'List at least one size')
    .max(50, 'At most 50 sizes')
    .refine(uniqueSizes, { error: 'Each size may appear only once' }),
})
export type StockInput = z.infer<typeof StockInputSchema>

const fields = {
  name: lineText({ error: 'Give the product a name' }).min(1, 'Give the product a name').max(200, 'At most 200 characters'),
  slug: z.preprocess(emptyToUndefined, z.string().trim().toLowerCase().max(120, 'At most 120 characters').regex(SLUG_RE, 'Use lowercase letters, digits and single dashes').optional()),
  description: multilineText().max(5000, 'At most 5000 characters'),
  categoryId: z.preprocess(emptyToUndefined, z.string().regex(UUID_RE, 'Not a known category').optional()),
  category: z.preprocess(emptyToUndefined, z.string().trim().max(120).regex(SLUG_RE, 'Not a known category').optional()),
  brand: lineText().max(100, 'At most 100 characters'),
  price: money('Price'),
  mrp: money('MRP'),
  costPrice: money('Cost price').nullable(),
  status: z.enum(PRODUCT_STATUSES, { error: `Status must be one of ${PRODUCT_STATUSES.join(', ')}` }),
  featured: z.boolean({ error: 'Featured must be true or false' }),
}

const mrpAtLeastPrice = (p: { price?: number; mrp?: number }) => p.price === undefined || p.mrp === undefined || p.mrp >= p.price
const MRP_MESSAGE = { error: 'MRP must be at least the selling price', path: ['mrp'] }

/**
 * POST /api/v1/products: `category` (a slug) or `categoryId`; `slug` is made from the name
 * when left out; prices in minor units; optional initial `sizes`.
 */
export const ProductCreateSchema = z
  .object({
    name: fields.name,
    slug: fields.slug,
    description: fields.description.optional().default(''),
    categoryId: fields.categoryId,
    category: fields.category,
    brand: fields.brand.optional().default(''),
    price: fields.price,
    mrp: fields.mrp,
    costPrice: fields.costPrice.optional().default(null),
    status: fields.status.optional().default('active'),
    featured: fields.featured.optional().default(false),
    sizes: StockInputSchema.shape.sizes.optional(),
  })
  .refine((p) => p.categoryId !== undefined || p.category !== undefined, { error: 'Choose a category', path: ['categoryId'] })
  .refine(mrpAtLeastPrice, MRP_MESSAGE)
export type ProductCreateInput = z.infer<typeof ProductCreateSchema>

/**
 * PUT /api/v1/products/:id: any subset of the product fields (fields left out keep their
 * value; MRP ≥ price is checked again against the merged product).
 */
export const ProductUpdateSchema = z
  .object({
    name: fields.name.optional(),
    slug: fields.slug,
    description: fields.description.optional(),
    categoryId: fields.categoryId,
    category: fields.category,
    brand: fields.brand.optional(),
    price: fields.price.optional(),
    mrp: fields.mrp.optional(),
    costPrice: fields.costPrice.optional(),
    status: fields.status.optional(),
    featured: fields.featured.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { error: 'Change at least one field' })
  .refine(mrpAtLeastPrice, MRP_MESSAGE)
export type ProductUpdateInput = z.infer<typeof ProductUpdateSchema>

// ───────────── forms (strings; prices in rupees) ─────────────

/** "1,234.50" rupees → 123450 paise; undefined when it is not an amount. */
export function rupeesToMinor(value: string): number | undefined {
  const v = value.replace(/[,\s₹]/g, '')
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(v)) return undefined
  const [whole = '0', frac = ''] = v.split('.')
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'))
}

/** 123450 → "1234.50" (for form inputs). */
export function minorToRupees(minor: number | null | undefined): string {
  if (minor === null || minor === undefined) return ''
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`
}

const rupees = (label: string, required: boolean) =>
  z.string().transform((v, ctx) => {
    if (v.trim() === '') {
      if (required) ctx.addIssue({ code: 'custom', message: `Give the ${label}` })
      return required ? z.NEVER : null
    }
    const minor = rupeesToMinor(v)
    if (minor === undefined) {
      ctx.addIssue({ code: 'custom', message: `Write the ${label} in rupees, like 1299 or 1299.50` })
      return z.NEVER
    }
    return minor
  })

/** The admin product form: every field a string, prices in rupees. Output fits ProductCreateInput. */
export const ProductFormSchema = z
  .object({
    name: fields.name,
    slug: fields.slug,
    description: fields.description.default(''),
    categoryId: z.string({ error: 'Choose a category' }).regex(UUID_RE, 'Choose a category'),
    brand: fields.brand.default(''),
    price: rupees('price', true),
    mrp: rupees('MRP', true),
    costPrice: rupees('cost price', false),
    status: fields.status,
    // A checkbox: "on" when ticked, nothing (here '') when not.
    featured: z.enum(['', 'on'], { error: 'Featured is a checkbox: ticked or not' }).transform((v) => v === 'on'),
  })
  .refine((p) => p.price === null || p.mrp === null || p.mrp >= p.price, MRP_MESSAGE)
  .transform((p) => ({ ...p, price: p.price ?? 0, mrp: p.mrp ?? 0 }))
export type ProductFormValues = Record<'name' | 'slug' | 'description' | 'categoryId' | 'brand' | 'price' | 'mrp' | 'costPrice' | 'status' | 'featured', string>

/** The stock form: parallel `size` and `stock` fields; rows with no size are ignored. */
export function stockFormToInput(sizes: string[], stocks: string[]): unknown {
  const rows: { size: string; stock: unknown }[] = []
  sizes.forEach((size, i) => {
    if (size.trim() === '') return
    const raw = (stocks[i] ?? '').trim()
    rows.push({ size, stock: /^-?\d+$/.test(raw) ? Number(raw) : raw === '' ? Number.NaN : raw })
  })
  return { sizes: rows }
}
