/**
 * Shopping carts: a guest's cart is keyed by a random token (kept in a cookie by the web
 * adapter), a signed-in user's by their id; the guest cart is merged into the user's at
 * sign-in. Prices, stock and totals always come from the database.
 */
import { AddToCartSchema, MAX_LINE_QUANTITY, type CartLineView, type CartView } from '#app/domain/cart.ts'
import { DomainError } from '#app/domain/errors.ts'
import { computeTotals } from '#app/domain/pricing.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { getDb, sql, type Statement } from '#app/utils/db.server.ts'
import { uuidv7 } from '#app/utils/uuid.server.ts'

export type CartOwner = { userId: string } | { guestToken: string }
type Tx = Prisma.TransactionClient

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function ownerWhere(owner: CartOwner): Prisma.CartWhereUniqueInput & Prisma.CartWhereInput {
  return 'userId' in owner ? { userId: owner.userId } : { guestToken: owner.guestToken }
}

const lineSelect = {
  id: true,
  productId: true,
  size: true,
  quantity: true,
  product: {
    select: {
      slug: true,
      name: true,
      price: true,
      currency: true,
      status: true,
      sizes: { select: { size: true, stock: true } },
      media: { where: { type: 'image' }, select: { url: true }, orderBy: { position: 'asc' }, take: 1 },
    },
  },
} satisfies Prisma.CartLineSelect

type LineRow = Prisma.CartLineGetPayload<{ select: typeof lineSelect }>

function toLineView(l: LineRow): CartLineView {
  const size = l.product.sizes.find((s) => s.size === l.size)
  const unavailable = l.product.status !== 'active' || !size
  const available = size?.stock ?? 0
  return {
    id: l.id,
    productId: l.productId,
    slug: l.product.slug,
    name: l.product.name,
    image: l.product.media[0]?.url ?? null,
    size: l.size,
    quantity: l.quantity,
    unitPrice: l.product.price,
    lineTotal: l.product.price * l.quantity,
    currency: l.product.currency,
    available,
    outOfStock: !unavailable && available === 0,
    exceedsStock: !unavailable && available > 0 && l.quantity > available,
    unavailable,
  }
}

/** The cart with current prices, stock flags and server-computed totals (empty when none exists). */
export async function getCart(owner: CartOwner, currency = 'INR'): Promise<CartView> {
  const cart = await getDb().cart.findUnique({
    where: ownerWhere(owner),
    select: { id: true, lines: { select: lineSelect, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
  })
  const lines = (cart?.lines ?? []).map(toLineView)
  // Lines that cannot be bought at all are shown but not charged for.
  const priced = lines.filter((l) => !l.unavailable)
  return {
    id: cart?.id ?? null,
    lines,
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    currency: lines[0]?.currency ?? currency,
    totals: computeTotals(priced),
    ready: lines.length > 0 && lines.every((l) => !l.unavailable && !l.outOfStock && !l.exceedsStock),
  }
}

/** Pieces in the cart (for the header badge). */
export async function getCartItemCount(owner: CartOwner): Promise<number> {
  const agg = await getDb().cartLine.aggregate({ where: { cart: ownerWhere(owner) }, _sum: { quantity: true } })
  return agg._sum.quantity ?? 0
}

/** Finds or creates the owner's cart and locks its row for the rest of the transaction. */
async function lockCart(tx: Tx, owner: CartOwner): Promise<string> {
  const cart = await tx.cart.upsert({ where: ownerWhere(owner), create: { ...owner }, update: { updatedAt: new Date() }, select: { id: true } })
  await tx.$queryRaw`SELECT id FROM carts WHERE id = ${cart.id}::uuid FOR UPDATE`
  return cart.id
}

/** Runs `fn` in a transaction, once more if a concurrent first write created the same cart. */
async function inTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await getDb().$transaction(fn)
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return getDb().$transaction(fn)
    throw err
  }
}

function stockMessage(name: string, size: string, stock: number, inCart: number): string {
  if (stock === 0) return `${name} in size ${size} is out of stock.`
  const have = inCart > 0 ? ` You already have ${inCart} in your cart.` : ''
  return `Only ${stock} left of ${name} in size ${size}.${have}`
}

