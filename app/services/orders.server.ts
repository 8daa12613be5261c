/**
 * Orders: placing an order exactly once without ever overselling, reading orders (the
 * owner's or, for staff, any), and moving them through their life (status changes,
 * cancellation and returns put stock back in the same transaction).
 *
 * Stock is protected twice: a Redis lock per product+size (in-process without Redis)
 * serialises contending buyers, and the real guarantee is the guarded decrement
 * `UPDATE … SET stock = stock - n WHERE stock >= n` inside the order's transaction
 * (plus a CHECK (stock >= 0) in the schema). See docs/decisions/0006-stock-and-orders.md.
 */
import { createHash, randomBytes } from 'node:crypto'
import { DomainError } from '#app/domain/errors.ts'
import {
  CUSTOMER_CANCELLABLE,
  RESTOCKING_STATUSES,
  STATUS_LABELS,
  TRANSITIONS,
  byProductAndSize,
  canTransition,
  staffTargets,
  sumDemand,
  type OrderStatus,
  type OrderView,
  type PaymentMethod,
  type PlaceOrderInput,
  type ShippingAddress,
  type StockDemand,
} from '#app/domain/order.ts'
import type { PermissionHolder } from '#app/domain/permissions.ts'
import { computeTotals } from '#app/domain/pricing.ts'
import { type Prisma } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { recordAudit } from './audit.server.ts'
import { invalidateProduct } from './catalog-cache.server.ts'

type Tx = Prisma.TransactionClient

export interface OrderActor extends PermissionHolder {
  id: string
}

export interface OrderWriteContext {
  requestId?: string | null
}

