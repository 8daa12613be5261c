/**
 * The demo and benchmark data set, in-process: `seed()` fills an empty, migrated database
 * with a catalogue, staff, demo shoppers, customers and a year of orders; the app calls it
 * on first start, `prisma/seed.ts` from the command line.
 *
 * Everything is written in one transaction on one connection (embedded PGlite serves a
 * single session), so a seed either lands completely or not at all, and two processes
 * starting at once on an empty database cannot both seed it.
 */
import pg from 'pg'
import { DAY, TrafficCurve } from './calendar.ts'
import { buildCatalogue, insertCatalogue } from './catalogue.ts'
import { writeProductImages } from './images.ts'
import { seedOrders } from './orders.ts'
import { customerCount, seedPeople } from './people.ts'
import { Rng } from './rng.ts'

export interface SeedOptions {
  /** PostgreSQL connection string; a `schema` query parameter selects the schema. */
  url: string
  /** Number of orders (default 6,000). Customers scale with it (orders / 4, at most 200,000). */
  orders?: number
  /** Where product images go: `<uploadDir>/seed/<slug>-<n>.svg` (default 'uploads'). */
  uploadDir?: string
  /** PRNG seed: the same seed (and `now`) gives the same data (default 42). */
  randomSeed?: number
  /** The moment the history ends (default: the current time). */
  now?: Date | number
  /** Empty the store's tables first instead of refusing a non-empty database. */
  reset?: boolean
  /**
   * The shop's PAYMENT_TIMEOUT_MINUTES: online orders older than this are already cancelled
   * as the expiry job would have (default: $PAYMENT_TIMEOUT_MINUTES, else 30 like the app).
   */
  paymentTimeoutMinutes?: number
  onProgress?: (done: number, total: number, phase: SeedPhase) => void
  log?: (msg: string) => void
}

export type SeedPhase = 'catalogue' | 'images' | 'customers' | 'orders' | 'finishing'

export interface SeedResult {
  products: number
  categories: number
  users: number
  orders: number
}

export const DEFAULT_ORDERS = 6000
export const MAX_ORDERS = 10_000_000

/** PAYMENT_TIMEOUT_MINUTES's default and bounds in app/utils/env.server.ts. */
const PAYMENT_TIMEOUT = { default: 30, min: 1, max: 7 * 24 * 60 }

/** The payment timeout the app runs with: the option, else the environment's, else the app's default. */
export function paymentTimeoutMinutes(option?: number, env: string | undefined = process.env.PAYMENT_TIMEOUT_MINUTES): number {
  const valid = (n: number) => Number.isInteger(n) && n >= PAYMENT_TIMEOUT.min && n <= PAYMENT_TIMEOUT.max
  if (option !== undefined) {
    if (!valid(option)) throw new RangeError(`paymentTimeoutMinutes must be a whole number from ${PAYMENT_TIMEOUT.min} to ${PAYMENT_TIMEOUT.max}, got ${option}`)
    return option
  }
  const fromEnv = env?.trim() ? Number(env) : Number.NaN
  return valid(fromEnv) ? fromEnv : PAYMENT_TIMEOUT.default
}

/** Thrown when the database already holds products or users and `reset` was not asked for. */
export class DatabaseNotEmptyError extends Error {
  readonly code = 'DATABASE_NOT_EMPTY'
  constructor() {
    super('The database already has products or users; refusing to seed it (use --reset to empty the store tables first).')
    this.name = 'DatabaseNotEmptyError'
  }
}

/** Thrown when the store's tables do not exist yet. */
export class DatabaseNotMigratedError extends Error {
  readonly code = 'DATABASE_NOT_MIGRATED'
  constructor() {
    super('The database has no store tables yet: apply the migrations first (migrateDeploy / prisma migrate deploy).')
    this.name = 'DatabaseNotMigratedError'
  }
}

/** Arbitrary constant: serialises seeders across processes. */
const SEED_LOCK_KEY = 7_355_608_042

/** Opens one connection; a Prisma-style `?schema=` parameter becomes the search_path. */
export async function connect(url: string): Promise<pg.Client> {
  const u = new URL(url)
  const schema = u.searchParams.get('schema')
  u.searchParams.delete('schema')
  const client = new pg.Client({ connectionString: u.toString(), application_name: 'storefront-seed' })
  await client.connect()
  if (schema) await client.query(`SELECT set_config('search_path', $1, false)`, [`"${schema.replace(/"/g, '""')}"`])
  return client
}

async function storeTablesExist(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ ok: boolean }>(
    `SELECT to_regclass('products') IS NOT NULL AND to_regclass('users') IS NOT NULL AND to_regclass('orders') IS NOT NULL AS ok`,
  )
  return r.rows[0]?.ok === true
}

async function hasData(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM users) AS any`,
  )
  return r.rows[0]?.any === true
}

/** True when the database has no products and no users (or no store tables at all). */
export async function isDatabaseEmpty(url: string): Promise<boolean> {
  const client = await connect(url)
  try {
    if (!(await storeTablesExist(client))) return true
    return !(await hasData(client))
  } finally {
    await client.end()
  }
}

/** The store's tables in the current schema: everything but Prisma's migration history. */
async function storeTables(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY 1`,
  )
  return r.rows.map((row) => row.name)
}

async function truncateStore(client: pg.ClientBase): Promise<void> {
  const tables = await storeTables(client)
  if (tables.length === 0) return
  await client.query(`TRUNCATE TABLE ${tables.map((t) => `"${t.replace(/"/g, '""')}"`).join(', ')} RESTART IDENTITY CASCADE`)
}

/** Empties every store table (never `_prisma_migrations`). */
export async function resetDatabase(url: string): Promise<void> {
  const client = await connect(url)
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1::int8)', [SEED_LOCK_KEY])
    await truncateStore(client)
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    await client.end()
  }
}

