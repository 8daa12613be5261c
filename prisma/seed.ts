/**
 * `npm run db:seed [-- --orders N] [--reset] [--seed N]`: applies pending migrations, then
 * fills an empty database with the demo catalogue, people and order history.
 * `npm run db:seed -- --orders 1000000` builds the benchmark data set.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { createProgress } from './seed/progress.ts'
import { DatabaseNotEmptyError, DEFAULT_ORDERS, MAX_ORDERS, seed } from './seed/index.ts'

const USAGE = `Usage: npm run db:seed -- [--orders N] [--reset] [--seed N] [--upload-dir DIR]

  --orders N        orders to generate (default ${DEFAULT_ORDERS}; e.g. 1000000 for benchmarks)
  --reset           empty the store's tables first (keeps the migration history)
  --seed N          random seed (default 42; the same seed gives the same data)
  --upload-dir DIR  where product images are written (default $UPLOAD_DIR or "uploads")

Seeds DATABASE_URL (postgresql://user:pass@host:5432/db) or, when it is unset, the store's
embedded database in $DATA_DIR/pglite (default .data/pglite), as \`npm start\` does: through
the running store, or started for the seed's duration when the store is not running.`

function fail(message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

/** Accepts 6000, 1000000, 1_000_000, 1,000,000 and 1e6; anything else is an error. */
export function parseCount(raw: string, name: string, max: number): number {
  const s = raw.trim().replace(/[_,]/g, '')
  const n = /^\d+(e\d+)?$/i.test(s) ? Number(s) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    fail(`${name} must be a whole number from 0 to ${max.toLocaleString('en-US')}, got "${raw}".\n\n${USAGE}`)
  }
  return n
}

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs({
      options: {
        orders: { type: 'string' },
        reset: { type: 'boolean', default: false },
        seed: { type: 'string' },
        'upload-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`)
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const orders = args.orders === undefined ? DEFAULT_ORDERS : parseCount(args.orders, '--orders', MAX_ORDERS)
  const randomSeed = args.seed === undefined ? undefined : parseCount(args.seed, '--seed', 2 ** 32 - 1)
  const uploadDir = args['upload-dir'] ?? (process.env.UPLOAD_DIR || 'uploads')

  const database = await openDatabase()
  try {
    await seedDatabase(database.url, { orders, uploadDir, randomSeed, reset: args.reset })
  } finally {
    await database.close()
  }
}

/** DATABASE_URL, else the embedded database: the running store's, or one started here. */
async function openDatabase(): Promise<{ url: string; close: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, close: async () => undefined }
  const { embeddedDataDir, runningEmbeddedUrl } = await import('#app/utils/embedded-pg-url.ts')
  const dataDir = embeddedDataDir()
  const running = runningEmbeddedUrl(dataDir)
  if (running) {
    process.stdout.write(`DATABASE_URL is not set: seeding the embedded database of the running store (${dataDir}).\n`)
    return { url: running, close: async () => undefined }
  }
  process.stdout.write(`DATABASE_URL is not set: seeding the embedded database in ${dataDir}.\n`)
  const { startEmbeddedPostgres } = await import('#app/utils/embedded-pg.server.ts')
  const pg = await startEmbeddedPostgres({ dataDir, lockWaitMs: 15_000 })
  // Interrupted: PGlite is still closed properly (flushed, its folder's lock released).
  const onSignal = (signal: NodeJS.Signals) => void pg.stop().finally(() => process.exit(128 + os.constants.signals[signal]))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return { url: pg.url, close: pg.stop }
}

async function seedDatabase(url: string, opts: { orders: number; uploadDir: string; randomSeed: number | undefined; reset: boolean }): Promise<void> {
  const { orders, uploadDir, randomSeed } = opts
  const { migrateDeploy } = await import('#prisma/engine/index.ts')
  const { applied } = await migrateDeploy(url)
  process.stdout.write(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}\n` : 'Migrations are up to date.\n')

  const bar = createProgress()
  const started = Date.now()
  let result: Awaited<ReturnType<typeof seed>>
  try {
    result = await seed({
      url,
      orders,
      uploadDir,
      randomSeed,
      reset: opts.reset,
      onProgress: (done, total, phase) => bar.update(done, total, phase),
      log: (msg) => {
        bar.done()
        process.stdout.write(`${msg}\n`)
      },
    })
  } finally {
    bar.done()
  }
  process.stdout.write(
    `Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.products} products, ${result.categories} categories, ` +
      `${result.users} users, ${result.orders} orders.\n` +
      'Sign in with the staff phones +919000000001 (admin) … +919000000004 or the demo shoppers +919000000101 … +919000000105.\n',
  )
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof DatabaseNotEmptyError) {
      fail('The database already has data, so nothing was changed. Run `npm run db:seed -- --reset` to empty the store tables and seed again.')
    }
    process.stderr.write(`Seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
