/**
 * In-process migrations for the app and the tests, through the same
 * WebAssembly schema engine the CLI stand-in uses (no CLI process, ~0.3 s).
 *
 *   import { migrateDeploy, resetDatabase } from '#prisma/engine/index.ts'
 *   await migrateDeploy(process.env.DATABASE_URL!)        // at app start
 *   await resetDatabase(testDatabaseUrl)                   // between tests
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDatabase } from './database.ts'
import { withEngine, type EngineSessionOptions } from './engine.ts'
import { SchemaEngineError } from './errors.ts'
import { NO_FILTERS, readMigrationsList } from './migrations.ts'

export { SchemaEngineError } from './errors.ts'
export { createDatabase, dropDatabase, databaseExists, ensureDatabase } from './database.ts'

/**
 * `prisma/migrations` of this repository: next to this file when run from
 * source, else (e.g. bundled into build/) `<cwd>/prisma/migrations`;
 * `PRISMA_MIGRATIONS_DIR` overrides both.
 */
export function defaultMigrationsDir(): string {
  if (process.env.PRISMA_MIGRATIONS_DIR) return path.resolve(process.env.PRISMA_MIGRATIONS_DIR)
  const here = path.dirname(fileURLToPath(import.meta.url))
  const fromSource = path.resolve(here, '..', 'migrations')
  if (path.basename(here) === 'engine' && fs.existsSync(fromSource)) return fromSource
  return path.resolve(process.cwd(), 'prisma', 'migrations')
}

export interface MigrateOptions {
  /** Folder with `<timestamp>_<name>/migration.sql` (default: `defaultMigrationsDir()`). */
  migrationsDir?: string
  /** Receives the engine's JSON log lines (dropped by default). */
  onLog?: EngineSessionOptions['onLog']
}

/**
 * Applies the pending migrations, exactly like `prisma migrate deploy`:
 * creates the database if it does not exist, records each migration in
 * `_prisma_migrations`, and stops at the first failure.
 *
 * A migration runs as one script in one implicit transaction, so a failing
 * one is rolled back as a whole; the error names it (`error.migrationName`,
 * `error.code === 'P3018'`). As with the CLI, the failed attempt stays
 * recorded: fix the SQL, then `npx prisma migrate resolve --rolled-back <name>`.
 */
export async function migrateDeploy(databaseUrl: string, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir()
  await ensureDatabase(databaseUrl)
  const migrationsList = await readMigrationsList(migrationsDir)
  return withEngine({ databaseUrl, onLog: opts.onLog }, async (engine) => {
    try {
      const { appliedMigrationNames } = await engine.call('applyMigrations', { migrationsList, filters: NO_FILTERS })
      return { applied: appliedMigrationNames }
    } catch (error) {
      throw deployError(error)
    }
  })
}

function deployError(error: unknown): Error {
  if (!(error instanceof SchemaEngineError)) return error instanceof Error ? error : new Error(String(error))
  if (error.code === 'P3018' && error.migrationName) {
    const details = String(error.meta?.database_error ?? error.message)
    const code = error.meta?.database_error_code ? ` (database error code ${String(error.meta.database_error_code)})` : ''
    return new SchemaEngineError(
      `Migration "${error.migrationName}" failed to apply${code} and was rolled back:\n${details}\n\n` +
        `Fix the migration, then run \`npx prisma migrate resolve --rolled-back "${error.migrationName}"\` before deploying again.`,
      { code: error.code, migrationName: error.migrationName, meta: error.meta, cause: error },
    )
  }
  const prefix = error.code ? `${error.code}: ` : ''
  return new SchemaEngineError(`Migrations could not be applied: ${prefix}${error.message}`, {
    code: error.code,
    migrationName: error.migrationName,
    meta: error.meta,
    isPanic: error.isPanic,
    cause: error,
  })
}

/**
 * Empties the database (drops every schema object and the migration history,
 * like `prisma migrate reset`, without seeding) and re-applies all migrations.
 * Creates the database if needed. Meant for tests.
 */
export async function resetDatabase(databaseUrl: string, opts: MigrateOptions = {}): Promise<void> {
  const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir()
  await ensureDatabase(databaseUrl)
  const migrationsList = await readMigrationsList(migrationsDir)
  await withEngine({ databaseUrl, onLog: opts.onLog }, async (engine) => {
    await engine.call('reset', { filter: NO_FILTERS })
    try {
      await engine.call('applyMigrations', { migrationsList, filters: NO_FILTERS })
    } catch (error) {
      throw deployError(error)
    }
  })
}
