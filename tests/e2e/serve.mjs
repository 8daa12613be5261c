// Runs the production build for the end-to-end tests on throwaway state: creates the
// database named in DATABASE_URL, runs `node build/server.js` (which migrates and seeds
// it), and once the server has exited drops that database, deletes the Redis keys under
// REDIS_KEY_PREFIX and removes E2E_SCRATCH_DIR. SIGTERM/SIGINT stop the server first.
//
//   node tests/e2e/serve.mjs            start (playwright.config.ts sets the environment)
//   node tests/e2e/serve.mjs --cleanup  only the clean-up (used by global-teardown.ts)
//
// Names must start with e2e_ / e2e: so that a wrong environment can never drop real data.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import pg from 'pg'

const env = process.env
const databaseUrl = new URL(required('DATABASE_URL'))
const database = decodeURIComponent(databaseUrl.pathname.slice(1))
const adminUrl = env.E2E_ADMIN_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres'
const redisUrl = env.REDIS_URL
const keyPrefix = env.REDIS_KEY_PREFIX ?? ''
const scratchDir = env.E2E_SCRATCH_DIR

if (!/^e2e_[a-z0-9_]+$/.test(database)) fail(`DATABASE_URL must name a database like e2e_<id>, not "${database}"`)
if (redisUrl && !/^e2e:[\w:-]+$/.test(keyPrefix)) fail(`REDIS_KEY_PREFIX must look like e2e:<id>:, not "${keyPrefix}"`)

function required(name) {
  const value = env[name]
  if (!value) fail(`${name} is not set`)
  return value
}

function fail(message) {
  console.error(`[e2e serve] ${message}`)
  process.exit(1)
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function createDatabase() {
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
    await c.query(`CREATE DATABASE "${database}"`)
  })
}

/** Drops the database, the Redis keys and the scratch directory; each part on its own. */
async function cleanup() {
  let ok = true
  try {
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))
  } catch (err) {
    ok = false
    console.error(`[e2e serve] could not drop database ${database}: ${err.message}`)
  }
  if (redisUrl) {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 })
    try {
      await redis.connect()
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000)
        if (keys.length) await redis.unlink(...keys)
        cursor = next
      } while (cursor !== '0')
    } catch (err) {
      ok = false
      console.error(`[e2e serve] could not delete Redis keys ${keyPrefix}*: ${err.message}`)
    } finally {
      redis.disconnect()
    }
  }
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true })
  return ok
}

if (process.argv.includes('--cleanup')) {
  process.exit((await cleanup()) ? 0 : 1)
}

if (scratchDir) mkdirSync(scratchDir, { recursive: true })
if (env.E2E_PIDFILE) writeFileSync(env.E2E_PIDFILE, String(process.pid))
try {
  await createDatabase()
} catch (err) {
  fail(`could not create database ${database} (is PostgreSQL up at ${new URL(adminUrl).host}?): ${err.message}`)
}

const server = spawn(process.execPath, ['build/server.js'], { stdio: 'inherit', env })
let stopRequested = false
let killTimer

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    stopRequested = true
    // The server shuts down gracefully on SIGTERM; give it a bounded time to do so.
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM')
    killTimer ??= setTimeout(() => server.kill('SIGKILL'), 20_000)
  })
}

server.on('error', async (err) => {
  console.error(`[e2e serve] could not start build/server.js: ${err.message}`)
  await cleanup()
  process.exit(1)
})

server.on('exit', async (code, signal) => {
  clearTimeout(killTimer)
  if (!stopRequested) console.error(`[e2e serve] build/server.js exited on its own (code ${code}, signal ${signal})`)
  const cleaned = await cleanup()
  process.exit(stopRequested && cleaned ? 0 : code || 1)
})
