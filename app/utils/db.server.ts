/** Prisma Client on PostgreSQL through the pg driver adapter (one client per process). */
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '#app/generated/prisma/client.ts'

export type Db = PrismaClient

export interface DbOptions {
  url: string
  poolMax?: number
  /** Postgres schema to use (tests isolate themselves in their own schema). */
  schema?: string
}

export function createDb({ url, poolMax = 10, schema }: DbOptions): PrismaClient {
  const adapter = new PrismaPg(
    {
      connectionString: url,
      max: poolMax,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A statement that runs away must not hold a connection forever.
      statement_timeout: 30_000,
      application_name: 'storefront',
    },
    schema ? { schema } : undefined,
  )
  return new PrismaClient({ adapter })
}

// Route modules run inside Vite's module graph in development; keeping the client on
// globalThis lets them share the server's pool instead of opening their own.
const g = globalThis as unknown as { __db?: PrismaClient; __dbOptions?: DbOptions }

/** Sets the process-wide database (called once by server.ts / worker.ts / scripts). */
export function initDb(options: DbOptions): PrismaClient {
  g.__dbOptions = options
  g.__db = createDb(options)
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

export async function closeDb(): Promise<void> {
  const db = g.__db
  g.__db = undefined
  await db?.$disconnect()
}
