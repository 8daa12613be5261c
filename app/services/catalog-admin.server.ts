/** Catalogue writes for staff: products, stock per size and media, each audited and followed by cache invalidation. */
import type { z } from 'zod'
import { DomainError } from '#app/domain/errors.ts'
import { hasPermission, type Permission, type Role } from '#app/domain/permissions.ts'
import type { ProductView } from '#app/domain/product.ts'
import {
  isUuid,
  LOW_STOCK_THRESHOLD,
  PRODUCT_STATUSES,
  ProductCreateSchema,
  ProductUpdateSchema,
  slugify,
  StockInputSchema,
  type ProductCreateInput,
  type ProductStatus,
  type ProductUpdateInput,
  type StockInput,
} from '#app/domain/product-input.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { checkUploads, getMediaStorage, removeAll, storageForUrl, storeAll, type MediaStorage, type TempFile } from '#app/utils/storage.server.ts'
import { recordAudit } from './audit.server.ts'
import { invalidateProduct } from './catalog-cache.server.ts'
import { toProductView } from './catalog.server.ts'

type Tx = Prisma.TransactionClient

export interface CatalogActor {
  id: string
  role: Role
  permissions: readonly string[]
}

export interface WriteContext {
  requestId?: string | null
}

/** The API's Product, plus what staff need: status, cost price, media ids. */
export interface StaffProduct extends ProductView {
  status: ProductStatus
  featured: boolean
  costPrice: number | null
  categoryId: string
  updatedAt: string
  media: { id: string; url: string; type: 'image' | 'video'; position: number }[]
}

const staffSelect = {
  id: true,
  slug: true,
  name: true,
  description: true,
  brand: true,
  price: true,
  mrp: true,
  costPrice: true,
  currency: true,
  status: true,
  featured: true,
  categoryId: true,
  createdAt: true,
  updatedAt: true,
  category: { select: { id: true, slug: true, name: true } },
  sizes: { select: { size: true, stock: true }, orderBy: [{ sortOrder: 'asc' }, { size: 'asc' }] },
  media: { select: { id: true, url: true, type: true, position: true }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] },
} satisfies Prisma.ProductSelect

type StaffRow = Prisma.ProductGetPayload<{ select: typeof staffSelect }>

function toStaffView(p: StaffRow): StaffProduct {
  return {
    ...toProductView({ ...p, media: p.media.map((m) => ({ url: m.url, type: m.type })) }),
    status: p.status,
    featured: p.featured,
    costPrice: p.costPrice,
    categoryId: p.categoryId,
    updatedAt: p.updatedAt.toISOString(),
    media: p.media,
  }
}

/** The fields an audit entry records for a product (no media, no timestamps). */
function snapshot(p: StaffRow) {
  return {
    name: p.name,
    slug: p.slug,
    description: p.description,
    categoryId: p.categoryId,
    brand: p.brand,
    price: p.price,
    mrp: p.mrp,
    costPrice: p.costPrice,
    status: p.status,
    featured: p.featured,
  }
}

function requirePerm(actor: CatalogActor, permission: Permission) {
  if (!hasPermission(actor, permission)) throw new DomainError('FORBIDDEN', 'Your account is not allowed to do this.')
}

function validation(message: string, fields: Record<string, string>): DomainError {
  return new DomainError('VALIDATION', message, { fields })
}

const notFound = () => new DomainError('NOT_FOUND', 'No such product.')

