/**
 * The driver adapter handed to the WebAssembly schema engine: `@prisma/adapter-pg`
 * on top of `pg`, with the fixes the schema engine needs.
 *
 *  - Column type `"char"` (OID 18): the engine's catalogue queries return it and
 *    adapter-pg 7.10 does not map it ("Column type 'char' could not be
 *    deserialized"). We hand it over as the Character column type, and any other
 *    built-in type adapter-pg does not know as text (pitfall 3).
 *  - `executeScript` sends the whole script in one simple-query call, like the
 *    native engine, instead of splitting on `;` (which breaks `$$` bodies). The
 *    multi-statement simple query runs in one implicit transaction, so a failing
 *    migration rolls back as a whole (pitfall 4).
 *  - Shadow database: connections are built from parsed config objects (a
 *    `connectionString` would override the database name and point the shadow
 *    connection at the main database), the temporary shadow database is dropped
 *    only after its own pool is closed, and a configured `shadowDatabaseUrl` is
 *    refused if it is the main database (the engine wipes it) (pitfall 5).
 *  - The factory is bound with `bindMigrationAwareSqlAdapterFactory`; its
 *    `errorRegistry` resolves the engine's "External error id#N" (pitfall 7).
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { parse as parseConnectionString } from 'pg-connection-string'
import { PrismaPg } from '@prisma/adapter-pg'
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils'
import type { ScriptErrorInfo } from './errors.ts'

/** OID of PostgreSQL's one-byte internal `"char"` type. */
const CHAR_OID = 18
const TEXT_OID = 25
const FIRST_NORMAL_OBJECT_ID = 16384

/**
 * Built-in type OIDs that adapter-pg 7.10 maps to a column type itself.
 * Anything else below FIRST_NORMAL_OBJECT_ID would make it throw
 * "Unsupported column type", so we relabel those columns as text.
 */
const ADAPTER_PG_MAPPED_OIDS = new Set<number>([
  // scalars
  16, 17, 19, 20, 21, 23, 25, 26, 114, 142, 650, 700, 701, 790, 869, 1042, 1043, 1082, 1083, 1114, 1184,
  1266, 1560, 1562, 1700, 2950, 3802,
  // arrays
  143, 199, 651, 791, 1000, 1001, 1002, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1041, 1115,
  1182, 1183, 1185, 1231, 1561, 1563, 2951, 3807,
])

/** Columns (by index) that were `"char"`, keyed by the result's rows array. */
const charColumnsByRows = new WeakMap<unknown[], number[]>()

type PgField = { name: string; dataTypeID: number }
type PgResult = { fields?: PgField[]; rows?: unknown[] }

function toTextValue(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && 'toPostgres' in value) {
    const toPostgres = (value as { toPostgres: unknown }).toPostgres
    if (typeof toPostgres === 'function') return String(toPostgres.call(value))
  }
  if (typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value)
  return String(value)
}

/** Rewrites pg result metadata so adapter-pg can map every column (see header). */
function fixResult<T>(result: T): T {
  const results = Array.isArray(result) ? (result as PgResult[]) : [result as PgResult]
  for (const res of results) {
    if (!res || !Array.isArray(res.fields) || !Array.isArray(res.rows)) continue
    const charColumns: number[] = []
    res.fields.forEach((field, index) => {
      const oid = field.dataTypeID
      if (oid >= FIRST_NORMAL_OBJECT_ID || ADAPTER_PG_MAPPED_OIDS.has(oid)) return
      if (oid === CHAR_OID) charColumns.push(index)
      field.dataTypeID = TEXT_OID
      for (const row of res.rows as unknown[]) {
        if (Array.isArray(row)) row[index] = toTextValue(row[index])
        else if (row && typeof row === 'object') {
          const record = row as Record<string, unknown>
          record[field.name] = toTextValue(record[field.name])
        }
      }
    })
    if (charColumns.length > 0) charColumnsByRows.set(res.rows, charColumns)
  }
  return result
}

type QueryCallback = (err: Error | null | undefined, res?: unknown) => void

/** A pg Client whose query results go through `fixResult`. */
class SchemaEngineClient extends pg.Client {}
{
  const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown
  ;(SchemaEngineClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const [config] = args
    if (config && typeof (config as { submit?: unknown }).submit === 'function') {
      return originalQuery.apply(this, args)
    }
    const wrap =
      (cb: QueryCallback): QueryCallback =>
      (err, res) =>
        cb(err, err ? res : fixResult(res))
    const callbackIndex = args.findIndex((arg, i) => i > 0 && typeof arg === 'function')
    if (callbackIndex > 0) {
      args[callbackIndex] = wrap(args[callbackIndex] as QueryCallback)
      return originalQuery.apply(this, args)
    }
    if (config && typeof config === 'object' && typeof (config as { callback?: unknown }).callback === 'function') {
      const cfg = config as { callback: QueryCallback }
      args[0] = { ...cfg, callback: wrap(cfg.callback) }
      return originalQuery.apply(this, args)
    }
    const result = originalQuery.apply(this, args)
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then(fixResult)
    }
    return result
  }
}

