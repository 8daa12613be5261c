import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'prisma/config'

const root = path.dirname(fileURLToPath(import.meta.url))

// The native schema engine cannot be downloaded here: unless someone chose an
// engine already, the CLI talks to our stand-in, which runs the WebAssembly
// build of the same engine (prisma/engine/). See /shared PRISMA-OFFLINE.md.
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(root, 'prisma', 'engine', 'schema-engine')
}

export default defineConfig({
  schema: path.join(root, 'prisma', 'schema.prisma'),
  migrations: {
    path: path.join(root, 'prisma', 'migrations'),
    seed: 'tsx prisma/seed.ts',
  },
  datasource: {
    // `prisma generate` needs no database; migrate/db commands use DATABASE_URL.
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/shop',
    ...(process.env.SHADOW_DATABASE_URL ? { shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL } : {}),
  },
})