/**
 * One statement, no explicit transaction: finds or creates the owner's cart and adds the
 * pieces to the line (creating it), only while the product is sold in that size and the line
 * stays within stock and the per-line limit. Concurrent adds to one line queue on its row (or
 * on the unique index) and each re-checks the limit against the line as the one before left
 * it, as they did under the cart's row lock. Returns the line's new quantity, or nothing when
 * the add was refused (nothing changed then, except the cart's updated_at).
 */
function addStatement(ownerColumn: 'user_id' | 'guest_token'): Statement {
  return {
    name: `cart.add.${ownerColumn}`,
    text: `
      WITH item AS (
        SELECT ps.stock
          FROM products AS p JOIN product_sizes AS ps ON ps.product_id = p.id AND ps.size = $4::text
         WHERE p.id = $3::uuid AND p.status = 'active' AND $5::int <= LEAST($6::int, ps.stock)
      ), cart AS (
        INSERT INTO carts (id, ${ownerColumn}, updated_at)
        SELECT $1::uuid, $2::${ownerColumn === 'user_id' ? 'uuid' : 'text'}, now() FROM item
        ON CONFLICT (${ownerColumn}) DO UPDATE SET updated_at = excluded.updated_at
        RETURNING id
      ), line AS (
        INSERT INTO cart_lines AS cl (id, cart_id, product_id, size, quantity)
        SELECT $7::uuid, cart.id, $3::uuid, $4::text, $5::int FROM cart
        ON CONFLICT (cart_id, product_id, size) DO UPDATE SET quantity = cl.quantity + excluded.quantity
         WHERE cl.quantity + excluded.quantity <= LEAST($6::int, (SELECT stock FROM item))
        RETURNING quantity
      )
      SELECT quantity FROM line`,
  }
}
const ADD_FOR_USER = addStatement('user_id')
const ADD_FOR_GUEST = addStatement('guest_token')

/** Adds pieces of one product size (adding to a line already there); refuses more than stock or 10 a line. */
export async function addToCart(owner: CartOwner, input: { productId: string; size: string; quantity: number }): Promise<void> {
  const parsed = AddToCartSchema.safeParse(input)
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? '_'), i.message]))
    throw new DomainError('VALIDATION', Object.values(fields)[0] ?? 'Check the form.', { fields })
  }
  const { productId, size, quantity } = parsed.data
  const [stmt, ownerValue] = 'userId' in owner ? [ADD_FOR_USER, owner.userId] : [ADD_FOR_GUEST, owner.guestToken]
  const added = await sql<{ quantity: number }>(stmt, [uuidv7(), ownerValue, productId, size, quantity, MAX_LINE_QUANTITY, uuidv7()])
  if (added.length > 0) return
  // Refused: find out why, under the cart's lock, and say so (or add after all, if what
  // refused it changed in the meantime).
  await addToCartChecked(owner, productId, size, quantity)
}

/** The add, step by step in a transaction: names exactly what stands in the way. */
async function addToCartChecked(owner: CartOwner, productId: string, size: string, quantity: number): Promise<void> {
  await inTransaction(async (tx) => {
    const product = await tx.product.findFirst({
      where: { id: productId, status: 'active' },
      select: { name: true, sizes: { where: { size }, select: { stock: true } } },
    })
    if (!product) throw new DomainError('NOT_FOUND', 'This product does not exist or is no longer sold.')
    const sizeRow = product.sizes[0]
    if (!sizeRow) throw new DomainError('VALIDATION', `${product.name} does not come in size ${size}.`, { fields: { size: 'Choose one of the sizes shown.' } })
    const cartId = await lockCart(tx, owner)
    const line = await tx.cartLine.findUnique({ where: { cartId_productId_size: { cartId, productId, size } }, select: { id: true, quantity: true } })
    const inCart = line?.quantity ?? 0
    const next = inCart + quantity
    if (next > MAX_LINE_QUANTITY) {
      throw new DomainError('VALIDATION', `At most ${MAX_LINE_QUANTITY} of one item per order; you already have ${inCart} in your cart.`, {
        fields: { quantity: `At most ${MAX_LINE_QUANTITY - inCart} more.` },
      })
    }
    if (next > sizeRow.stock) {
      throw new DomainError('OUT_OF_STOCK', stockMessage(product.name, size, sizeRow.stock, inCart), { items: [{ productId, size, requested: next, available: sizeRow.stock }] })
    }
    if (line) await tx.cartLine.update({ where: { id: line.id }, data: { quantity: next } })
    else await tx.cartLine.create({ data: { cartId, productId, size, quantity: next } })
  })
}

