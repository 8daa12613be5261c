import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'prisma/config'
import { EMBEDDED_PLACEHOLDER_URL, embeddedDataDir, runningEmbeddedUrl } from './app/utils/embedded-pg-url.ts'

const root = path.dirname(fileURLToPath(import.meta.url))

// The native schema engine cannot be downloaded here: unless someone chose an
// engine already, the CLI talks to our stand-in, which runs the WebAssembly
// build of the same engine (prisma/engine/). See /shared PRISMA-OFFLINE.md.
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(root, 'prisma', 'engine', 'schema-engine')
}

/**
 * Without DATABASE_URL, the database is the store's embedded one ($DATA_DIR/pglite), as for
 * `npm start`: the running store's when it runs, else PGlite started on that folder for as
 * long as each engine of the command runs (scripts/embedded-schema-engine). `prisma generate`
 * needs no database and starts nothing.
 */
function embeddedDatabaseUrl(): string {
  const dataDir = embeddedDataDir()
  const running = runningEmbeddedUrl(dataDir)
  if (running) return running
  if (!process.env.EMBEDDED_PG_SCHEMA_ENGINE) {
    process.env.EMBEDDED_PG_SCHEMA_ENGINE = process.env.PRISMA_SCHEMA_ENGINE_BINARY
    process.env.EMBEDDED_PG_DATA_DIR = dataDir
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(root, 'scripts', 'embedded-schema-engine')
  }
  return EMBEDDED_PLACEHOLDER_URL
}

export default defineConfig({
  schema: path.join(root, 'prisma', 'schema.prisma'),
  migrations: {
    path: path.join(root, 'prisma', 'migrations'),
    seed: 'tsx prisma/seed.ts',
  },
  datasource: {
    url: process.env.DATABASE_URL || embeddedDatabaseUrl(),
    ...(process.env.SHADOW_DATABASE_URL ? { shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL } : {}),
  },
})