/** A lock outlives any normal order transaction; a crashed holder blocks others at most this long. */
const LOCK_TTL_MS = 5_000
/** How long a buyer waits for a contended size before relying on the guarded decrement alone. */
const LOCK_WAIT_MS = 4_000
/** How long an order waits for a pooled connection to start its transaction (Prisma's default, 2 s, gives 500s under a rush). */
const TX_MAX_WAIT_MS = 5_000

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Time-ordered UUID (v7), so new orders land at the end of the primary key index. */
function uuidv7(): string {
  const b = randomBytes(16)
  let ts = Date.now()
  for (let i = 5; i >= 0; i--) {
    b[i] = ts & 0xff
    ts = Math.floor(ts / 256)
  }
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

// ───────────────────────────── reading ─────────────────────────────

const orderSelect = {
  id: true,
  number: true,
  userId: true,
  status: true,
  itemsPrice: true,
  taxPrice: true,
  shippingPrice: true,
  totalPrice: true,
  currency: true,
  paymentMethod: true,
  isPaid: true,
  paidAt: true,
  shippingAddress: true,
  createdAt: true,
  items: { select: { productId: true, name: true, size: true, quantity: true, price: true, product: { select: { slug: true } } }, orderBy: { id: 'asc' } },
  events: { select: { status: true, note: true, at: true, actor: { select: { id: true, name: true, role: true } } }, orderBy: [{ at: 'asc' }, { id: 'asc' }] },
  payments: {
    select: { method: true, status: true, amount: true, providerOrderId: true, providerPaymentId: true },
    orderBy: { createdAt: 'desc' },
    take: 1,
  },
} satisfies Prisma.OrderSelect

type OrderRow = Prisma.OrderGetPayload<{ select: typeof orderSelect }>

function toView(o: OrderRow): OrderView {
  return {
    id: o.id,
    number: o.number,
    userId: o.userId,
    status: o.status,
    items: o.items.map((i) => ({ productId: i.productId, name: i.name, size: i.size, quantity: i.quantity, price: i.price, slug: i.product.slug })),
    itemsPrice: o.itemsPrice,
    taxPrice: o.taxPrice,
    shippingPrice: o.shippingPrice,
    totalPrice: o.totalPrice,
    currency: o.currency,
    paymentMethod: o.paymentMethod,
    isPaid: o.isPaid,
    paidAt: o.paidAt?.toISOString() ?? null,
    shippingAddress: o.shippingAddress as unknown as ShippingAddress,
    events: o.events.map((e) => ({ status: e.status, at: e.at.toISOString(), ...(e.note ? { note: e.note } : {}), actor: e.actor })),
    payment: o.payments[0] ?? null,
    createdAt: o.createdAt.toISOString(),
  }
}

/**
 * The order if it belongs to `userId` (null for anyone else's, so its existence is not
 * revealed). Staff names stay internal: the shopper sees what happened and when, not who.
 */
export async function getOrderForCustomer(userId: string, orderId: string): Promise<OrderView | null> {
  if (!UUID.test(orderId)) return null
  const row = await getDb().order.findFirst({ where: { id: orderId, userId }, select: orderSelect })
  if (!row) return null
  const view = toView(row)
  return { ...view, events: view.events.map((e) => ({ ...e, actor: null })) }
}

/** Any order (staff with `order:read`; the caller checks). */
export async function getOrder(orderId: string): Promise<OrderView | null> {
  if (!UUID.test(orderId)) return null
  const row = await getDb().order.findUnique({ where: { id: orderId }, select: orderSelect })
  return row ? toView(row) : null
}

export interface Page<T> {
  items: T[]
  page: number
  limit: number
  total: number
}

/** The shopper's own orders, newest first (staff names left out, as in getOrderForCustomer). */
export async function listCustomerOrders(userId: string, { page, limit }: { page: number; limit: number }): Promise<Page<OrderView>> {
  const db = getDb()
  const [rows, total] = await Promise.all([
    db.order.findMany({ where: { userId }, select: orderSelect, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * limit, take: limit }),
    db.order.count({ where: { userId } }),
  ])
  const items = rows.map((row) => {
    const view = toView(row)
    return { ...view, events: view.events.map((e) => ({ ...e, actor: null })) }
  })
  return { items, page, limit, total }
}

export interface StaffOrderFilter {
  status?: OrderStatus
  paymentMethod?: PaymentMethod
  isPaid?: boolean
  from?: Date
  to?: Date
  /** order number (#1042 or 1042), order id, or the buyer's / shipping phone (digits) */
  q?: string
  page: number
  limit: number
}

export interface StaffOrderRow {
  id: string
  number: number
  status: OrderStatus
  totalPrice: number
  currency: string
  paymentMethod: PaymentMethod
  isPaid: boolean
  itemCount: number
  customer: { id: string; name: string; phone: string | null }
  createdAt: string
}

function staffWhere(f: StaffOrderFilter): Prisma.OrderWhereInput {
  const where: Prisma.OrderWhereInput = {}
  if (f.status) where.status = f.status
  if (f.paymentMethod) where.paymentMethod = f.paymentMethod
  if (f.isPaid !== undefined) where.isPaid = f.isPaid
  if (f.from || f.to) where.createdAt = { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) }
  const q = f.q?.trim()
  if (q) {
    const num = /^#?(\d{1,9})$/.exec(q)
    const digits = q.replace(/[^\d]/g, '')
    const or: Prisma.OrderWhereInput[] = []
    if (UUID.test(q)) or.push({ id: q })
    if (num) or.push({ number: Number(num[1]) })
    if (digits.length >= 6) {
      or.push({ user: { phone: { contains: digits } } })
      or.push({ shippingAddress: { path: ['phone'], string_contains: digits } })
    }
    where.OR = or.length ? or : [{ id: '00000000-0000-0000-0000-000000000000' }]
  }
  return where
}

