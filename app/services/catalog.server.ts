/** Catalogue reads: product listings and product detail for the storefront and the API. */
import type { ProductView } from '#app/domain/product.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'

const productSelect = {
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
  sizes: { select: { size: true, stock: true }, orderBy: { sortOrder: 'asc' } },
  media: { select: { url: true, type: true }, orderBy: { position: 'asc' } },
} satisfies Prisma.ProductSelect

type ProductRow = Prisma.ProductGetPayload<{ select: typeof productSelect }>

function toView(p: ProductRow): ProductView {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    category: p.category,
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

export interface ListOptions {
  page?: number
  limit?: number
  categorySlug?: string
  featured?: boolean
}

/** Active products, newest first. */
export async function listProducts({ page = 1, limit = 24, categorySlug, featured }: ListOptions = {}) {
  const where: Prisma.ProductWhereInput = {
    status: 'active',
    ...(categorySlug ? { category: { slug: categorySlug } } : {}),
    ...(featured ? { featured: true } : {}),
  }
  const db = getDb()
  const [rows, total] = await Promise.all([
    db.product.findMany({ where, select: productSelect, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * limit, take: limit }),
    db.product.count({ where }),
  ])
  return { items: rows.map(toView), page, limit, total }
}

/** One active product by slug or id, or null. */
export async function getProduct(idOrSlug: string): Promise<ProductView | null> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug)
  const row = await getDb().product.findFirst({
    where: { status: 'active', ...(isUuid ? { id: idOrSlug } : { slug: idOrSlug }) },
    select: productSelect,
  })
  return row ? toView(row) : null
}

/** Categories in display order. */
export async function listCategories() {
  return getDb().category.findMany({ select: { id: true, slug: true, name: true }, orderBy: [{ sortOrder: 'asc' }, { name: 'asc' }] })
}
