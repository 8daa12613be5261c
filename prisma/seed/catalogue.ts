/** The catalogue: categories, products with sizes and stock, and their media rows. */
import type pg from 'pg'
import { CATEGORIES, type CategoryDef } from './data.ts'
import { DAY, HOUR } from './calendar.ts'
import type { Rng } from './rng.ts'
import { emptyColumns, insertAll, type TableSpec } from './sql.ts'

export const PRODUCTS_PER_CATEGORY = 24

export interface SeedCategory {
  id: string
  def: CategoryDef
  createdAt: number
}

export interface SeedSize {
  id: string
  size: string
  stock: number
  demand: number
}

export interface SeedProduct {
  id: string
  slug: string
  name: string
  description: string
  category: SeedCategory
  brand: string
  /** paise */
  price: number
  mrp: number
  costPrice: number | null
  status: 'active' | 'draft' | 'archived'
  featured: boolean
  createdAt: number
  /** After this moment the product no longer sells (archived products). */
  sellsUntil: number
  sizes: SeedSize[]
  imageCount: number
  /** Relative demand in orders. */
  popularity: number
}

export interface Catalogue {
  categories: SeedCategory[]
  /** Sorted by createdAt. */
  products: SeedProduct[]
}

export function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/** Rupees to a shop-style price in paise: ₹1,249 or ₹1,299, never below ₹299 or above ₹9,999. */
function shopPrice(rupees: number): number {
  const r = Math.min(9999, Math.max(299, Math.round(rupees / 50) * 50 - 1))
  return r * 100
}

function mrpFor(price: number, rng: Rng): number {
  if (rng.chance(0.15)) return price
  // Most discounts sit between 20% and 50%; a few are shallow (10%) or deep (60%).
  const discount = Math.min(0.58, Math.max(0.1, 0.33 + rng.normal() * 0.12))
  const rupees = price / 100 / (1 - discount)
  let mrp = Math.max(price, (Math.ceil((rupees + 1) / 100) * 100 - 1) * 100)
  while (mrp - 10_000 >= price && price < mrp * 0.4) mrp -= 10_000 // keep the discount within 60%
  return mrp
}

function stockFor(rng: Rng, outOfStock: boolean): number {
  if (outOfStock) return 0
  const r = rng.next()
  if (r < 0.12) return 0
  if (r < 0.22) return rng.int(1, 3)
  return rng.int(4, 60)
}

function combinations(parts: string[][], rng: Rng, count: number): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (let guard = 0; out.length < count && guard < count * 50; guard++) {
    const name = parts.map((p) => rng.pick(p)).join(' ')
    if (!seen.has(name)) {
      seen.add(name)
      out.push(name)
    }
  }
  return out
}

function describe(def: CategoryDef, name: string, brand: string, rng: Rng): string {
  // Prefer a material the name already promises ("Linen Shirt" → linen).
  const lower = name.toLowerCase()
  const matching = def.materials.filter((m) => m.split(/[\s-]+/).some((w) => w.length > 3 && lower.includes(w)))
  const material = rng.pick(matching.length > 0 ? matching : def.materials)
  const occasion = rng.pick(def.occasions)
  const openers = [
    `${brand} makes the ${name} in ${material}, an easy pick for ${occasion}.`,
    `A ${brand} favourite in ${material}, made for ${occasion}.`,
    `The ${name} comes from ${brand} in ${material}, ready for ${occasion}.`,
  ]
  const sentences = [rng.pick(openers), rng.pick(def.features)]
  if (rng.chance(0.6)) sentences.push(rng.pick(def.care))
  return sentences.join(' ')
}

/**
 * Builds the catalogue in memory. Products are created over the 18 months before `now`;
 * a little over half existed before the order history begins (the launch range).
 */