/** Orders for the staff list, newest first. */
export async function listOrders(filter: StaffOrderFilter): Promise<Page<StaffOrderRow>> {
  const db = getDb()
  const where = staffWhere(filter)
  const [rows, total] = await Promise.all([
    db.order.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (filter.page - 1) * filter.limit,
      take: filter.limit,
      select: {
        id: true,
        number: true,
        status: true,
        totalPrice: true,
        currency: true,
        paymentMethod: true,
        isPaid: true,
        createdAt: true,
        user: { select: { id: true, name: true, phone: true } },
        _count: { select: { items: true } },
      },
    }),
    db.order.count({ where }),
  ])
  return {
    items: rows.map((r) => ({
      id: r.id,
      number: r.number,
      status: r.status,
      totalPrice: r.totalPrice,
      currency: r.currency,
      paymentMethod: r.paymentMethod,
      isPaid: r.isPaid,
      itemCount: r._count.items,
      customer: r.user,
      createdAt: r.createdAt.toISOString(),
    })),
    page: filter.page,
    limit: filter.limit,
    total,
  }
}

// ───────────────────────────── placing an order ─────────────────────────────

export interface PlaceOrderContext extends OrderWriteContext {
  /** Client-chosen key (API header or the checkout form's one-time token): a repeat returns the same order. */
  idempotencyKey?: string | null
  /** Remove the bought pieces from the user's cart in the same transaction (web checkout). */
  clearCart?: boolean
}

export interface ShortItem {
  productId: string
  size: string
  name: string | null
  requested: number
  available: number
}

/** Takes the locks of every size in a fixed order, runs `fn`, releases what it took. */
async function withStockLocks<T>(demand: readonly StockDemand[], fn: () => Promise<T>): Promise<T> {
  const { lock } = getRuntime()
  const held: { key: string; token: string }[] = []
  try {
    for (const d of demand) {
      const key = `stock:${d.productId}:${d.size}`
      // A lock that cannot be had in time (contention, or Redis unreachable) is not a
      // reason to refuse the buyer: the guarded decrement below still decides.
      const token = await lock.acquire(key, { ttlMs: LOCK_TTL_MS, waitMs: LOCK_WAIT_MS }).catch((err: unknown) => {
        getLogger().warn('stock lock unavailable', { key, error: err instanceof Error ? err.message : String(err) })
        return null
      })
      if (token) held.push({ key, token })
    }
    return await fn()
  } finally {
    await Promise.all(held.map(({ key, token }) => lock.release(key, token).catch(() => false)))
  }
}

function requestHash(input: PlaceOrderInput, demand: readonly StockDemand[]): string {
  const canonical = JSON.stringify({ demand, address: input.shippingAddress, payment: input.paymentMethod })
  return createHash('sha256').update(canonical).digest('hex')
}

interface DecrementedRow {
  productId: string
  slug: string
  size: string
  quantity: number
  name: string
  price: number
  costPrice: number | null
  currency: string
  categoryId: string
}

class OutOfStock extends Error {
  constructor(readonly items: ShortItem[]) {
    super('out of stock')
  }
}

class IdempotentReplay extends Error {
  constructor(readonly orderId: string) {
    super('replay')
  }
}

function outOfStockError(items: ShortItem[]): DomainError {
  const parts = items.map((i) =>
    i.name === null
      ? `an item (${i.size}) is no longer sold`
      : i.available === 0
        ? `${i.name} (${i.size}) is sold out`
        : `only ${i.available} left of ${i.name} (${i.size}), you asked for ${i.requested}`,
  )
  const message = `Not enough stock: ${parts.join('; ')}. Nothing was charged and no stock was taken.`
  return new DomainError('OUT_OF_STOCK', message.charAt(0).toUpperCase() + message.slice(1), {
    items: items.map(({ productId, size, requested, available, name }) => ({ productId, size, requested, available, name })),
  })
}

/**
 * Places an order in one transaction: every size is decremented only if enough is left,
 * then the order, its items (price and cost snapshots), its first event and its payment
 * record are written. Any size short → nothing changes and OUT_OF_STOCK names the items.
 * With an idempotency key, a repeat (or a concurrent duplicate) returns the first order.
 */
