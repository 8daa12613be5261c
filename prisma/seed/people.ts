/** People: one staff account per role, the demo shoppers, and generated customers. */
import type pg from 'pg'
import type { TrafficCurve } from './calendar.ts'
import { DAY, HOUR } from './calendar.ts'
import type { Catalogue, SeedProduct } from './catalogue.ts'
import {
  BUILDING_NAMES, BUILDING_WORDS, CITIES, DEMO_SHOPPERS, FIRST_NAMES, LANDMARKS, LAST_NAMES, STAFF,
  STREET_KINDS, STREET_NAMES,
} from './data.ts'
import type { Rng } from './rng.ts'
import { emptyColumns, insertAll, insertBatch, type Columns, type TableSpec } from './sql.ts'

export type StaffRole = (typeof STAFF)[number]['role']

export interface ShippingAddress {
  name: string
  line1: string
  line2?: string
  city: string
  state: string
  postalCode: string
  country: string
  phone: string
}

export interface People {
  staff: Record<StaffRole, string>
  /** ids of the demo shoppers, in README order */
  demoIds: string[]
  demoCreatedAt: number
  /** Demo shoppers' default addresses as JSON (orders snapshot them). */
  demoAddresses: string[]
  /** Generated customers, sorted by sign-up time. */
  customerIds: string[]
  customerCreatedAt: Float64Array
  /**
   * How often each customer comes back (heavy-tailed: many buy once or twice, a few
   * very often; about a fifth sign up and never buy).
   */
  customerWeight: Float64Array
  /** Each customer's default address as JSON. */
  customerAddresses: string[]
}

export function customerCount(orders: number): number {
  return Math.min(200_000, Math.max(50, Math.round(orders / 4)))
}

/**
 * A unique Indian mobile number for customer `i`: a leading 6, 7 or 8 (the staff and
 * demo accounts use 9) and a multiplicative permutation of i, so numbers look random
 * but never repeat.
 */
export function customerPhone(i: number): string {
  const lead = 6 + (i % 3)
  const rest = (((i * 7_919_333) % 1_000_000_000) + 1_000_000_000) % 1_000_000_000
  return `+91${lead}${String(rest).padStart(9, '0')}`
}

function makeAddress(rng: Rng, name: string, phone: string): ShippingAddress {
  const city = rng.weighted(CITIES, CITIES.map((c) => c.weight))
  const flat = rng.chance(0.7)
    ? `Flat ${rng.int(1, 14)}${String(rng.int(1, 20)).padStart(2, '0')}, ${rng.pick(BUILDING_NAMES)} ${rng.pick(BUILDING_WORDS)}`
    : `${rng.int(1, 480)}, ${rng.int(1, 18)}th ${rng.pick(['Cross', 'Main', 'Street'])}`
  const address: ShippingAddress = {
    name,
    line1: `${flat}, ${rng.pick(STREET_NAMES)} ${rng.pick(STREET_KINDS)}`,
    city: city.city,
    state: city.state,
    postalCode: `${city.pin}${String(rng.int(1, 99)).padStart(3, '0')}`,
    country: 'IN',
    phone,
  }
  if (rng.chance(0.5)) address.line2 = rng.pick(LANDMARKS)
  return address
}

const USER_TABLE: TableSpec = {
  table: 'users',
  columns: [
    ['id', 'uuid'], ['name', 'text'], ['email', 'text'], ['phone', 'text'], ['role', '"Role"'],
    ['is_phone_verified', 'bool'], ['created_at', 'ts'], ['updated_at', 'ts'], ['last_login_at', 'ts'],
  ],
}
const ADDRESS_TABLE: TableSpec = {
  table: 'addresses',
  columns: [
    ['id', 'uuid'], ['user_id', 'uuid'], ['name', 'text'], ['line1', 'text'], ['line2', 'text'], ['city', 'text'],
    ['state', 'text'], ['postal_code', 'text'], ['country', 'text'], ['phone', 'text'], ['is_default', 'bool'],
    ['created_at', 'ts'],
  ],
}
const WISHLIST_TABLE: TableSpec = {
  table: 'wishlist_items',
  columns: [['user_id', 'uuid'], ['product_id', 'uuid'], ['created_at', 'ts']],
}
const CART_TABLE: TableSpec = {
  table: 'carts',
  columns: [['id', 'uuid'], ['user_id', 'uuid'], ['created_at', 'ts'], ['updated_at', 'ts']],
}
const CART_LINE_TABLE: TableSpec = {
  table: 'cart_lines',
  columns: [['id', 'uuid'], ['cart_id', 'uuid'], ['product_id', 'uuid'], ['size', 'text'], ['quantity', 'int4'], ['created_at', 'ts']],
}

function push(cols: Columns, row: Array<string | number | boolean | null>): void {
  for (let j = 0; j < row.length; j++) cols[j]!.push(row[j] ?? null)
}

function pushAddress(cols: Columns, rng: Rng, userId: string, a: ShippingAddress, isDefault: boolean, at: number): void {
  push(cols, [rng.uuid7(at), userId, a.name, a.line1, a.line2 ?? null, a.city, a.state, a.postalCode, a.country, a.phone, isDefault, at])
}

/**
 * Creates every person and their saved data, streaming customers to the database in
 * batches. Returns what the order generator needs to know about them.
 */
