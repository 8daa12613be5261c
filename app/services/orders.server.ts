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
import { createHash } from 'node:crypto'
import { DomainError } from '#app/domain/errors.ts'
import {
  CUSTOMER_CANCELLABLE,
  RESTOCKING_STATUSES,
  STATUS_LABELS,
  TRANSITIONS,
  awaitsPayment,
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
import { DEFAULT_COUNTRY_CODE, normalizePhone } from '#app/domain/phone.ts'
import { computeTotals } from '#app/domain/pricing.ts'
import { DEFAULT_SHIPPING_METHOD, type ShippingMethod } from '#app/domain/shipping.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { getDb, sql, transaction, type PoolClient, type Statement } from '#app/utils/db.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { uuidv7 } from '#app/utils/uuid.server.ts'
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// ───────────────────────────── reading ─────────────────────────────

const orderSelect = {
  id: true,
  number: true,
  userId: true,
  status: true,
  itemsPrice: true,
  taxPrice: true,
  shippingPrice: true,
  shippingMethod: true,
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
    shippingMethod: o.shippingMethod,
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

/** The staff list counts matches up to here; beyond, it says "10,000+" instead of counting a million rows. */
export const STAFF_COUNT_LIMIT = 10_000

/** Fewer trailing digits than this match too many phones to be a search. */
const MIN_PHONE_SEARCH_DIGITS = 4

/**
 * The digits a phone search matches at the end of a stored number. A whole Indian number in
 * any format staff type (+91 98765 43210, 09876543210, 9876543210) becomes its 10 national
 * digits, so it also finds a number stored without +91; another country's number (typed with
 * its +code) is matched whole; anything else phone-like is taken as the last 4+ digits.
 * Null when `q` is not phone-like (#1042, a name, an order id).
 */
export function phoneSearchDigits(q: string): string | null {
  if (!/^[+\d\s\-.()\u00a0]+$/.test(q)) return null
  const e164 = normalizePhone(q)
  const digits = e164 ? (e164.startsWith(`+${DEFAULT_COUNTRY_CODE}`) ? e164.slice(1 + DEFAULT_COUNTRY_CODE.length) : e164.slice(1)) : q.replace(/\D/g, '')
  return digits.length >= MIN_PHONE_SEARCH_DIGITS ? digits : null
}

/**
 * A phone reduced to its digits and reversed, so "ends with" is a prefix match. The same
 * expressions as the indexes of migration 20261201215024_staff_phone_search: keep them identical.
 */
const SHIPPING_PHONE_KEY = Prisma.sql`reverse(regexp_replace(o.shipping_address ->> 'phone', '[^0-9]', '', 'g'))`
const USER_PHONE_KEY = Prisma.sql`reverse(regexp_replace(u.phone, '[^0-9]', '', 'g'))`

/** The staff filters as one SQL WHERE clause over `orders o` (every condition index-backed). */
function staffWhere(f: StaffOrderFilter): Prisma.Sql {
  const and: Prisma.Sql[] = []
  if (f.status) and.push(Prisma.sql`o.status = ${f.status}::"OrderStatus"`)
  if (f.paymentMethod) and.push(Prisma.sql`o.payment_method = ${f.paymentMethod}::"PaymentMethod"`)
  if (f.isPaid !== undefined) and.push(Prisma.sql`o.is_paid = ${f.isPaid}`)
  if (f.from) and.push(Prisma.sql`o.created_at >= ${f.from}::timestamptz`)
  if (f.to) and.push(Prisma.sql`o.created_at < ${f.to}::timestamptz`)
  const q = f.q?.trim()
  if (q) {
    const or: Prisma.Sql[] = []
    if (UUID.test(q)) or.push(Prisma.sql`o.id = ${q}::uuid`)
    const num = /^#?(\d{1,9})$/.exec(q)
    if (num) or.push(Prisma.sql`o.number = ${Number(num[1])}::int`)
    const digits = q.startsWith('#') ? null : phoneSearchDigits(q)
    if (digits) {
      const pattern = `${[...digits].reverse().join('')}%`
      or.push(Prisma.sql`${SHIPPING_PHONE_KEY} LIKE ${pattern}`)
      // An array from an uncorrelated subquery keeps this an index condition (a BitmapOr with the one above).
      or.push(Prisma.sql`o.user_id = ANY (ARRAY(SELECT u.id FROM users u WHERE ${USER_PHONE_KEY} LIKE ${pattern}))`)
    }
    and.push(or.length ? Prisma.sql`(${Prisma.join(or, ' OR ')})` : Prisma.sql`false`)
  }
  return and.length ? Prisma.sql`WHERE ${Prisma.join(and, ' AND ')}` : Prisma.empty
}

export interface StaffOrderPage extends Page<StaffOrderRow> {
  /** `total` is STAFF_COUNT_LIMIT and more match ("10,000+"): the list was not counted to the end. */
  totalIsLowerBound: boolean
  /** another page follows this one */
  hasMore: boolean
}

/** A StaffOrderRow as the list's SQL returns it: the customer flat, the date not yet a string. */
interface StaffOrderSqlRow extends Omit<StaffOrderRow, 'customer' | 'createdAt'> {
  createdAt: Date
  userId: string
  userName: string
  userPhone: string | null
}

/**
 * Orders for the staff list, newest first. The page is cut from an index walk before anything
 * is joined (users, item counts: 25 lookups, not an aggregate over every order's items), and
 * matches are counted only up to STAFF_COUNT_LIMIT, so the list costs the same at a million orders.
 */
export async function listOrders(filter: StaffOrderFilter): Promise<StaffOrderPage> {
  const db = getDb()
  const where = staffWhere(filter)
  const [rows, counted] = await Promise.all([
    db.$queryRaw<StaffOrderSqlRow[]>`
      SELECT o.id::text AS id, o.number, o.status::text AS status, o.total_price AS "totalPrice", o.currency::text AS currency,
             o.payment_method::text AS "paymentMethod", o.is_paid AS "isPaid", o.created_at AS "createdAt",
             u.id::text AS "userId", u.name AS "userName", u.phone AS "userPhone",
             (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS "itemCount"
        FROM (SELECT o.id, o.number, o.status, o.total_price, o.currency, o.payment_method, o.is_paid, o.created_at, o.user_id
                FROM orders o ${where}
               ORDER BY o.created_at DESC, o.id DESC
               LIMIT ${filter.limit + 1}::int OFFSET ${(filter.page - 1) * filter.limit}::int) AS o
        JOIN users u ON u.id = o.user_id
       ORDER BY o.created_at DESC, o.id DESC`,
    db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM (SELECT 1 FROM orders o ${where} LIMIT ${STAFF_COUNT_LIMIT + 1}::int) AS matched`,
  ])
  const n = counted[0]?.n ?? 0
  return {
    items: rows.slice(0, filter.limit).map((r) => ({
      id: r.id,
      number: r.number,
      status: r.status,
      totalPrice: r.totalPrice,
      currency: r.currency,
      paymentMethod: r.paymentMethod,
      isPaid: r.isPaid,
      itemCount: r.itemCount,
      customer: { id: r.userId, name: r.userName, phone: r.userPhone },
      createdAt: r.createdAt.toISOString(),
    })),
    page: filter.page,
    limit: filter.limit,
    total: Math.min(n, STAFF_COUNT_LIMIT),
    totalIsLowerBound: n > STAFF_COUNT_LIMIT,
    hasMore: rows.length > filter.limit,
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
      // A lock that cannot be had in time (contention, or a Redis error; while Redis is down
      // the lock is this instance's own) is not a reason to refuse the buyer: the guarded
      // decrement below still decides.
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

/** An order to place with its delivery option settled. */
type OrderToPlace = PlaceOrderInput & { shippingMethod: ShippingMethod }

function requestHash(input: OrderToPlace, demand: readonly StockDemand[]): string {
  // Standard delivery leaves the hash as it was before delivery could be chosen, so keys stored then still match.
  const shipping = input.shippingMethod === 'standard' ? {} : { shipping: input.shippingMethod }
  const canonical = JSON.stringify({ demand, address: input.shippingAddress, payment: input.paymentMethod, ...shipping })
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

/** Thrown inside the order's transaction to roll it back: these sizes could not be had. */
class Short extends Error {
  constructor(readonly missing: StockDemand[]) {
    super('out of stock')
  }
}

/** Thrown inside the order's transaction: another request committed this idempotency key first. */
class KeyTaken extends Error {
  constructor() {
    super('idempotency key taken')
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
 *
 * The hot path is hand-written SQL on the pg pool (prepared once per connection): a key
 * lookup, then BEGIN, one statement that records the key and takes the stock, one that writes
 * the order, COMMIT. See docs/decisions/0006-stock-and-orders.md.
 */
export async function placeOrder(userId: string, placing: PlaceOrderInput, ctx: PlaceOrderContext = {}): Promise<{ order: OrderView; created: boolean }> {
  const input: OrderToPlace = { ...placing, shippingMethod: placing.shippingMethod ?? DEFAULT_SHIPPING_METHOD }
  const demand = sumDemand(input.items)
  const key = ctx.idempotencyKey || null
  const hash = key ? requestHash(input, demand) : null

  if (key && hash) {
    const prior = await findIdempotencyKey(userId, key)
    if (prior) return replay(userId, prior, hash)
  }

  const orderId = uuidv7()
  let placed: { rows: DecrementedRow[]; view: OrderView }
  let invalidated = Promise.resolve()
  try {
    placed = await withStockLocks(demand, async () => {
      // Every effect is inside the transaction, so a deadlock victim (two buyers whose sizes'
      // rows were locked in different orders, when the locks above were not had) runs again.
      const done = await transaction(async (client) => {
        // A concurrent request with the same key waits in this statement, on the key's unique
        // index, until the first one commits (then this one takes nothing and replays that
        // order) or rolls back (then this one goes on).
        const { fresh, rows } = await takeStock(client, { userId, key, hash, orderId }, demand)
        if (!fresh) throw new KeyTaken()
        if (rows.length < demand.length) {
          const got = new Set(rows.map((r) => `${r.productId}|${r.size}`))
          throw new Short(demand.filter((d) => !got.has(`${d.productId}|${d.size}`)))
        }
        const view = await writeOrder(client, userId, orderId, input, rows, Boolean(ctx.clearCart))
        return { rows, view }
      }, { retryOnConflict: true })
      // Committed: the cached pages showing these products go now, while the locks are being
      // released (one wait on Redis instead of two); awaited below, before the answer.
      invalidated = invalidateStock(done.rows.map((r) => ({ productId: r.productId, categoryId: r.categoryId })))
      return done
    })
  } catch (err) {
    // Short and KeyTaken rolled the transaction back: nothing was taken or written.
    if (err instanceof Short) throw outOfStockError(await shortItems(getDb(), err.missing))
    if (err instanceof KeyTaken && key && hash) return replay(userId, (await findIdempotencyKey(userId, key)) ?? { requestHash: hash, orderId: null }, hash)
    throw err
  }

  const { rows, view } = placed
  await invalidated
  getLogger().info('order placed', { orderId, orderNumber: view.number, userId, requestId: ctx.requestId ?? undefined, items: rows.length, paymentMethod: input.paymentMethod, shippingMethod: input.shippingMethod })
  return { order: view, created: true }
}

const FIND_KEY: Statement = {
  name: 'orders.find-idempotency-key',
  text: `SELECT request_hash AS "requestHash", order_id::text AS "orderId" FROM idempotency_keys WHERE user_id = $1::uuid AND key = $2`,
}

async function findIdempotencyKey(userId: string, key: string): Promise<{ requestHash: string; orderId: string | null } | null> {
  const [row] = await sql<{ requestHash: string; orderId: string | null }>(FIND_KEY, [userId, key])
  return row ?? null
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
  const prior = await findIdempotencyKey(userId, key)
  return prior?.orderId ? getOrderForCustomer(userId, prior.orderId) : null
}

/**
 * One statement: records the idempotency key (when there is one), and only if it is new,
 * decrements every size that has enough (active products only) and bumps the sold counts.
 * `fresh` is false when another request already holds the key (nothing was taken then).
 */
const TAKE_STOCK: Statement = {
  name: 'orders.take-stock',
  text: `
    WITH k AS (
      INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
      SELECT $1::uuid, $2::text, $3::text, $4::uuid WHERE $2::text IS NOT NULL
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), go AS (
      SELECT $2::text IS NULL OR EXISTS (SELECT FROM k) AS fresh
    ), want AS (
      SELECT * FROM unnest($5::uuid[], $6::text[], $7::int[]) AS w(product_id, size, qty)
    ), dec AS (
      UPDATE product_sizes AS ps
         SET stock = ps.stock - w.qty
        FROM want AS w, products AS p
       WHERE ps.product_id = w.product_id AND ps.size = w.size AND ps.stock >= w.qty
         AND p.id = ps.product_id AND p.status = 'active'
         AND (SELECT fresh FROM go)
      RETURNING ps.product_id, ps.size, w.qty, p.slug, p.name, p.price, p.cost_price, p.currency, p.category_id
    ), sold AS (
      UPDATE products AS p SET sold_count = p.sold_count + s.qty
        FROM (SELECT product_id, sum(qty)::int AS qty FROM dec GROUP BY product_id) AS s
       WHERE p.id = s.product_id
    )
    SELECT go.fresh, d.product_id::text AS "productId", d.slug, d.size, d.qty AS quantity, d.name, d.price, d.cost_price AS "costPrice",
           d.currency::text AS currency, d.category_id::text AS "categoryId"
      FROM go LEFT JOIN dec AS d ON true`,
}

async function takeStock(
  client: PoolClient,
  k: { userId: string; key: string | null; hash: string | null; orderId: string },
  demand: readonly StockDemand[],
): Promise<{ fresh: boolean; rows: DecrementedRow[] }> {
  const result = await sql<{ fresh: boolean } & { [K in keyof DecrementedRow]: DecrementedRow[K] | null }>(
    TAKE_STOCK,
    [k.userId, k.key, k.hash, k.orderId, demand.map((d) => d.productId), demand.map((d) => d.size), demand.map((d) => d.quantity)],
    client,
  )
  // The left join gives one row with no product when nothing was taken.
  const rows = result.filter((r) => r.productId !== null) as unknown as DecrementedRow[]
  return { fresh: result[0]?.fresh === true, rows }
}

/** What is left of each size the order could not have (read after its transaction rolled back). */
async function shortItems(db: Tx, missing: readonly StockDemand[]): Promise<ShortItem[]> {
  const rows = await db.productSize.findMany({
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

/**
 * One statement (one round trip) for the order, its items, first event and payment, and the
 * bought sizes leaving the cart; the parent row is visible to the foreign keys at statement end.
 */
const WRITE_ORDER: Statement = {
  name: 'orders.write',
  text: `
    WITH o AS (
      INSERT INTO orders (id, user_id, status, items_price, tax_price, shipping_price, total_price, currency, payment_method, shipping_address, shipping_method, updated_at)
      VALUES ($1::uuid, $2::uuid, $3::"OrderStatus", $4::int, $5::int, $6::int, $7::int, $8::text, $9::"PaymentMethod", $10::jsonb, $22::"ShippingMethod", now())
      RETURNING number, created_at
    ), items AS (
      INSERT INTO order_items (id, order_id, product_id, name, size, quantity, price, cost_price)
      SELECT x.id, $1::uuid, x.product_id, x.name, x.size, x.quantity, x.price, x.cost_price
        FROM unnest($11::uuid[], $12::uuid[], $13::text[], $14::text[], $15::int[], $16::int[], $17::int[])
             AS x(id, product_id, name, size, quantity, price, cost_price)
    ), event AS (
      INSERT INTO order_events (id, order_id, status, note, actor_id, at)
      SELECT $18::uuid, $1::uuid, $3::"OrderStatus", $19::text, $2::uuid, o.created_at FROM o
    ), payment AS (
      INSERT INTO payments (id, order_id, method, amount, currency, updated_at)
      VALUES ($20::uuid, $1::uuid, $9::"PaymentMethod", $7::int, $8::text, now())
    ), cart AS (
      DELETE FROM cart_lines AS cl
       USING carts AS c, unnest($12::uuid[], $14::text[]) AS b(product_id, size)
       WHERE $21::boolean AND c.user_id = $2::uuid AND cl.cart_id = c.id AND cl.product_id = b.product_id AND cl.size = b.size
    )
    SELECT number, created_at AS "createdAt" FROM o`,
}

/** Writes the order, its items, first event and payment; returns the order as the owner sees it (no re-read). */
async function writeOrder(client: PoolClient, userId: string, orderId: string, input: OrderToPlace, rows: readonly DecrementedRow[], clearCart: boolean): Promise<OrderView> {
  // Items are stored (and so read back, by id) in the same order as they are returned here.
  const lines = [...rows].sort(byProductAndSize)
  const itemIds = lines.map(() => uuidv7()).sort()
  const totals = computeTotals(lines.map((r) => ({ unitPrice: r.price, quantity: r.quantity })), input.shippingMethod)
  const currency = rows[0]?.currency ?? 'INR'
  const method = input.paymentMethod
  const status: OrderStatus = method === 'cod' ? 'processing' : 'pending_payment'
  const note = method === 'cod' ? 'Order placed: cash on delivery' : 'Order placed: awaiting online payment'
  const [written] = await sql<{ number: number; createdAt: Date }>(
    WRITE_ORDER,
    [
      orderId,
      userId,
      status,
      totals.itemsPrice,
      totals.taxPrice,
      totals.shippingPrice,
      totals.totalPrice,
      currency,
      method,
      JSON.stringify(input.shippingAddress),
      itemIds,
      lines.map((l) => l.productId),
      lines.map((l) => l.name),
      lines.map((l) => l.size),
      lines.map((l) => l.quantity),
      lines.map((l) => l.price),
      lines.map((l) => l.costPrice),
      uuidv7(),
      note,
      uuidv7(),
      clearCart,
      input.shippingMethod,
    ],
    client,
  )
  if (!written) throw new Error(`order ${orderId} was not written`)
  const { number, createdAt } = written
  return {
    id: orderId,
    number,
    userId,
    status,
    items: lines.map((r) => ({ productId: r.productId, name: r.name, size: r.size, quantity: r.quantity, price: r.price, slug: r.slug })),
    ...totals,
    shippingMethod: input.shippingMethod,
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

/** After a stock change commits: drop the cached product pages and listings that show them (never throws). */
async function invalidateStock(products: readonly { productId: string; categoryId: string }[]): Promise<void> {
  const by = new Map(products.map((p) => [p.productId, p.categoryId]))
  await Promise.all([...by].map(([productId, categoryId]) => invalidateProduct(productId, [categoryId])))
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
    // Money taken online goes back when the goods do not go out or come back: marked here, with
    // the cancel, and refunded through Razorpay after commit by the refund-payments job, so
    // Razorpay being down never undoes a cancel (and the mark is what makes it happen once).
    // A payment staff recorded by hand has no Razorpay id to refund through: that stays manual.
    if (restock && cur.isPaid && cur.paymentMethod === 'razorpay') {
      await tx.payment.updateMany({ where: { orderId, method: 'razorpay', status: 'captured', providerPaymentId: { not: null } }, data: { status: 'refund_pending' } })
    }
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
      if (awaitsPayment(cur.status, to, cur)) {
        throw new DomainError('STATE_NOT_ALLOWED', 'This order is awaiting its online payment: it moves to processing when the payment is recorded, or it can be cancelled.', {
          from: cur.status,
          to,
        })
      }
      if (canTransition(cur.status, to) && !staffTargets(actor, cur).includes(to)) {
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
      await transition(id, 'cancelled', {
        actorId: null,
        note: 'Payment not received in time; the items were released',
        // Decided on the locked row, not on the list above: a payment that committed since
        // (processing and paid now, which may also be cancelled) must keep its order.
        guard: (cur) => {
          if (cur.status !== 'pending_payment' || cur.isPaid) throw new DomainError('STATE_NOT_ALLOWED', 'No longer awaiting payment.')
        },
      })
      expired++
    } catch (err) {
      // Paid or moved meanwhile: nothing to expire.
      if (!(err instanceof DomainError)) throw err
    }
  }
  return expired
}