export async function placeOrder(userId: string, input: PlaceOrderInput, ctx: PlaceOrderContext = {}): Promise<{ order: OrderView; created: boolean }> {
  const demand = sumDemand(input.items)
  const hash = ctx.idempotencyKey ? requestHash(input, demand) : null
  const db = getDb()

  if (ctx.idempotencyKey && hash) {
    const prior = await db.idempotencyKey.findUnique({ where: { userId_key: { userId, key: ctx.idempotencyKey } }, select: { requestHash: true, orderId: true } })
    if (prior) return replay(userId, prior, hash)
  }

  const orderId = uuidv7()
  let placed: { rows: DecrementedRow[]; view: OrderView }
  try {
    placed = await withStockLocks(demand, async () => {
      // A size already short is refused before any transaction: in a rush for the last pieces
      // most buyers lose, and each would otherwise hold the lock and a pooled connection for a
      // doomed transaction (and the queue behind them would time out). Only a shortcut: the
      // guarded decrement below still decides for everyone who gets past it.
      const short = (await shortItems(db, demand, [])).filter((i) => i.name === null || i.available < i.requested)
      if (short.length) {
        // A repeat of a key whose own order took those pieces is a replay, not a refusal.
        const prior = ctx.idempotencyKey
          ? await db.idempotencyKey.findUnique({ where: { userId_key: { userId, key: ctx.idempotencyKey } }, select: { requestHash: true, orderId: true } })
          : null
        if (prior && prior.requestHash !== hash) throw keyReused()
        if (prior?.orderId) throw new IdempotentReplay(prior.orderId)
        throw new OutOfStock(short)
      }
      return db.$transaction(async (tx) => {
        if (ctx.idempotencyKey && hash) {
          // A concurrent request with the same key waits here on the unique index until the
          // first one commits (then it replays that order) or rolls back (then it goes on).
          const inserted = await tx.$executeRaw`
            INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
            VALUES (${userId}::uuid, ${ctx.idempotencyKey}, ${hash}, ${orderId}::uuid)
            ON CONFLICT DO NOTHING`
          if (inserted === 0) {
            const prior = await tx.idempotencyKey.findUnique({ where: { userId_key: { userId, key: ctx.idempotencyKey } }, select: { requestHash: true, orderId: true } })
            if (prior?.requestHash !== hash) throw keyReused()
            if (prior.orderId) throw new IdempotentReplay(prior.orderId)
          }
        }
        const rows = await decrementStock(tx, demand)
        if (rows.length < demand.length) throw new OutOfStock(await shortItems(tx, demand, rows))
        const view = await writeOrder(tx, userId, orderId, input, rows, Boolean(ctx.clearCart))
        return { rows, view }
      }, { maxWait: TX_MAX_WAIT_MS })
    })
  } catch (err) {
    if (err instanceof OutOfStock) throw outOfStockError(err.items)
    if (err instanceof IdempotentReplay) {
      const order = await getOrderForCustomer(userId, err.orderId)
      if (order) return { order, created: false }
    }
    throw err
  }

  const { rows, view } = placed
  await invalidateStock(rows.map((r) => ({ productId: r.productId, categoryId: r.categoryId })))
  getLogger().info('order placed', { orderId, orderNumber: view.number, userId, requestId: ctx.requestId ?? undefined, items: rows.length, paymentMethod: input.paymentMethod })
  return { order: view, created: true }
}

function keyReused(): DomainError {
  return new DomainError('CONFLICT', 'This Idempotency-Key was already used for a different order. Use a new key for a new order.')
}

async function replay(userId: string, prior: { requestHash: string; orderId: string | null }, hash: string): Promise<{ order: OrderView; created: boolean }> {
  if (prior.requestHash !== hash) throw keyReused()
  const order = prior.orderId ? await getOrderForCustomer(userId, prior.orderId) : null
  if (!order) throw new DomainError('CONFLICT', 'The order for this Idempotency-Key is still being placed. Try again in a moment.')
  return { order, created: false }
}

/**
 * The order a key already placed for this user, if any. The web checkout asks first: once its
 * order committed the cart is empty, so a resubmitted form could not rebuild the same input.
 */
