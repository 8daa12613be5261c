/**
 * `npm run db:seed [-- --orders N] [--reset] [--seed N]`: applies pending migrations, then
 * fills an empty database with the demo catalogue, people and order history.
 * `npm run db:seed -- --orders 1000000` builds the benchmark data set.
 */
import { parseArgs } from 'node:util'
import { createProgress } from './seed/progress.ts'
import { DatabaseNotEmptyError, DEFAULT_ORDERS, MAX_ORDERS, seed } from './seed/index.ts'

const USAGE = `Usage: npm run db:seed -- [--orders N] [--reset] [--seed N] [--upload-dir DIR]

  --orders N        orders to generate (default ${DEFAULT_ORDERS}; e.g. 1000000 for benchmarks)
  --reset           empty the store's tables first (keeps the migration history)
  --seed N          random seed (default 42; the same seed gives the same data)
  --upload-dir DIR  where product images are written (default $UPLOAD_DIR or "uploads")

Needs DATABASE_URL (postgresql://user:pass@host:5432/db).`

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

  const url = process.env.DATABASE_URL
  if (!url) {
    fail(
      'DATABASE_URL is not set: the seed needs a PostgreSQL database, e.g.\n' +
        '  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/shop npm run db:seed\n' +
        'Without DATABASE_URL, `npm start` runs an embedded database and seeds it automatically on first start.',
    )
  }

  const { migrateDeploy } = await import('#prisma/engine/index.ts')
  const { applied } = await migrateDeploy(url)
  process.stdout.write(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}\n` : 'Migrations are up to date.\n')

  const bar = createProgress()
  const started = Date.now()
  try {
    const result = await seed({
      url,
      orders,
      uploadDir,
      randomSeed,
      reset: args.reset,
      onProgress: (done, total, phase) => bar.update(done, total, phase),
      log: (msg) => {
        bar.done()
        process.stdout.write(`${msg}\n`)
      },
    })
    bar.done()
    process.stdout.write(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.products} products, ${result.categories} categories, ` +
        `${result.users} users, ${result.orders} orders.\n` +
        'Sign in with the staff phones +919000000001 (admin) … +919000000004 or the demo shoppers +919000000101 … +919000000105.\n',
    )
  } catch (err) {
    bar.done()
    if (err instanceof DatabaseNotEmptyError) {
      fail('The database already has data, so nothing was changed. Run `npm run db:seed -- --reset` to empty the store tables and seed again.')
    }
    throw err
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`Seed failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  },
)
