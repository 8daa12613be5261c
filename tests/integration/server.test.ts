// The store as an operator meets it: start-up, configuration errors, readiness that
// follows PostgreSQL and Redis, both infrastructure modes, graceful shutdown.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const servers: RunningServer[] = []
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL')
  for (const c of cleanups) await c().catch(() => undefined)
})

function tmpDir(name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`))
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await new Promise((r) => setTimeout(r, 300))
  return child
}

describe('configuration errors', () => {
  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['DATABASE_URL', 'not-a-url'],
  ])('a malformed %s stops start-up with a message naming it', async (name, value) => {
    const s = startServer({ [name]: value }, await freePort())
    servers.push(s)
    expect(await s.exited).toBe(1)
    expect(s.output()).toContain(name)
    expect(s.output()).not.toContain(value) // the value may hold credentials
  })
})

describe('with PostgreSQL and Redis servers', () => {
  it('migrates, seeds an empty database, serves the catalogue, and readiness follows Redis', async () => {
    const db = await createTestDatabase('it_server')
    cleanups.push(db.drop)
    const redisPort = await freePort()
    let redis = await startRedis(redisPort)
    cleanups.push(async () => void redis.kill('SIGKILL'))
    const s = startServer(
      { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}/0`, DATA_DIR: tmpDir('data'), UPLOAD_DIR: tmpDir('uploads') },
      await freePort(),
    )
    servers.push(s)
    await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 90_000)

    const home = await fetch(`${s.url}/`)
    expect(home.status).toBe(200)
    const html = await home.text()
    const links = [...html.matchAll(/href="\/products\/([^"]+)"/g)].map((m) => m[1])
    expect(links.length).toBeGreaterThanOrEqual(8)
    const product = await fetch(`${s.url}/products/${links[0]}`)
    expect(product.status).toBe(200)
    expect(await product.text()).toMatch(/₹[\d,]+\.\d\d/)
    expect((await fetch(`${s.url}/no/such/page`)).status).toBe(404)

    // One JSON log line per request, with id, method, path, status and duration.
    const requestLine = () =>
      s
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((r) => r.message === 'request' && r.path === '/no/such/page')
    await expect.poll(requestLine).toBeTruthy()
    const line = requestLine()
    expect(line).toMatchObject({ method: 'GET', status: 404 })
    expect(line?.requestId).toBeTruthy()
    expect(typeof line?.durationMs).toBe('number')

    // Redis goes away: not ready, but still alive; it comes back: ready again.
    redis.kill('SIGKILL')
    await waitForStatus(`${s.url}/readyz`, (st) => st === 503, 15_000)
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    const body = (await (await fetch(`${s.url}/readyz`)).json()) as { checks: { redis: boolean; database: boolean } }
    expect(body.checks).toMatchObject({ redis: false, database: true })
    redis = await startRedis(redisPort)
    await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 20_000)

    // Graceful shutdown: exits 0 and logs it.
    expect(await s.stop('SIGTERM')).toBe(0)
    expect(s.output()).toContain('"message":"stopped"')
  })

  it('stays up and unready while the database is unreachable', async () => {
    const deadPort = await freePort()
    const s = startServer({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadPort}/nowhere`, DATA_DIR: tmpDir('data') }, await freePort())
    servers.push(s)
    await waitForStatus(`${s.url}/healthz`, (st) => st === 200, 30_000)
    const ready = await fetch(`${s.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(((await ready.json()) as { checks: { database: boolean } }).checks.database).toBe(false)
    const page = await fetch(`${s.url}/`)
    expect(page.status).toBe(503)
    expect(page.headers.get('retry-after')).toBeTruthy()
    expect(s.child.exitCode).toBeNull()
    expect(await s.stop('SIGTERM')).toBe(0)
  })
})

describe('with the embedded defaults (no DATABASE_URL, no REDIS_URL)', () => {
  it('starts PGlite, seeds it and serves the catalogue; data survives a restart', async () => {
    const dataDir = tmpDir('embedded')
    const uploads = tmpDir('uploads')
    const port = await freePort()
    const first = startServer({ DATA_DIR: dataDir, UPLOAD_DIR: uploads }, port)
    servers.push(first)
    await waitForStatus(`${first.url}/readyz`, (st) => st === 200, 120_000)
    const ready = (await (await fetch(`${first.url}/readyz`)).json()) as { checks: Record<string, unknown> }
    expect(ready.checks).toMatchObject({ database: true, redis: 'not configured' })
    const html = await (await fetch(`${first.url}/`)).text()
    expect(html).toContain('New arrivals')
    expect([...html.matchAll(/href="\/products\//g)].length).toBeGreaterThanOrEqual(8)
    expect(await first.stop('SIGTERM')).toBe(0)

    // Second start: same data, no second seed.
    const second = startServer({ DATA_DIR: dataDir, UPLOAD_DIR: uploads }, port)
    servers.push(second)
    await waitForStatus(`${second.url}/readyz`, (st) => st === 200, 60_000)
    expect(second.output()).not.toContain('seeding the demo store')
    expect(await (await fetch(`${second.url}/`)).text()).toContain('New arrivals')
    expect(await second.stop('SIGTERM')).toBe(0)
  })
})