export async function getOrderByIdempotencyKey(userId: string, key: string): Promise<OrderView | null> {
  const prior = await getDb().idempotencyKey.findUnique({ where: { userId_key: { userId, key } }, select: { orderId: true } })
  return prior?.orderId ? getOrderForCustomer(userId, prior.orderId) : null
}

/** One statement: decrement every size that has enough (active products only) and bump sold counts. */
async function decrementStock(tx: Tx, demand: readonly StockDemand[]): Promise<DecrementedRow[]> {
  const ids = demand.map((d) => d.productId)
  const sizes = demand.map((d) => d.size)
  const qtys = demand.map((d) => d.quantity)
  return tx.$queryRaw<DecrementedRow[]>`
    WITH want AS (
      SELECT * FROM unnest(${ids}::uuid[], ${sizes}::text[], ${qtys}::int[]) AS w(product_id, size, qty)
    ), dec AS (
      UPDATE product_sizes AS ps
         SET stock = ps.stock - w.qty
        FROM want AS w, products AS p
       WHERE ps.product_id = w.product_id AND ps.size = w.size AND ps.stock >= w.qty
         AND p.id = ps.product_id AND p.status = 'active'
      RETURNING ps.product_id, ps.size, w.qty, p.slug, p.name, p.price, p.cost_price, p.currency, p.category_id
    ), sold AS (
      UPDATE products AS p SET sold_count = p.sold_count + s.qty
        FROM (SELECT product_id, sum(qty)::int AS qty FROM dec GROUP BY product_id) AS s
       WHERE p.id = s.product_id
    )
    SELECT product_id::text AS "productId", slug, size, qty AS quantity, name, price, cost_price AS "costPrice",
           currency::text AS currency, category_id::text AS "categoryId"
      FROM dec`
}

/** What is left of each size the order could not have (read inside the doomed transaction). */
async function shortItems(tx: Tx, demand: readonly StockDemand[], got: readonly DecrementedRow[]): Promise<ShortItem[]> {
  const ok = new Set(got.map((r) => `${r.productId}|${r.size}`))
  const missing = demand.filter((d) => !ok.has(`${d.productId}|${d.size}`))
  const rows = await tx.productSize.findMany({
    where: { OR: missing.map((d) => ({ productId: d.productId, size: d.size })) },
    select: { productId: true, size: true, stock: true, product: { select: { name: true, status: true } } },
  })
  const by = new Map(rows.map((r) => [`${r.productId}|${r.size}`, r]))
  return missing.map((d) => {
    const row = by.get(`${d.productId}|${d.size}`)
    const sold = row?.product.status === 'active'
    return { productId: d.productId, size: d.size, name: sold ? row.product.name : null, requested: d.quantity, available: sold ? row.stock : 0 }
  })
}

