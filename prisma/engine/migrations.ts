/**
 * Reads a migrations folder into the engine's MigrationList, the way the
 * Prisma CLI does: `<dir>/migration_lock.toml` plus one `<name>/migration.sql`
 * per sub-directory, sorted by name.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import type { MigrationDirectory, MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg'

export const MIGRATION_LOCK_FILE = 'migration_lock.toml'
export const MIGRATION_SCRIPT_FILE = 'migration.sql'

export async function readMigrationsList(migrationsDir: string, shadowDbInitScript = ''): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir)
  const lockContent = await fs.readFile(path.join(baseDir, MIGRATION_LOCK_FILE), 'utf8').catch(() => null)
  const entries = await fs.readdir(baseDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw error
  })
  const migrationDirectories: MigrationDirectory[] = []
  for (const entry of entries) {
    if (!entry.isDirectory()) continue
    const content = await fs
      .readFile(path.join(baseDir, entry.name, MIGRATION_SCRIPT_FILE), 'utf8')
      .then((value) => ({ tag: 'ok' as const, value }))
      .catch((error: Error) => ({ tag: 'error' as const, value: error.message }))
    migrationDirectories.push({ path: entry.name, migrationFile: { path: MIGRATION_SCRIPT_FILE, content } })
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path))
  return {
    baseDir,
    lockfile: { path: MIGRATION_LOCK_FILE, content: lockContent },
    shadowDbInitScript,
    migrationDirectories,
  }
}

export const NO_FILTERS = { externalTables: [] as string[], externalEnums: [] as string[] }
