/**
 * The stand-in schema engine against a real PostgreSQL: the unmodified Prisma
 * CLI driving it (migrate dev / deploy / status, a failing migration), and the
 * in-process API the app and the tests use. Each test uses its own databases
 * (se_test_<random>), dropped at the end.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateDeploy, resetDatabase, SchemaEngineError } from './index.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..')
const prismaCli = path.join(repoRoot, 'node_modules', 'prisma', 'build', 'index.js')
const standIn = path.join(here, 'schema-engine')
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

const created: string[] = []
function newDatabaseUrl(): { name: string; url: string } {
  const name = `se_test_${randomBytes(5).toString('hex')}`
  created.push(name)
  const u = new URL(SERVER_URL)
  u.pathname = `/${name}`
  return { name, url: u.toString() }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

async function tables(url: string): Promise<string[]> {
  const rows = await query<{ t: string }>(
    url,
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  )
  return rows.map((r) => r.t)
}

interface CliResult {
  code: number
  stdout: string
  stderr: string
  output: string
}

/** Runs the real Prisma CLI (what `npx prisma ...` runs) in `cwd` with DATABASE_URL=url. */
function prisma(cwd: string, url: string, ...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' }
  // Exercise the stand-in through the project's mechanism: the config sets it.
  delete env.PRISMA_SCHEMA_ENGINE_BINARY
  return new Promise((resolve) => {
    execFile(process.execPath, [prismaCli, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` })
    })
  })
}

const TINY_SCHEMA = `datasource db {
  provider = "postgresql"
}

model Item {
  id   Int    @id @default(autoincrement())
  name String
}
`

/** A throw-away project: its own prisma.config.ts (same mechanism as the repo's) and tiny schema. */
async function tempProject(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'se_test_'))
  await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  await fs.writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await fs.mkdir(path.join(dir, 'prisma'))
  await fs.writeFile(path.join(dir, 'prisma', 'schema.prisma'), TINY_SCHEMA)
  await fs.writeFile(
    path.join(dir, 'prisma.config.ts'),
    `import { defineConfig } from 'prisma/config'
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) process.env.PRISMA_SCHEMA_ENGINE_BINARY = ${JSON.stringify(standIn)}
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/unused' },
})
`,
  )
  return dir
}

async function migrationDirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
}

let project: string

beforeAll(async () => {
  project = await tempProject()
})

afterAll(async () => {
  const admin = new pg.Client({ connectionString: SERVER_URL })
  await admin.connect()
  try {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  } finally {
    await admin.end()
  }
  if (project) await fs.rm(project, { recursive: true, force: true })
})

describe('Prisma CLI through the stand-in schema engine', () => {
  it('migrate dev creates migration folders from schema changes', async () => {
    const { url } = newDatabaseUrl()
    const migrations = path.join(project, 'prisma', 'migrations')

    const first = await prisma(project, url, 'migrate', 'dev', '--name', 'init')
    expect(first.code, first.output).toBe(0)
    const afterFirst = await migrationDirs(migrations)
    expect(afterFirst).toHaveLength(1)
    expect(afterFirst[0]).toMatch(/^\d{14}_init$/)
    const initSql = await fs.readFile(path.join(migrations, afterFirst[0]!, 'migration.sql'), 'utf8')
    expect(initSql).toContain('CREATE TABLE "Item"')
    expect(await fs.readFile(path.join(migrations, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"')

    // A schema change (no data loss, so no prompt) becomes a second migration.
    await fs.writeFile(
      path.join(project, 'prisma', 'schema.prisma'),
      TINY_SCHEMA.replace('name String', 'name String\n  note String?'),
    )
    const second = await prisma(project, url, 'migrate', 'dev', '--name', 'add_note')
    expect(second.code, second.output).toBe(0)
    const afterSecond = await migrationDirs(migrations)
    expect(afterSecond).toHaveLength(2)
    expect(afterSecond[1]).toMatch(/^\d{14}_add_note$/)
    const sql = await fs.readFile(path.join(migrations, afterSecond[1]!, 'migration.sql'), 'utf8')
    expect(sql).toMatch(/ALTER TABLE "Item" ADD COLUMN\s+"note" TEXT/)
    expect(await tables(url)).toEqual(['Item', '_prisma_migrations'])
  }, 60_000)

  it('migrate deploy applies the migrations to an empty database and migrate status is up to date', async () => {
    const { name, url } = newDatabaseUrl() // does not exist yet: deploy creates it, like the native engine
    const deploy = await prisma(project, url, 'migrate', 'deploy')
    expect(deploy.code, deploy.output).toBe(0)
    expect(deploy.output).toContain(`database ${name} created`)
    expect(deploy.output).toContain('All migrations have been successfully applied.')
    const rows = await query<{ migration_name: string; finished_at: Date | null }>(
      url,
      'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
    )
    expect(rows.map((r) => r.migration_name)).toEqual(await migrationDirs(path.join(project, 'prisma', 'migrations')))
    expect(rows.every((r) => r.finished_at !== null)).toBe(true)

    const status = await prisma(project, url, 'migrate', 'status')
    expect(status.code, status.output).toBe(0)
    expect(status.output).toContain('Database schema is up to date!')
  }, 60_000)

  it('a failing migration rolls back as a whole and is reported as failed', async () => {
    const dir = await tempProject()
    try {
      const migrations = path.join(dir, 'prisma', 'migrations')
      const write = async (name: string, sql: string) => {
        await fs.mkdir(path.join(migrations, name), { recursive: true })
        await fs.writeFile(path.join(migrations, name, 'migration.sql'), sql)
      }
      await fs.mkdir(migrations, { recursive: true })
      await fs.writeFile(path.join(migrations, 'migration_lock.toml'), 'provider = "postgresql"\n')
      // Valid, with a $$ body full of semicolons (adapter-pg would split it on `;`).
      await write(
        '20250101000000_init',
        `CREATE TABLE "Item" ("id" SERIAL PRIMARY KEY, "name" TEXT NOT NULL);
CREATE FUNCTION item_name_lower() RETURNS trigger AS $$
BEGIN
  NEW.name := lower(NEW.name);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER item_name_lower BEFORE INSERT ON "Item" FOR EACH ROW EXECUTE FUNCTION item_name_lower();
`,
      )
      // First statements valid (a table, a $$ function), then an invalid one.
      await write(
        '20250102000000_broken',
        `CREATE TABLE "Partial" ("id" INT);
CREATE FUNCTION partial_fn() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
CREATE TABLE "Nope" (id INT NOT A TYPE);
`,
      )
      const { url } = newDatabaseUrl()
      const deploy = await prisma(dir, url, 'migrate', 'deploy')
      expect(deploy.code).not.toBe(0)
      expect(deploy.output).toContain('P3018')
      expect(deploy.output).toContain('20250102000000_broken')

      // Nothing of the failed migration is left; the first one is fully there.
      expect(await tables(url)).toEqual(['Item', '_prisma_migrations'])
      const fns = await query<{ proname: string }>(
        url,
        `SELECT proname FROM pg_proc WHERE proname IN ('item_name_lower', 'partial_fn') ORDER BY 1`,
      )
      expect(fns.map((f) => f.proname)).toEqual(['item_name_lower'])
      const [inserted] = await query<{ name: string }>(url, `INSERT INTO "Item" (name) VALUES ('MiXeD') RETURNING name`)
      expect(inserted?.name).toBe('mixed')
      const history = await query<{ migration_name: string; finished_at: Date | null; logs: string | null }>(
        url,
        'SELECT migration_name, finished_at, logs FROM _prisma_migrations ORDER BY migration_name',
      )
      expect(history.map((h) => [h.migration_name, h.finished_at !== null])).toEqual([
        ['20250101000000_init', true],
        ['20250102000000_broken', false],
      ])

      const status = await prisma(dir, url, 'migrate', 'status')
      expect(status.code).not.toBe(0)
      expect(status.output).toContain('20250102000000_broken')

      // The in-process API fails the same way, naming the migration.
      const other = newDatabaseUrl()
      const error = await migrateDeploy(other.url, { migrationsDir: migrations }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(SchemaEngineError)
      expect((error as SchemaEngineError).migrationName).toBe('20250102000000_broken')
      expect((error as Error).message).toContain('20250102000000_broken')
      expect(await tables(other.url)).toEqual(['Item', '_prisma_migrations'])
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('in-process API', () => {
  it("migrateDeploy applies the project's migrations to an empty database, then is a no-op", async () => {
    const expected = await migrationDirs(path.join(repoRoot, 'prisma', 'migrations'))
    const { url } = newDatabaseUrl()

    const first = await migrateDeploy(url)
    expect(first.applied).toEqual(expected)
    const second = await migrateDeploy(url)
    expect(second.applied).toEqual([])

    const history = await query<{ n: number }>(
      url,
      'SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    )
    expect(history[0]?.n).toBe(expected.length)

    // resetDatabase: data and schema gone, migrations re-applied.
    const before = await tables(url)
    await query(url, 'CREATE TABLE scratch_left_over (id int)')
    await resetDatabase(url)
    expect(await tables(url)).toEqual(before)
    expect((await migrateDeploy(url)).applied).toEqual([])
  }, 60_000)
})