/** Writes the order, its items, first event and payment; returns the order as the owner sees it (no re-read). */
async function writeOrder(tx: Tx, userId: string, orderId: string, input: PlaceOrderInput, rows: readonly DecrementedRow[], clearCart: boolean): Promise<OrderView> {
  // Items are stored (and so read back, by id) in the same order as they are returned here.
  const lines = [...rows].sort(byProductAndSize)
  const itemIds = lines.map(() => uuidv7()).sort()
  const totals = computeTotals(lines.map((r) => ({ unitPrice: r.price, quantity: r.quantity })))
  const currency = rows[0]?.currency ?? 'INR'
  const method = input.paymentMethod
  const status: OrderStatus = method === 'cod' ? 'processing' : 'pending_payment'
  const note = method === 'cod' ? 'Order placed: cash on delivery' : 'Order placed: awaiting online payment'
  // One statement (one round trip) for the order, its items, first event and payment, and the
  // bought sizes leaving the cart; the parent row is visible to the foreign keys at statement end.
  const [written] = await tx.$queryRaw<{ number: number; createdAt: Date }[]>`
    WITH o AS (
      INSERT INTO orders (id, user_id, status, items_price, tax_price, shipping_price, total_price, currency, payment_method, shipping_address, updated_at)
      VALUES (${orderId}::uuid, ${userId}::uuid, ${status}::"OrderStatus", ${totals.itemsPrice}, ${totals.taxPrice}, ${totals.shippingPrice}, ${totals.totalPrice},
              ${currency}, ${method}::"PaymentMethod", ${JSON.stringify(input.shippingAddress)}::jsonb, now())
      RETURNING number, created_at
    ), items AS (
      INSERT INTO order_items (id, order_id, product_id, name, size, quantity, price, cost_price)
      SELECT x.id, ${orderId}::uuid, x.product_id, x.name, x.size, x.quantity, x.price, x.cost_price
        FROM unnest(${itemIds}::uuid[], ${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.name)}::text[], ${lines.map((l) => l.size)}::text[],
                    ${lines.map((l) => l.quantity)}::int[], ${lines.map((l) => l.price)}::int[], ${lines.map((l) => l.costPrice)}::int[])
             AS x(id, product_id, name, size, quantity, price, cost_price)
    ), event AS (
      INSERT INTO order_events (id, order_id, status, note, actor_id, at)
      SELECT ${uuidv7()}::uuid, ${orderId}::uuid, ${status}::"OrderStatus", ${note}, ${userId}::uuid, o.created_at FROM o
    ), payment AS (
      INSERT INTO payments (id, order_id, method, amount, currency, updated_at)
      VALUES (${uuidv7()}::uuid, ${orderId}::uuid, ${method}::"PaymentMethod", ${totals.totalPrice}, ${currency}, now())
    ), cart AS (
      DELETE FROM cart_lines AS cl
       USING carts AS c, unnest(${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.size)}::text[]) AS b(product_id, size)
       WHERE ${clearCart} AND c.user_id = ${userId}::uuid AND cl.cart_id = c.id AND cl.product_id = b.product_id AND cl.size = b.size
    )
    SELECT number, created_at AS "createdAt" FROM o`
  if (!written) throw new Error(`order ${orderId} was not written`)
  const { number, createdAt } = written
  return {
    id: orderId,
    number,
    userId,
    status,
    items: lines.map((r) => ({ productId: r.productId, name: r.name, size: r.size, quantity: r.quantity, price: r.price, slug: r.slug })),
    ...totals,
    currency,
    paymentMethod: method,
    isPaid: false,
    paidAt: null,
    shippingAddress: input.shippingAddress,
    events: [{ status, at: createdAt.toISOString(), note, actor: null }],
    payment: { method, status: 'created', amount: totals.totalPrice, providerOrderId: null, providerPaymentId: null },
    createdAt: createdAt.toISOString(),
  }
}

/** After a stock change commits: drop the cached product pages and listings that show them. */
async function invalidateStock(products: readonly { productId: string; categoryId: string }[]): Promise<void> {
  const by = new Map(products.map((p) => [p.productId, p.categoryId]))
  await Promise.all(
    [...by].map(([productId, categoryId]) =>
      invalidateProduct(productId, [categoryId]).catch((err: unknown) => {
        getLogger().error('cache invalidation after an order failed', { productId, error: err instanceof Error ? err.message : String(err) })
      }),
    ),
  )
}

// ───────────────────────────── the order's life ─────────────────────────────

interface TransitionOptions extends OrderWriteContext {
  /** null for the system (payment expiry, webhooks) */
  actorId: string | null
  note?: string
  /** checked against the locked current status; throw to refuse */
  guard?: (current: { status: OrderStatus; userId: string; paymentMethod: PaymentMethod; isPaid: boolean }) => void
  audit?: boolean
}