export interface ConnectionTarget {
  /** pg pool config (never a bare connectionString: see header). */
  config: pg.PoolConfig
  /** Postgres schema from `?schema=`, if any. */
  schema: string | undefined
  database: string
}

/** Parses a `postgres(ql)://` URL into a pg config object. */
export function parseDatabaseUrl(url: string): ConnectionTarget {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(
      `The stand-in schema engine supports only PostgreSQL URLs (postgresql://...), got "${redactUrl(url)}".`,
    )
  }
  const parsed = parseConnectionString(url) as Record<string, unknown>
  const schema = typeof parsed.schema === 'string' && parsed.schema ? parsed.schema : undefined
  const config: pg.PoolConfig = {}
  if (typeof parsed.host === 'string' && parsed.host) config.host = parsed.host
  if (parsed.port) config.port = Number(parsed.port)
  if (typeof parsed.user === 'string' && parsed.user) config.user = parsed.user
  if (typeof parsed.password === 'string') config.password = parsed.password
  const database = typeof parsed.database === 'string' && parsed.database ? parsed.database : 'postgres'
  config.database = database
  if (parsed.ssl !== undefined && parsed.ssl !== null) config.ssl = parsed.ssl as pg.PoolConfig['ssl']
  if (typeof parsed.application_name === 'string') config.application_name = parsed.application_name
  if (parsed.connect_timeout) config.connectionTimeoutMillis = Number(parsed.connect_timeout) * 1000
  const options: string[] = []
  if (typeof parsed.options === 'string' && parsed.options) options.push(parsed.options)
  if (schema) options.push(`-c search_path=${quoteIdent(schema).replace(/ /g, '\\ ')}`)
  if (options.length > 0) config.options = options.join(' ')
  return { config, schema, database }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** Hides the password of a connection URL for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1****@')
}

function newPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ max: 4, idleTimeoutMillis: 5_000, ...config, Client: SchemaEngineClient })
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {})
  return pool
}

/** Turns a pg error from a script into the adapter error the engine understands. */
function toScriptError(error: unknown): unknown {
  const e = error as Partial<pg.DatabaseError> | undefined
  if (e && typeof e.code === 'string' && typeof e.severity === 'string' && typeof e.message === 'string') {
    return new DriverAdapterError({
      kind: 'postgres',
      code: e.code,
      severity: e.severity,
      message: e.message,
      detail: e.detail,
      column: e.column,
      hint: e.hint,
      originalCode: e.code,
      originalMessage: e.message,
    })
  }
  return error
}

function scriptErrorInfo(error: unknown): ScriptErrorInfo | undefined {
  const e = error as Partial<pg.DatabaseError> | undefined
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') return undefined
  return { code: e.code, message: e.message, detail: e.detail, hint: e.hint, position: e.position, where: e.where }
}

function patchQueryable<T extends { queryRaw(query: SqlQuery): Promise<SqlResultSet> }>(queryable: T): T {
  const originalQueryRaw = queryable.queryRaw.bind(queryable)
  queryable.queryRaw = async (query: SqlQuery): Promise<SqlResultSet> => {
    const result = await originalQueryRaw(query)
    const charColumns = charColumnsByRows.get(result.rows)
    if (charColumns) {
      for (const index of charColumns) result.columnTypes[index] = ColumnTypeEnum.Character
    }
    return result
  }
  return queryable
}

/** Wraps an adapter-pg adapter with the fixes described in the header. */
function patchAdapter(
  adapter: SqlDriverAdapter,
  pool: pg.Pool,
  release: () => Promise<void>,
  onScriptError: (error: ScriptErrorInfo) => void,
): SqlDriverAdapter {
  patchQueryable(adapter)
  adapter.executeScript = async (script: string): Promise<void> => {
    try {
      await pool.query(script)
    } catch (error) {
      const info = scriptErrorInfo(error)
      if (info) onScriptError(info)
      throw toScriptError(error)
    }
  }
  const originalStart = adapter.startTransaction.bind(adapter)
  adapter.startTransaction = async (...args: Parameters<SqlDriverAdapter['startTransaction']>): Promise<Transaction> =>
    patchQueryable(await originalStart(...args))
  let disposed = false
  adapter.dispose = async () => {
    if (disposed) return
    disposed = true
    await release()
  }
  return adapter
}

async function connectPool(
  target: ConnectionTarget,
  onScriptError: (error: ScriptErrorInfo) => void,
): Promise<SqlDriverAdapter> {
  const pool = newPool(target.config)
  const adapter = await new PrismaPg(pool, { schema: target.schema }).connect()
  return patchAdapter(adapter, pool, () => pool.end(), onScriptError)
}