export function buildCatalogue(rng: Rng, now: number, historyStart: number): Catalogue {
  const catalogueStart = now - 548 * DAY
  const categories: SeedCategory[] = CATEGORIES.map((def, i) => ({
    id: rng.uuid7(catalogueStart - DAY + i * 1000),
    def,
    createdAt: catalogueStart - DAY + i * 1000,
  }))

  const products: SeedProduct[] = []
  const slugs = new Set<string>()
  for (const category of categories) {
    const def = category.def
    const names = combinations(def.nameParts, rng, PRODUCTS_PER_CATEGORY)
    for (const name of names) {
      let slug = slugify(name)
      for (let n = 2; slugs.has(slug); n++) slug = `${slugify(name)}-${n}`
      slugs.add(slug)
      const brand = rng.pick(def.brands)
      const [lo, hi] = def.priceRange
      // Log-uniform: many affordable pieces, fewer expensive ones.
      const price = shopPrice(Math.exp(rng.float(Math.log(lo), Math.log(hi))))
      const createdAt = rng.chance(0.55)
        ? rng.float(catalogueStart, historyStart)
        : rng.float(historyStart, now - 2 * DAY)
      const outOfStock = rng.chance(0.04)
      const sizes: SeedSize[] = def.sizes.map((size, i) => ({
        id: '',
        size,
        stock: stockFor(rng, outOfStock),
        demand: def.sizeDemand[i] ?? 1,
      }))
      // A bestseller now and then; otherwise a long tail.
      const popularity = def.demand * Math.exp(rng.normal() * 0.8) * (rng.chance(0.06) ? 4 : 1)
      products.push({
        id: '',
        slug,
        name,
        description: describe(def, name, brand, rng),
        category,
        brand,
        price,
        mrp: mrpFor(price, rng),
        costPrice: rng.chance(0.05) ? null : Math.round((price * rng.float(0.4, 0.7)) / 100) * 100,
        status: 'active',
        featured: false,
        createdAt: Math.floor(createdAt),
        sellsUntil: Number.POSITIVE_INFINITY,
        sizes,
        imageCount: rng.weighted([1, 2, 3], [0.2, 0.4, 0.4]),
        popularity,
      })
    }
  }

  products.sort((a, b) => a.createdAt - b.createdAt)
  for (const p of products) {
    p.id = rng.uuid7(p.createdAt)
    for (const s of p.sizes) s.id = rng.uuid7(p.createdAt)
  }

  // A few drafts (the newest pieces, not yet live) and a few archived lines that stopped
  // selling four months ago.
  const newest = products.slice(-12)
  for (const p of rng.sample(newest, 3)) {
    p.status = 'draft'
    p.popularity = 0
  }
  const old = products.filter((p) => p.createdAt < historyStart)
  for (const p of rng.sample(old, 3)) {
    p.status = 'archived'
    p.sellsUntil = now - 120 * DAY
  }
  // Featured: a dozen in-stock active products spread over the categories.
  const candidates = rng.shuffle(products.filter((p) => p.status === 'active' && p.sizes.some((s) => s.stock > 0)))
  const perCategory = new Map<SeedCategory, number>()
  let featured = 0
  for (const p of candidates) {
    if (featured >= 12) break
    const n = perCategory.get(p.category) ?? 0
    if (n >= 2) continue
    perCategory.set(p.category, n + 1)
    p.featured = true
    featured++
  }
  return { categories, products }
}

const CATEGORY_TABLE: TableSpec = {
  table: 'categories',
  columns: [['id', 'uuid'], ['slug', 'text'], ['name', 'text'], ['description', 'text'], ['sort_order', 'int4'], ['created_at', 'ts']],
}
const PRODUCT_TABLE: TableSpec = {
  table: 'products',
  columns: [
    ['id', 'uuid'], ['slug', 'text'], ['name', 'text'], ['description', 'text'], ['category_id', 'uuid'],
    ['brand', 'text'], ['price', 'int4'], ['mrp', 'int4'], ['cost_price', 'int4'], ['status', '"ProductStatus"'],
    ['featured', 'bool'], ['created_at', 'ts'], ['updated_at', 'ts'],
  ],
}
const SIZE_TABLE: TableSpec = {
  table: 'product_sizes',
  columns: [['id', 'uuid'], ['product_id', 'uuid'], ['size', 'text'], ['stock', 'int4'], ['sort_order', 'int4']],
}
const MEDIA_TABLE: TableSpec = {
  table: 'product_media',
  columns: [
    ['id', 'uuid'], ['product_id', 'uuid'], ['public_id', 'text'], ['url', 'text'], ['type', '"MediaType"'],
    ['alt', 'text'], ['position', 'int4'], ['created_at', 'ts'],
  ],
}

export const IMAGE_VIEWS = ['front view', 'detail', 'styled']

export function imageName(slug: string, n: number): string {
  return `${slug}-${n}`
}

/**
 * The product's link-preview card (PNG, no media row): `/uploads/seed/<slug>-preview.png`
 * beside its SVGs, which link previews cannot show; app/utils/share-meta.ts finds it there.
 */
export function previewName(slug: string): string {
  return `${slug}-preview`
}

export async function insertCatalogue(client: pg.ClientBase, cat: Catalogue, rng: Rng, now: number): Promise<void> {
  const c = emptyColumns(CATEGORY_TABLE)
  cat.categories.forEach((k, i) => {
    ;[k.id, k.def.slug, k.def.name, k.def.description, i, k.createdAt].forEach((v, j) => c[j]!.push(v))
  })
  const p = emptyColumns(PRODUCT_TABLE)
  const s = emptyColumns(SIZE_TABLE)
  const m = emptyColumns(MEDIA_TABLE)
  for (const prod of cat.products) {
    // Edited now and then since launch (price or stock changes).
    const updatedAt = Math.min(now, prod.createdAt + Math.floor(rng.next() * (now - prod.createdAt)) + HOUR)
    ;[
      prod.id, prod.slug, prod.name, prod.description, prod.category.id, prod.brand, prod.price, prod.mrp,
      prod.costPrice, prod.status, prod.featured, prod.createdAt, updatedAt,
    ].forEach((v, j) => p[j]!.push(v))
    prod.sizes.forEach((size, i) => {
      ;[size.id, prod.id, size.size, size.stock, i].forEach((v, j) => s[j]!.push(v))
    })
    for (let n = 1; n <= prod.imageCount; n++) {
      const name = imageName(prod.slug, n)
      ;[
        rng.uuid7(prod.createdAt), prod.id, `seed/${name}`, `/uploads/seed/${name}.svg`, 'image',
        `${prod.name}, ${IMAGE_VIEWS[n - 1] ?? 'view'}`, n - 1, prod.createdAt,
      ].forEach((v, j) => m[j]!.push(v))
    }
  }
  await insertAll(client, CATEGORY_TABLE, c)
  await insertAll(client, PRODUCT_TABLE, p)
  await Promise.all([insertAll(client, SIZE_TABLE, s), insertAll(client, MEDIA_TABLE, m)])
}