/**
 * Bulk loading is about a third faster without per-row foreign-key triggers. Where the
 * role may (a superuser, as on the embedded database and a local server),
 * `session_replication_role = replica` switches triggers off for this transaction only,
 * the way pg_restore --disable-triggers does, and verifyForeignKeys checks every
 * reference in bulk before commit. Otherwise the ordinary per-row checks run.
 * Either way historical rows are just rows: with triggers off, nothing that would
 * react to a new order (notifications, outbox rows) fires for seeded history.
 */
async function skipTriggers(client: pg.ClientBase): Promise<boolean> {
  await client.query('SAVEPOINT seed_replica')
  try {
    await client.query('SET LOCAL session_replication_role = replica')
    await client.query('RELEASE SAVEPOINT seed_replica')
    return true
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT seed_replica')
    return false
  }
}

/** Every foreign key of the schema, checked in one anti-join each. Throws on a dangling reference. */
async function verifyForeignKeys(client: pg.ClientBase): Promise<void> {
  const fks = await client.query<{ name: string; child: string; parent: string; cols: string[]; pcols: string[] }>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
            (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
            (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY AS k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS pcols
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
  )
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`
  for (const fk of fks.rows) {
    const notNull = fk.cols.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ')
    const match = fk.cols.map((c, i) => `p.${q(fk.pcols[i]!)} = c.${q(c)}`).join(' AND ')
    const r = await client.query<{ broken: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${fk.child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${match})) AS broken`,
    )
    if (r.rows[0]?.broken) throw new Error(`Seed produced rows that break foreign key ${fk.name}; nothing was saved.`)
  }
}

export async function seed(opts: SeedOptions): Promise<SeedResult> {
  const orders = opts.orders ?? DEFAULT_ORDERS
  if (!Number.isInteger(orders) || orders < 0 || orders > MAX_ORDERS) {
    throw new RangeError(`orders must be a whole number between 0 and ${MAX_ORDERS}, got ${String(opts.orders)}`)
  }
  const log = opts.log ?? (() => {})
  const progress = opts.onProgress ?? (() => {})
  const now = opts.now === undefined ? Date.now() : new Date(opts.now).getTime()
  if (!Number.isFinite(now)) throw new RangeError('now must be a valid date')
  const paymentTimeoutMs = paymentTimeoutMinutes(opts.paymentTimeoutMinutes) * 60_000
  const root = new Rng(opts.randomSeed ?? 42)
  // Independent streams, so changing one part does not reshuffle the others.
  const rngCurve = root.fork('curve')
  const rngCatalogue = root.fork('catalogue')
  const rngPeople = root.fork('people')
  const rngOrders = root.fork('orders')
  const historyStart = now - 395 * DAY // thirteen months
  const started = Date.now()

  const client = await connect(opts.url)
  try {
    await client.query('BEGIN')
    // Nobody waits on this commit: a crash before it simply leaves an empty database.
    await client.query('SET LOCAL synchronous_commit = off')
    await client.query('SELECT pg_advisory_xact_lock($1::int8)', [SEED_LOCK_KEY])
    if (!(await storeTablesExist(client))) throw new DatabaseNotMigratedError()
    if (opts.reset) {
      log('Emptying the store tables…')
      await truncateStore(client)
    } else if (await hasData(client)) {
      throw new DatabaseNotEmptyError()
    }

    const checksDeferred = await skipTriggers(client)

    progress(0, 1, 'catalogue')
    const curve = new TrafficCurve(historyStart, now, rngCurve)
    const catalogue = buildCatalogue(rngCatalogue, now, historyStart)
    await writeProductImages(opts.uploadDir ?? 'uploads', catalogue.products, (d, t) => progress(d, t, 'images'))
    await insertCatalogue(client, catalogue, rngCatalogue, now)
    progress(1, 1, 'catalogue')
    log(`Catalogue: ${catalogue.products.length} products in ${catalogue.categories.length} categories, images in ${opts.uploadDir ?? 'uploads'}/seed`)

    const customers = customerCount(orders)
    const people = await seedPeople(client, {
      rng: rngPeople,
      now,
      curve,
      catalogue,
      customers,
      onProgress: (d, t) => progress(d, t, 'customers'),
    })
    const users = customers + people.demoIds.length + Object.keys(people.staff).length
    log(`People: ${Object.keys(people.staff).length} staff, ${people.demoIds.length} demo shoppers, ${customers} customers`)

    const stats = await seedOrders(client, {
      rng: rngOrders,
      now,
      curve,
      catalogue,
      people,
      orders,
      paymentTimeoutMs,
      onProgress: (d, t) => progress(d, t, 'orders'),
    })
    const byStatus = Object.entries(stats.byStatus)
      .sort((a, b) => b[1] - a[1])
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')
    log(`Orders: ${stats.orders} (${byStatus}); ${stats.items} items, ${stats.events} events, ${stats.payments} payments`)

    progress(0, 1, 'finishing')
    if (checksDeferred) await verifyForeignKeys(client)
    await client.query('COMMIT')
    // Fresh statistics so the first report queries get good plans (autovacuum would get
    // there later). The data is committed by now, so a failure here is only a warning.
    try {
      const tables = await storeTables(client)
      if (tables.length > 0) await client.query(`ANALYZE ${tables.map((t) => `"${t.replace(/"/g, '""')}"`).join(', ')}`)
    } catch (err) {
      log(`Warning: ANALYZE failed (${(err as Error).message}); statistics will catch up through autovacuum.`)
    }
    progress(1, 1, 'finishing')
    log(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return { products: catalogue.products.length, categories: catalogue.categories.length, users, orders: stats.orders }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    await client.end().catch(() => {})
  }
}