/** Moves an order to `to` in one transaction (row locked, transition checked, stock returned when cancelling or returning). */
async function transition(orderId: string, to: OrderStatus, opts: TransitionOptions): Promise<OrderView> {
  if (!UUID.test(orderId)) throw new DomainError('NOT_FOUND', 'Order not found.')
  const restock = RESTOCKING_STATUSES.includes(to)
  const result = await getDb().$transaction(async (tx) => {
    const [cur] = await tx.$queryRaw<{ status: OrderStatus; userId: string; paymentMethod: PaymentMethod; isPaid: boolean }[]>`
      SELECT status::text AS status, user_id::text AS "userId", payment_method::text AS "paymentMethod", is_paid AS "isPaid"
        FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`
    if (!cur) throw new DomainError('NOT_FOUND', 'Order not found.')
    opts.guard?.(cur)
    if (!canTransition(cur.status, to)) {
      const allowed = TRANSITIONS[cur.status]
      throw new DomainError(
        'STATE_NOT_ALLOWED',
        `An order that is ${STATUS_LABELS[cur.status].toLowerCase()} cannot become ${STATUS_LABELS[to].toLowerCase()}.` +
          (allowed.length ? ` Allowed next: ${allowed.map((s) => STATUS_LABELS[s].toLowerCase()).join(', ')}.` : ''),
        { from: cur.status, to },
      )
    }
    await tx.order.update({ where: { id: orderId }, data: { status: to }, select: { id: true } })
    await tx.orderEvent.create({ data: { orderId, status: to, actorId: opts.actorId, note: opts.note || null }, select: { id: true } })
    // An online payment that never came is closed when the order is cancelled.
    if (to === 'cancelled' && !cur.isPaid) await tx.payment.updateMany({ where: { orderId, status: { in: ['created', 'authorized'] } }, data: { status: 'failed' } })
    const restocked = restock ? await returnStock(tx, orderId) : []
    if (opts.audit && opts.actorId) {
      await recordAudit(tx, {
        actorId: opts.actorId,
        action: 'order:status_change',
        entityType: 'order',
        entityId: orderId,
        before: { status: cur.status, isPaid: cur.isPaid },
        after: { status: to, isPaid: cur.isPaid, ...(opts.note ? { note: opts.note } : {}) },
        requestId: opts.requestId ?? null,
      })
    }
    return { restocked, from: cur.status }
  })
  if (result.restocked.length) await invalidateStock(result.restocked)
  getLogger().info('order status changed', { orderId, from: result.from, to, actorId: opts.actorId ?? undefined, requestId: opts.requestId ?? undefined })
  const order = await getOrder(orderId)
  if (!order) throw new DomainError('NOT_FOUND', 'Order not found.')
  return order
}

/** Puts every piece of the order back on its size and takes it off the sold counts. */
async function returnStock(tx: Tx, orderId: string): Promise<{ productId: string; categoryId: string }[]> {
  return tx.$queryRaw<{ productId: string; categoryId: string }[]>`
    WITH items AS (
      SELECT product_id, size, sum(quantity)::int AS qty FROM order_items WHERE order_id = ${orderId}::uuid GROUP BY product_id, size
    ), back AS (
      UPDATE product_sizes AS ps SET stock = ps.stock + i.qty
        FROM items AS i
       WHERE ps.product_id = i.product_id AND ps.size = i.size
      RETURNING ps.product_id
    ), sold AS (
      UPDATE products AS p SET sold_count = GREATEST(p.sold_count - s.qty, 0)
        FROM (SELECT product_id, sum(qty)::int AS qty FROM items GROUP BY product_id) AS s
       WHERE p.id = s.product_id
      RETURNING p.id, p.category_id
    )
    SELECT id::text AS "productId", category_id::text AS "categoryId" FROM sold`
}

/** Staff moves an order: the transition must be allowed and the actor's role may make it. Audited. */
export async function changeStatus(actor: OrderActor, orderId: string, to: OrderStatus, opts: OrderWriteContext & { note?: string } = {}): Promise<OrderView> {
  return transition(orderId, to, {
    actorId: actor.id,
    note: opts.note,
    requestId: opts.requestId,
    audit: true,
    guard: (cur) => {
      if (canTransition(cur.status, to) && !staffTargets(actor, cur.status).includes(to)) {
        throw new DomainError('FORBIDDEN', `Your role may not mark an order ${STATUS_LABELS[to].toLowerCase()}.`)
      }
    },
  })
}