async function serverIdentity(config: pg.PoolConfig): Promise<string> {
  const client = new pg.Client(config)
  await client.connect()
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT current_database() || '|' || coalesce(inet_server_port()::text, '') || '|' || pg_postmaster_start_time()::text AS id`,
    )
    return rows[0]?.id ?? ''
  } finally {
    await client.end().catch(() => {})
  }
}

export interface AdapterFactoryOptions {
  /** Reusable shadow database (wiped before each use). Must not be the main database. */
  shadowDatabaseUrl?: string | undefined
}

/** `connect()` opens the main database; `connectToShadowDb()` a shadow database. */
export class SchemaEnginePgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const
  readonly adapterName = '@prisma/adapter-pg'
  readonly shadow: ConnectionTarget | undefined
  /** The database error of the last failed script (read after a failed migration). */
  lastScriptError: ScriptErrorInfo | undefined
  private readonly mainTarget: ConnectionTarget | undefined
  private readonly open = new Set<SqlDriverAdapter>()
  private readonly onScriptError = (error: ScriptErrorInfo) => {
    this.lastScriptError = error
  }

  constructor(databaseUrl: string | undefined, options: AdapterFactoryOptions = {}) {
    this.mainTarget = databaseUrl ? parseDatabaseUrl(databaseUrl) : undefined
    this.shadow = options.shadowDatabaseUrl ? parseDatabaseUrl(options.shadowDatabaseUrl) : undefined
    if (this.mainTarget && this.shadow && sameDatabase(this.mainTarget.config, this.shadow.config)) {
      throw new Error('shadowDatabaseUrl points at the main database; it is wiped before each use. Refusing.')
    }
  }

  get main(): ConnectionTarget {
    if (!this.mainTarget) {
      throw new Error(
        'No database URL: set DATABASE_URL (read by prisma.config.ts) or datasource.url in the Prisma config.',
      )
    }
    return this.mainTarget
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(await connectPool(this.main, this.onScriptError))
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const main = this.main
    if (this.shadow) {
      const [mainId, shadowId] = await Promise.all([serverIdentity(main.config), serverIdentity(this.shadow.config)])
      if (mainId === shadowId) {
        throw new Error('shadowDatabaseUrl resolves to the main database; it is wiped before each use. Refusing.')
      }
      return this.track(await connectPool(this.shadow, this.onScriptError))
    }
    // A temporary shadow database next to the main one.
    const name = `prisma_migrate_shadow_db_${randomUUID()}`
    const admin = new pg.Client(main.config)
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`)
    } catch (error) {
      await admin.end().catch(() => {})
      throw error
    }
    const pool = newPool({ ...main.config, database: name })
    const release = async () => {
      // Close our own connections first, then drop (the reverse of adapter-pg).
      await pool.end().catch(() => {})
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(async (error: unknown) => {
          // Before PostgreSQL 13 there is no WITH (FORCE).
          if ((error as { code?: unknown }).code !== '42601') throw error
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`)
        })
      } finally {
        await admin.end().catch(() => {})
      }
    }
    try {
      // Servers that ignore the database name (PGlite over pglite-socket) would
      // hand us the main database as "shadow", and the engine wipes the shadow.
      const [mainId, shadowId] = await Promise.all([
        serverIdentity(main.config),
        serverIdentity({ ...main.config, database: name }),
      ])
      if (mainId === shadowId) {
        throw new Error(
          `The server ignores database names (the "shadow" database ${name} is the main database). Set SHADOW_DATABASE_URL to a separate database.`,
        )
      }
    } catch (error) {
      await release().catch(() => {})
      throw error
    }
    const adapter = await new PrismaPg(pool, { schema: main.schema }).connect()
    return this.track(patchAdapter(adapter, pool, release, this.onScriptError))
  }

  /** Disposes every adapter still open (the engine does not always do it). */
  async disposeAll(): Promise<void> {
    const adapters = [...this.open]
    this.open.clear()
    await Promise.all(adapters.map((a) => a.dispose().catch(() => {})))
  }

  private track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    this.open.add(adapter)
    const dispose = adapter.dispose.bind(adapter)
    adapter.dispose = async () => {
      this.open.delete(adapter)
      await dispose()
    }
    return adapter
  }
}

function sameDatabase(a: pg.PoolConfig, b: pg.PoolConfig): boolean {
  const host = (h: string | undefined) => (!h || h === 'localhost' || h === '::1' ? '127.0.0.1' : h)
  return host(a.host) === host(b.host) && (a.port ?? 5432) === (b.port ?? 5432) && a.database === b.database
}

export interface BoundFactory {
  factory: SchemaEnginePgFactory
  bound: ErrorCapturingSqlMigrationAwareDriverAdapterFactory
}

/** The adapter factory to pass to `SchemaEngine.new`, with its error registry. */
export function createSchemaEngineAdapterFactory(databaseUrl: string | undefined, options: AdapterFactoryOptions = {}): BoundFactory {
  const factory = new SchemaEnginePgFactory(databaseUrl, options)
  return { factory, bound: bindMigrationAwareSqlAdapterFactory(factory) }
}