/** Sets a line's quantity (1–10, at most what is in stock). */
export async function updateQuantity(owner: CartOwner, lineId: string, quantity: number): Promise<void> {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    throw new DomainError('VALIDATION', `Choose a quantity from 1 to ${MAX_LINE_QUANTITY}.`, { fields: { quantity: `From 1 to ${MAX_LINE_QUANTITY}.` } })
  }
  if (!UUID.test(lineId)) throw new DomainError('NOT_FOUND', 'That item is no longer in your cart.')
  await inTransaction(async (tx) => {
    const line = await tx.cartLine.findFirst({
      where: { id: lineId, cart: ownerWhere(owner) },
      select: { id: true, productId: true, size: true, quantity: true, product: { select: { name: true, status: true } } },
    })
    if (!line) throw new DomainError('NOT_FOUND', 'That item is no longer in your cart.')
    if (quantity > line.quantity) {
      const sizeRow = await tx.productSize.findUnique({ where: { productId_size: { productId: line.productId, size: line.size } }, select: { stock: true } })
      const stock = line.product.status === 'active' ? (sizeRow?.stock ?? 0) : 0
      if (quantity > stock) {
        throw new DomainError('OUT_OF_STOCK', stockMessage(line.product.name, line.size, stock, 0), {
          items: [{ productId: line.productId, size: line.size, requested: quantity, available: stock }],
        })
      }
    }
    await tx.cartLine.update({ where: { id: line.id }, data: { quantity } })
  })
}

/** Removes a line; removing one that is already gone is not an error. */
export async function removeLine(owner: CartOwner, lineId: string): Promise<{ removed: boolean }> {
  if (!UUID.test(lineId)) return { removed: false }
  const { count } = await getDb().cartLine.deleteMany({ where: { id: lineId, cart: ownerWhere(owner) } })
  return { removed: count > 0 }
}

/**
 * At sign-in: moves the guest cart's lines into the user's cart, summing quantities per
 * product and size, capped by stock and the per-line limit, then deletes the guest cart.
 * One transaction; lines of products no longer sold or out of stock are dropped.
 */
export async function mergeGuestCart(guestToken: string, userId: string): Promise<{ mergedLines: number }> {
  return inTransaction(async (tx) => {
    const guest = await tx.cart.findUnique({ where: { guestToken }, select: { id: true, lines: { select: { productId: true, size: true, quantity: true } } } })
    if (!guest) return { mergedLines: 0 }
    let merged = 0
    if (guest.lines.length > 0) {
      const cartId = await lockCart(tx, { userId })
      await tx.$queryRaw`SELECT id FROM carts WHERE id = ${guest.id}::uuid FOR UPDATE`
      const [sizes, existing] = await Promise.all([
        tx.productSize.findMany({
          where: { OR: guest.lines.map((l) => ({ productId: l.productId, size: l.size })), product: { status: 'active' } },
          select: { productId: true, size: true, stock: true },
        }),
        tx.cartLine.findMany({ where: { cartId }, select: { id: true, productId: true, size: true, quantity: true } }),
      ])
      const key = (l: { productId: string; size: string }) => `${l.productId}|${l.size}`
      const stockBy = new Map(sizes.map((s) => [key(s), s.stock]))
      const existingBy = new Map(existing.map((l) => [key(l), l]))
      for (const g of guest.lines) {
        const cap = Math.min(MAX_LINE_QUANTITY, stockBy.get(key(g)) ?? 0)
        if (cap < 1) continue
        const mine = existingBy.get(key(g))
        const quantity = Math.min((mine?.quantity ?? 0) + g.quantity, cap)
        if (mine) await tx.cartLine.update({ where: { id: mine.id }, data: { quantity } })
        else await tx.cartLine.create({ data: { cartId, productId: g.productId, size: g.size, quantity } })
        merged++
      }
    }
    await tx.cart.delete({ where: { id: guest.id } })
    return { mergedLines: merged }
  })
}