/** The shopper cancels their own order before it ships; the stock goes back. */
export async function cancelByCustomer(userId: string, orderId: string, opts: OrderWriteContext & { reason?: string } = {}): Promise<OrderView> {
  return transition(orderId, 'cancelled', {
    actorId: userId,
    note: opts.reason ? `Cancelled by the customer: ${opts.reason}` : 'Cancelled by the customer',
    requestId: opts.requestId,
    guard: (cur) => {
      if (cur.userId !== userId) throw new DomainError('NOT_FOUND', 'Order not found.')
      if (!CUSTOMER_CANCELLABLE.includes(cur.status)) {
        throw new DomainError('STATE_NOT_ALLOWED', `This order is ${STATUS_LABELS[cur.status].toLowerCase()} and can no longer be cancelled online.`, { from: cur.status })
      }
    },
  })
}

/**
 * Records a payment as received, in one transaction on the locked order row. An order
 * awaiting online payment moves to processing; any other (cash on delivery collected, say)
 * is only marked paid, with an event. Idempotent and safe to race (a webhook and the
 * shopper's return): an order already paid is returned unchanged.
 */
export async function markPaid(orderId: string, opts: OrderWriteContext & { actorId: string | null; providerPaymentId?: string | null; note?: string }): Promise<OrderView> {
  if (!UUID.test(orderId)) throw new DomainError('NOT_FOUND', 'Order not found.')
  await getDb().$transaction(async (tx) => {
    const [cur] = await tx.$queryRaw<{ status: OrderStatus; isPaid: boolean }[]>`
      SELECT status::text AS status, is_paid AS "isPaid" FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`
    if (!cur) throw new DomainError('NOT_FOUND', 'Order not found.')
    if (cur.isPaid) return
    if (RESTOCKING_STATUSES.includes(cur.status)) {
      throw new DomainError('STATE_NOT_ALLOWED', `This order is ${STATUS_LABELS[cur.status].toLowerCase()}; a payment cannot be recorded on it.`, { from: cur.status })
    }
    const status: OrderStatus = cur.status === 'pending_payment' ? 'processing' : cur.status
    await tx.order.update({ where: { id: orderId }, data: { status, isPaid: true, paidAt: new Date() }, select: { id: true } })
    await tx.payment.updateMany({ where: { orderId }, data: { status: 'captured', ...(opts.providerPaymentId ? { providerPaymentId: opts.providerPaymentId } : {}) } })
    await tx.orderEvent.create({ data: { orderId, status, actorId: opts.actorId, note: opts.note ?? 'Payment received' }, select: { id: true } })
    if (opts.actorId) {
      await recordAudit(tx, {
        actorId: opts.actorId,
        action: 'order:payment',
        entityType: 'order',
        entityId: orderId,
        before: { status: cur.status, isPaid: false },
        after: { status, isPaid: true },
        requestId: opts.requestId ?? null,
      })
    }
  })
  const order = await getOrder(orderId)
  if (!order) throw new DomainError('NOT_FOUND', 'Order not found.')
  return order
}

/** Cancels online-payment orders still unpaid after `olderThanMs`, returning their stock. Returns how many. */
export async function expireUnpaidOrders(olderThanMs: number, now = new Date()): Promise<number> {
  const stale = await getDb().order.findMany({
    where: { status: 'pending_payment', isPaid: false, createdAt: { lt: new Date(now.getTime() - olderThanMs) } },
    select: { id: true },
    take: 500,
  })
  let expired = 0
  for (const { id } of stale) {
    try {
      await transition(id, 'cancelled', { actorId: null, note: 'Payment not received in time; the items were released' })
      expired++
    } catch (err) {
      // Paid or moved meanwhile: nothing to expire.
      if (!(err instanceof DomainError)) throw err
    }
  }
  return expired
}