/** Locks the product row for the rest of the transaction and returns it; NOT_FOUND otherwise. */
async function lockProduct(tx: Tx, id: string): Promise<StaffRow> {
  if (!isUuid(id)) throw notFound()
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM products WHERE id = ${id}::uuid FOR UPDATE`
  if (locked.length === 0) throw notFound()
  return tx.product.findUniqueOrThrow({ where: { id }, select: staffSelect })
}

async function resolveCategory(tx: Tx, input: { categoryId?: string; category?: string }): Promise<string> {
  const row = input.categoryId
    ? await tx.category.findUnique({ where: { id: input.categoryId }, select: { id: true } })
    : await tx.category.findUnique({ where: { slug: input.category ?? '' }, select: { id: true } })
  if (!row) throw validation('That category does not exist.', { [input.categoryId ? 'categoryId' : 'category']: 'Not a known category' })
  return row.id
}

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002'
const slugTaken = (slug: string) => new DomainError('CONFLICT', `Another product already uses the address “${slug}”. Choose another slug.`, { fields: { slug: 'Already used by another product' } })

/** Services re-check their input, so a caller that skipped the schema still cannot write bad data. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input)
  if (r.success) return r.data
  const fields: Record<string, string> = {}
  for (const issue of r.error.issues) fields[issue.path.map(String).join('.') || '_'] ??= issue.message
  throw validation('Some fields are missing or invalid.', fields)
}

/** After a committed write, before answering: the storefront's next read shows it. Never throws (the write stands). */
async function afterCommit(productId: string, categoryIds: string[]) {
  await invalidateProduct(productId, [...new Set(categoryIds)])
}

/** One product in any status (staff view), or null. */
export async function getProductForStaff(id: string): Promise<StaffProduct | null> {
  if (!isUuid(id)) return null
  const row = await getDb().product.findUnique({ where: { id }, select: staffSelect })
  return row ? toStaffView(row) : null
}

/** Creates a product (slug from the name when not given; a taken slug is CONFLICT) with optional initial sizes. */
export async function createProduct(actor: CatalogActor, input: ProductCreateInput, ctx: WriteContext = {}): Promise<StaffProduct> {
  requirePerm(actor, 'product:create')
  const data = parse(ProductCreateSchema, input)
  const slug = data.slug ?? slugify(data.name)
  if (!slug) throw validation('Give the product a slug.', { slug: 'Use letters or digits in the name, or give a slug' })
  let created: StaffRow
  try {
    created = await getDb().$transaction(async (tx) => {
      const categoryId = await resolveCategory(tx, data)
      if (await tx.product.findUnique({ where: { slug }, select: { id: true } })) throw slugTaken(slug)
      const row = await tx.product.create({
        data: {
          slug,
          name: data.name,
          description: data.description,
          categoryId,
          brand: data.brand,
          price: data.price,
          mrp: data.mrp,
          costPrice: data.costPrice,
          currency: getRuntime().env.CURRENCY,
          status: data.status,
          featured: data.featured,
          sizes: data.sizes ? { create: data.sizes.map((s, i) => ({ size: s.size, stock: s.stock, sortOrder: i })) } : undefined,
        },
        select: staffSelect,
      })
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'product:create',
        entityType: 'product',
        entityId: row.id,
        after: { ...snapshot(row), sizes: row.sizes },
        requestId: ctx.requestId ?? null,
      })
      return row
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(slug)
    throw err
  }
  await afterCommit(created.id, [created.categoryId])
  return toStaffView(created)
}

/** Changes the given fields; MRP ≥ price is checked on the merged product. No audit row when nothing changes. */
export async function updateProduct(actor: CatalogActor, id: string, input: ProductUpdateInput, ctx: WriteContext = {}): Promise<StaffProduct> {
  requirePerm(actor, 'product:update')
  const patch = parse(ProductUpdateSchema, input)
  let oldCategory = ''
  let result: StaffRow
  try {
    result = await getDb().$transaction(async (tx) => {
      const current = await lockProduct(tx, id)
      oldCategory = current.categoryId
      const before = snapshot(current)
      const categoryId = patch.categoryId !== undefined || patch.category !== undefined ? await resolveCategory(tx, patch) : current.categoryId
      const after = {
        ...before,
        ...Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'category' && k !== 'categoryId')),
        categoryId,
      } as typeof before
      if (after.mrp < after.price) throw validation('MRP must be at least the selling price.', { mrp: 'MRP must be at least the selling price' })
      const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k])
      if (changed.length === 0) return current
      if (after.slug !== before.slug && (await tx.product.findUnique({ where: { slug: after.slug }, select: { id: true } }))) throw slugTaken(after.slug)
      const row = await tx.product.update({ where: { id }, data: after, select: staffSelect })
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'product:update',
        entityType: 'product',
        entityId: id,
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, after[k]])),
        requestId: ctx.requestId ?? null,
      })
      return row
    })
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(patch.slug ?? '')
    throw err
  }
  await afterCommit(id, [oldCategory, result.categoryId])
  return toStaffView(result)
}

/** Archives a product: hidden from the shop and the public API, kept for orders and reports. Idempotent. */
export async function archiveProduct(actor: CatalogActor, id: string, ctx: WriteContext = {}): Promise<StaffProduct> {
  requirePerm(actor, 'product:delete')
  const { row, changed } = await getDb().$transaction(async (tx) => {
    const current = await lockProduct(tx, id)
    if (current.status === 'archived') return { row: current, changed: false }
    const row = await tx.product.update({ where: { id }, data: { status: 'archived' }, select: staffSelect })
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'product:archive',
      entityType: 'product',
      entityId: id,
      before: { status: current.status },
      after: { status: 'archived' },
      requestId: ctx.requestId ?? null,
    })
    return { row, changed: true }
  })
  if (changed) await afterCommit(id, [row.categoryId])
  return toStaffView(row)
}

/**
 * Sets stock for the listed sizes (an upsert per size: a new size is added after the
 * others). Sizes not listed keep their stock — to take a size off sale, set it to 0.
 * Negative or fractional counts are VALIDATION (and the table's CHECK refuses them too).
 */
export async function setStock(actor: CatalogActor, id: string, input: StockInput, ctx: WriteContext = {}): Promise<StaffProduct> {
  requirePerm(actor, 'stock:update')
  const { sizes } = parse(StockInputSchema, input)
  const { row, changed } = await getDb().$transaction(async (tx) => {
    const current = await lockProduct(tx, id)
    const existing = new Map(current.sizes.map((s) => [s.size.toUpperCase(), s]))
    const updates = sizes
      .map((s) => ({ ...s, size: existing.get(s.size.toUpperCase())?.size ?? s.size }))
      .filter((s) => existing.get(s.size.toUpperCase())?.stock !== s.stock)
    if (updates.length === 0) return { row: current, changed: false }
    const maxOrder = await tx.productSize.aggregate({ where: { productId: id }, _max: { sortOrder: true } })
    let next = (maxOrder._max.sortOrder ?? -1) + 1
    for (const s of updates) {
      await tx.productSize.upsert({
        where: { productId_size: { productId: id, size: s.size } },
        update: { stock: s.stock },
        create: { productId: id, size: s.size, stock: s.stock, sortOrder: next++ },
      })
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'product:stock',
      entityType: 'product',
      entityId: id,
      before: { sizes: updates.map((s) => ({ size: s.size, stock: existing.get(s.size.toUpperCase())?.stock ?? null })) },
      after: { sizes: updates.map((s) => ({ size: s.size, stock: s.stock })) },
      requestId: ctx.requestId ?? null,
    })
    return { row: await tx.product.findUniqueOrThrow({ where: { id }, select: staffSelect }), changed: true }
  })
  if (changed) await afterCommit(id, [row.categoryId])
  return toStaffView(row)
}

/**
 * Adds up to five images/videos from temporary files: checked (type by content, size),
 * stored in parallel, then saved after the product's media in one transaction. All or
 * nothing: if a store or the transaction fails, the stored files are removed again. The
 * caller owns (and removes) the temporary files.
 */
export async function addMedia(actor: CatalogActor, productId: string, files: TempFile[], ctx: WriteContext & { storage?: MediaStorage } = {}): Promise<StaffProduct> {
  requirePerm(actor, 'product:update')
  const product = isUuid(productId) ? await getDb().product.findUnique({ where: { id: productId }, select: { id: true } }) : null
  if (!product) throw notFound()
  const checked = await checkUploads(files)
  const storage = ctx.storage ?? getMediaStorage(getRuntime().env)
  const stored = await storeAll(storage, checked)
  let row: StaffRow
  try {
    row = await getDb().$transaction(async (tx) => {
      await lockProduct(tx, productId)
      const max = await tx.productMedia.aggregate({ where: { productId }, _max: { position: true } })
      const start = (max._max.position ?? -1) + 1
      await tx.productMedia.createMany({ data: stored.map((m, i) => ({ productId, publicId: m.publicId, url: m.url, type: m.type, position: start + i })) })
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'product:media',
        entityType: 'product',
        entityId: productId,
        after: { added: stored.map((m) => ({ publicId: m.publicId, url: m.url, type: m.type })) },
        requestId: ctx.requestId ?? null,
      })
      return tx.product.findUniqueOrThrow({ where: { id: productId }, select: staffSelect })
    })
  } catch (err) {
    await removeAll(storage, stored)
    throw err
  }
  await afterCommit(productId, [row.categoryId])
  return toStaffView(row)
}

/** Removes one media item (row and audit in one transaction; the stored file after commit, best effort). */
export async function removeMedia(actor: CatalogActor, productId: string, mediaId: string, ctx: WriteContext = {}): Promise<StaffProduct> {
  requirePerm(actor, 'product:update')
  if (!isUuid(mediaId)) throw new DomainError('NOT_FOUND', 'No such media item.')
  const { row, removed } = await getDb().$transaction(async (tx) => {
    await lockProduct(tx, productId)
    const media = await tx.productMedia.findFirst({ where: { id: mediaId, productId }, select: { id: true, publicId: true, url: true, type: true } })
    if (!media) throw new DomainError('NOT_FOUND', 'No such media item.')
    await tx.productMedia.delete({ where: { id: media.id } })
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'product:media',
      entityType: 'product',
      entityId: productId,
      before: { removed: { publicId: media.publicId, url: media.url, type: media.type } },
      requestId: ctx.requestId ?? null,
    })
    return { row: await tx.product.findUniqueOrThrow({ where: { id: productId }, select: staffSelect }), removed: media }
  })
  await afterCommit(productId, [row.categoryId])
  const env = getRuntime().env
  await removeAll(storageForUrl(removed.url, env), [removed]).catch((err: unknown) => getLogger().warn('media cleanup failed', { error: String(err) }))
  return toStaffView(row)
}

export interface StaffProductFilter {
  q?: string
  categoryId?: string
  status?: ProductStatus
  lowStock?: boolean
  page?: number
  limit?: number
}

export interface StaffProductListItem {
  id: string
  name: string
  slug: string
  brand: string
  status: ProductStatus
  price: number
  currency: string
  category: string
  totalStock: number
  lowSizes: string[]
  thumbnail: string | null
  updatedAt: string
}

/**
 * Products in every status for the staff list: `q` matches name, slug or brand; `lowStock`
 * keeps products with a size at or below LOW_STOCK_THRESHOLD. Newest change first.
 */
export async function listProductsForStaff(filter: StaffProductFilter = {}): Promise<{ items: StaffProductListItem[]; page: number; limit: number; total: number }> {
  const page = Math.max(1, Math.trunc(filter.page ?? 1))
  const limit = Math.min(100, Math.max(1, Math.trunc(filter.limit ?? 20)))
  const q = filter.q?.trim() ?? ''
  const where: Prisma.ProductWhereInput = {
    ...(q
      ? {
          OR: [
            { name: { contains: q, mode: 'insensitive' } },
            { slug: { contains: q, mode: 'insensitive' } },
            { brand: { contains: q, mode: 'insensitive' } },
            ...(isUuid(q) ? [{ id: q }] : []),
          ],
        }
      : {}),
    ...(filter.categoryId && isUuid(filter.categoryId) ? { categoryId: filter.categoryId } : {}),
    ...(filter.status && PRODUCT_STATUSES.includes(filter.status) ? { status: filter.status } : {}),
    ...(filter.lowStock ? { sizes: { some: { stock: { lte: LOW_STOCK_THRESHOLD } } } } : {}),
  }
  const db = getDb()
  const [rows, total] = await Promise.all([
    db.product.findMany({
      where,
      select: {
        id: true,
        name: true,
        slug: true,
        brand: true,
        status: true,
        price: true,
        currency: true,
        updatedAt: true,
        category: { select: { name: true } },
        sizes: { select: { size: true, stock: true }, orderBy: { sortOrder: 'asc' } },
        media: { select: { url: true }, where: { type: 'image' }, orderBy: { position: 'asc' }, take: 1 },
      },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * limit,
      take: limit,
    }),
    db.product.count({ where }),
  ])
  return {
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      brand: r.brand,
      status: r.status,
      price: r.price,
      currency: r.currency,
      category: r.category.name,
      totalStock: r.sizes.reduce((s, x) => s + x.stock, 0),
      lowSizes: r.sizes.filter((s) => s.stock <= LOW_STOCK_THRESHOLD).map((s) => s.size),
      thumbnail: r.media[0]?.url ?? null,
      updatedAt: r.updatedAt.toISOString(),
    })),
    page,
    limit,
    total,
  }
}
