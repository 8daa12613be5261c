/**
 * PostgreSQL: one pg pool per process, used by Prisma Client (through the pg driver adapter)
 * and, for the few hottest statements, directly (see `sql` below).
 */
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { getLogger } from './logger.server.ts'

export type Db = PrismaClient
export type Pool = pg.Pool
export type PoolClient = pg.PoolClient

export interface DbOptions {
  url: string
  poolMax?: number
  /** Postgres schema to use (tests isolate themselves in their own schema). */
  schema?: string
}

function createPool({ url, poolMax = 10, schema }: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A statement that runs away must not hold a connection forever.
    statement_timeout: 30_000,
    application_name: 'storefront',
    // Unqualified names in hand-written SQL resolve where Prisma's qualified ones point.
    ...(schema ? { options: `-c search_path="${schema.replace(/"/g, '""')}"` } : {}),
  })
  // An idle connection that dies (server restart, terminated backend) is dropped by the pool; the
  // event must have a listener, or it would end the process.
  pool.on('error', (err) => getLogger().warn('idle database connection lost', { error: err.message }))
  return pool
}

/** A client with its own pool, ended by its $disconnect(). */
export function createDb(options: DbOptions): PrismaClient {
  return createClient(createPool(options), options.schema, true)
}

function createClient(pool: pg.Pool, schema: string | undefined, disposeExternalPool = false): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool }) })
}

// Route modules run inside Vite's module graph in development; keeping the client on
// globalThis lets them share the server's pool instead of opening their own.
const g = globalThis as unknown as { __db?: PrismaClient; __pool?: pg.Pool; __dbOptions?: DbOptions }

/** Sets the process-wide database (called once by server.ts / worker.ts / scripts). */
export function initDb(options: DbOptions): PrismaClient {
  g.__dbOptions = options
  g.__pool = createPool(options)
  g.__db = createClient(g.__pool, options.schema)
  return g.__db
}

/** The process-wide database client. */
export function getDb(): PrismaClient {
  if (!g.__db) {
    const url = process.env.DATABASE_URL
    if (!url) throw new Error('Database not initialised: call initDb() at start (or set DATABASE_URL)')
    return initDb({ url })
  }
  return g.__db
}

/** The pg pool behind getDb(), for hand-written SQL on hot paths. */
export function getPool(): pg.Pool {
  if (!g.__pool) getDb()
  return g.__pool!
}

/**
 * A parameterised statement for pg, prepared once per pooled connection under `name` (so
 * PostgreSQL parses and plans it once, and only the parameters travel afterwards). Names must
 * be unique per SQL text: give each hot statement its own constant.
 */
export interface Statement {
  name: string
  text: string
}

/** Runs `stmt` with `values` on `on` (a transaction's client) or on the pool; returns the rows. */
export async function sql<R extends pg.QueryResultRow>(stmt: Statement, values: unknown[], on: pg.Pool | pg.PoolClient = getPool()): Promise<R[]> {
  const res = await on.query<R>({ name: stmt.name, text: stmt.text, values })
  return res.rows
}

export interface TransactionOptions {
  /**
   * When PostgreSQL aborts the transaction for a deadlock (40P01) or a serialization failure
   * (40001), roll back and run `fn` again, up to CONFLICT_ATTEMPTS times in all, after a short
   * jittered pause. Only for bodies whose every effect is inside the transaction, so a rolled
   * back attempt left nothing behind.
   */
  retryOnConflict?: boolean
}

/** Attempts in all for a transaction aborted by a deadlock or serialization failure. */
export const CONFLICT_ATTEMPTS = 3
const CONFLICT_CODES = new Set(['40P01', '40001'])

/**
 * Runs `fn` in a transaction on one pooled connection: BEGIN, `fn`, COMMIT; ROLLBACK when `fn`
 * throws. A connection that failed mid-way is discarded rather than returned to the pool.
 */
export async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const attempts = opts.retryOnConflict ? CONFLICT_ATTEMPTS : 1
  for (let attempt = 1; ; attempt++) {
    try {
      return await runTransaction(fn)
    } catch (err) {
      const code = sqlState(err)
      if (attempt >= attempts || !code || !CONFLICT_CODES.has(code)) throw err
      // The other party usually finishes within milliseconds; jitter keeps two losers from meeting again.
      const pauseMs = Math.round(10 * 2 ** (attempt - 1) * (0.5 + Math.random()))
      getLogger().warn('transaction aborted by a conflict; running it again', { code, attempt, pauseMs })
      await new Promise((r) => setTimeout(r, pauseMs))
    }
  }
}

async function runTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await getPool().connect()
  let broken: Error | undefined
  // A connection that dies while checked out fails the query in flight, and also emits an
  // error event, which must be listened to.
  const onError = (err: Error) => {
    broken = err
  }
  client.on('error', onError)
  try {
    await client.query('BEGIN').catch((err: unknown) => {
      broken = asError(err)
      throw err
    })
    let result: T
    try {
      result = await fn(client)
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = asError(e)
      })
      throw err
    }
    await client.query('COMMIT').catch((err: unknown) => {
      // The server refused the commit (it rolled back): the connection is fine. Anything else
      // (connection lost) leaves it in an unknown state.
      if (!sqlState(err)) broken = asError(err)
      throw err
    })
    return result
  } finally {
    client.removeListener('error', onError)
    client.release(broken)
  }
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)))

/** The SQLSTATE of an error PostgreSQL reported, or null for anything else (a lost connection, a thrown value). */
function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null
}

export async function closeDb(): Promise<void> {
  const db = g.__db
  const pool = g.__pool
  g.__db = undefined
  g.__pool = undefined
  await db?.$disconnect()
  if (pool && !pool.ending) await pool.end()
}
