/**
 * Database-level operations the schema engine does outside of its JSON-RPC
 * methods (the CLI's one-shot `cli can-connect-to-database | create-database |
 * drop-database`), done with `pg` directly, with the native engine's error
 * codes and messages.
 */
import pg from 'pg'
import { parseDatabaseUrl, quoteIdent, type ConnectionTarget } from './adapter.ts'
import { SchemaEngineError } from './errors.ts'

function hostPort(target: ConnectionTarget): string {
  return `${target.config.host ?? 'localhost'}:${target.config.port ?? 5432}`
}

/** Maps a connection/database error to the native engine's P1xxx errors. */
export function databaseError(error: unknown, target: ConnectionTarget): SchemaEngineError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown }
  const code = typeof e.code === 'string' ? e.code : ''
  const message = typeof e.message === 'string' ? e.message : String(error)
  const at = hostPort(target)
  const user = target.config.user ?? ''
  const db = target.database
  const make = (prismaCode: string, text: string) =>
    new SchemaEngineError(text, { code: prismaCode, cause: error, meta: { database_host: at, database_name: db } })
  switch (code) {
    case '3D000':
      return make('P1003', `Database \`${db}\` does not exist on the database server at \`${at}\`.`)
    case '42P04':
      return make('P1009', `Database \`${db}\` already exists on the database server at \`${at}\``)
    case '28P01':
    case '28000':
      if (/authentication|password/i.test(message)) {
        return make(
          'P1000',
          `Authentication failed against database server, the provided database credentials for \`${user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at the configured address.`,
        )
      }
      return make('P1010', `User \`${user}\` was denied access on the database \`${db}\``)
    case '42501':
      return make('P1010', `User \`${user}\` was denied access on the database \`${db}\``)
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'EAI_AGAIN':
      return make(
        'P1001',
        `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`,
      )
    default:
      if (/timeout/i.test(message)) {
        return make('P1002', `The database server at \`${at}\` was reached but timed out.\n\n${message}`)
      }
      return new SchemaEngineError(message, { cause: error })
  }
}

async function withClient<T>(config: pg.ClientConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, ...config })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** Connects to the database itself; throws a P1xxx SchemaEngineError when it cannot. */
export async function canConnectToDatabase(databaseUrl: string): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl)
  try {
    await withClient(target.config, (client) => client.query('SELECT 1'))
  } catch (error) {
    throw databaseError(error, target)
  }
}

/** True if the database exists (and we can log in to it). */
export async function databaseExists(databaseUrl: string): Promise<boolean> {
  try {
    await canConnectToDatabase(databaseUrl)
    return true
  } catch (error) {
    if (error instanceof SchemaEngineError && error.code === 'P1003') return false
    throw error
  }
}

/** Runs `fn` on a connection to a maintenance database of the same server. */
async function withAdminClient<T>(target: ConnectionTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  let lastError: unknown
  for (const database of ['postgres', 'template1']) {
    try {
      return await withClient({ ...target.config, database }, fn)
    } catch (error) {
      lastError = error
      // Only fall back when the maintenance database itself is missing.
      if ((error as { code?: unknown }).code !== '3D000') break
    }
  }
  throw databaseError(lastError, target)
}

/** CREATE DATABASE for the URL's database (P1009 if it already exists). */
export async function createDatabase(databaseUrl: string): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl)
  await withAdminClient(target, async (client) => {
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(target.database)}`)
    } catch (error) {
      throw databaseError(error, target)
    }
  })
}

/**
 * DROP DATABASE for the URL's database. `force` terminates other sessions
 * first (PostgreSQL 13+); `ifExists` makes a missing database a no-op.
 */
export async function dropDatabase(
  databaseUrl: string,
  options: { force?: boolean; ifExists?: boolean } = {},
): Promise<void> {
  const target = parseDatabaseUrl(databaseUrl)
  await withAdminClient(target, async (client) => {
    const sql = `DROP DATABASE ${options.ifExists ? 'IF EXISTS ' : ''}${quoteIdent(target.database)}${options.force ? ' WITH (FORCE)' : ''}`
    try {
      await client.query(sql)
    } catch (error) {
      throw databaseError(error, target)
    }
  })
}

/** Creates the database when it does not exist yet; true if it was created. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  if (await databaseExists(databaseUrl)) return false
  try {
    await createDatabase(databaseUrl)
    return true
  } catch (error) {
    // Created concurrently by someone else: fine.
    if (error instanceof SchemaEngineError && error.code === 'P1009') return false
    throw error
  }
}