export async function seedPeople(
  client: pg.ClientBase,
  opts: { rng: Rng; now: number; curve: TrafficCurve; catalogue: Catalogue; customers: number; onProgress?: (done: number, total: number) => void },
): Promise<People> {
  const { rng, now, curve, catalogue } = opts
  const historyStart = curve.start
  const users = emptyColumns(USER_TABLE)
  const addresses = emptyColumns(ADDRESS_TABLE)
  const wishlist = emptyColumns(WISHLIST_TABLE)
  const carts = emptyColumns(CART_TABLE)
  const cartLines = emptyColumns(CART_LINE_TABLE)
  const live = catalogue.products.filter((p) => p.status === 'active')
  const inStock = live.filter((p) => p.sizes.some((s) => s.stock > 0))

  // Staff joined before the shop opened.
  const staff = {} as Record<StaffRole, string>
  STAFF.forEach((s, i) => {
    const at = historyStart - 90 * DAY + i * HOUR
    const id = rng.uuid7(at)
    staff[s.role] = id
    push(users, [id, s.name, s.email, s.phone, s.role, true, at, now - (i + 1) * HOUR, now - (i + 1) * HOUR])
  })

  // Demo shoppers: long-standing customers with an address book, a wishlist and (Priya) a cart.
  const demoCreatedAt = historyStart - 30 * DAY
  const demoIds: string[] = []
  const demoAddresses: string[] = []
  DEMO_SHOPPERS.forEach((d, i) => {
    const at = demoCreatedAt + i * HOUR
    const id = rng.uuid7(at)
    demoIds.push(id)
    push(users, [id, d.name, d.email, d.phone, 'user', true, at, now - DAY, now - (i + 2) * HOUR])
    const home = makeAddress(rng, d.name, d.phone)
    demoAddresses.push(JSON.stringify(home))
    pushAddress(addresses, rng, id, home, true, at)
    if (i % 2 === 0) pushAddress(addresses, rng, id, { ...makeAddress(rng, d.name, d.phone), line2: 'Office, 3rd floor' }, false, at + DAY)
    for (const p of rng.sample(inStock, rng.int(3, 6))) push(wishlist, [id, p.id, Math.max(p.createdAt, now - rng.int(1, 60) * DAY)])
  })
  {
    const cartAt = now - 3 * HOUR
    const cartId = rng.uuid7(cartAt)
    push(carts, [cartId, demoIds[0]!, cartAt, cartAt + 20 * 60_000])
    for (const p of rng.sample(inStock, 2)) {
      const size = rng.pick(p.sizes.filter((s) => s.stock > 0))
      push(cartLines, [rng.uuid7(cartAt), cartId, p.id, size.size, size.stock > 1 && rng.chance(0.3) ? 2 : 1, cartAt])
    }
  }
  await Promise.all([
    insertAll(client, USER_TABLE, users),
    insertAll(client, ADDRESS_TABLE, addresses),
    insertAll(client, WISHLIST_TABLE, wishlist),
    insertAll(client, CART_TABLE, carts),
    insertAll(client, CART_LINE_TABLE, cartLines),
  ])

  // Customers: a few joined before the order history starts, the rest sign up with the
  // shop's traffic (more in the festive season, fewer at night).
  const n = opts.customers
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    times[i] = rng.chance(0.08) ? historyStart - rng.float(0, 120) * DAY : curve.at(rng.next())
  }
  times.sort()
  const weights = new Float64Array(n)
  for (let i = 0; i < n; i++) weights[i] = rng.chance(0.2) ? 0 : Math.min(25, Math.exp(rng.normal() * 1.4))
  const customerIds = new Array<string>(n)
  const customerAddresses = new Array<string>(n)
  const BATCH = 10_000
  let pending: Promise<unknown>[] = []
  for (let start = 0; start < n; start += BATCH) {
    const u = emptyColumns(USER_TABLE)
    const a = emptyColumns(ADDRESS_TABLE)
    const w = emptyColumns(WISHLIST_TABLE)
    const c = emptyColumns(CART_TABLE)
    const cl = emptyColumns(CART_LINE_TABLE)
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const at = Math.floor(times[i]!)
      const id = rng.uuid7(at)
      const first = rng.pick(FIRST_NAMES)
      const last = rng.pick(LAST_NAMES)
      const name = `${first} ${last}`
      const phone = customerPhone(i)
      const email = rng.chance(0.4) ? `${first}.${last}.${i}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '') : null
      const lastLogin = at + Math.floor(rng.next() * (now - at))
      push(u, [id, name, email, phone, 'user', true, at, lastLogin, lastLogin])
      const address = makeAddress(rng, name, phone)
      pushAddress(a, rng, id, address, true, at)
      customerIds[i] = id
      customerAddresses[i] = JSON.stringify(address)
      if (rng.chance(0.15)) {
        for (const p of rng.sample(live, rng.int(1, 4))) {
          push(w, [id, p.id, Math.min(now, Math.max(at, p.createdAt) + Math.floor(rng.next() * DAY))])
        }
      }
      // Abandoned carts, mostly recent.
      if (rng.chance(0.01) && inStock.length > 0) {
        const cartAt = Math.max(at, now - rng.float(0, 30) * DAY)
        const cartId = rng.uuid7(cartAt)
        push(c, [cartId, id, cartAt, cartAt])
        const p: SeedProduct = rng.pick(inStock)
        push(cl, [rng.uuid7(cartAt), cartId, p.id, rng.pick(p.sizes.filter((s) => s.stock > 0)).size, 1, cartAt])
      }
    }
    await Promise.all(pending)
    pending = [
      insertBatch(client, USER_TABLE, u),
      insertBatch(client, ADDRESS_TABLE, a),
      insertBatch(client, WISHLIST_TABLE, w),
      insertBatch(client, CART_TABLE, c),
      insertBatch(client, CART_LINE_TABLE, cl),
    ]
    opts.onProgress?.(Math.min(n, start + BATCH), n)
  }
  await Promise.all(pending)

  return {
    staff,
    demoIds,
    demoCreatedAt,
    demoAddresses,
    customerIds,
    customerCreatedAt: times,
    customerWeight: weights,
    customerAddresses,
  }
}
