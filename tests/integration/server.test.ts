// The store as an operator meets it: start-up, configuration errors, readiness that
// follows PostgreSQL and Redis, both infrastructure modes, graceful shutdown.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, freePort, startRedisServer, startServer, waitForStatus, type RunningServer } from './helpers.ts'

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

/**
 * A TCP relay on a port of its own to `target` (the machine's PostgreSQL), which the test can
 * take down, dropping every connection, and bring back: a database outage that stops nothing shared.
 */
async function tcpRelay(target: { host: string; port: number }) {
  const port = await freePort()
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.once('close', () => {
            sockets.delete(socket)
            client.destroy()
            upstream.destroy()
          })
          socket.on('error', () => undefined) // the other side closes it
        }
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve())
    })
  const close = async () => {
    const listening = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    if (listening) await new Promise((resolve) => listening.close(resolve))
  }
  return { port, open, close }
}

describe('configuration errors', () => {
  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', 'redis://127.0.0.1:6399/abc'],
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
    let redis = await startRedisServer(redisPort)
    cleanups.push(() => redis.stop())
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
    await redis.stop()
    await waitForStatus(`${s.url}/readyz`, (st) => st === 503, 15_000)
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    const body = (await (await fetch(`${s.url}/readyz`)).json()) as { checks: { redis: boolean; database: boolean } }
    expect(body.checks).toMatchObject({ redis: false, database: true })
    redis = await startRedisServer(redisPort)
    await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 20_000)

    // Graceful shutdown: exits 0 and logs it.
    expect(await s.stop('SIGTERM')).toBe(0)
    expect(s.output()).toContain('"message":"stopped"')
  }, 240_000)

  it('starts with neither reachable, gets ready as each comes up, and follows a database outage', async () => {
    const db = await createTestDatabase('it_server_outage')
    cleanups.push(db.drop)
    const pgUrl = new URL(db.url)
    const relay = await tcpRelay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) })
    cleanups.push(relay.close)
    const viaRelay = new URL(db.url)
    viaRelay.hostname = '127.0.0.1'
    viaRelay.port = String(relay.port)
    const redisPort = await freePort()
    const s = startServer(
      { DATABASE_URL: viaRelay.toString(), REDIS_URL: `redis://127.0.0.1:${redisPort}/0`, SEED_ON_EMPTY: 'false', DATA_DIR: tmpDir('data'), UPLOAD_DIR: tmpDir('uploads') },
      await freePort(),
    )
    servers.push(s)
    const readiness = async () => {
      const res = await fetch(`${s.url}/readyz`)
      return { status: res.status, ...((await res.json()) as object) }
    }

    // Nothing reachable: up, not ready, pages answer "starting" with a retry hint.
    await waitForStatus(`${s.url}/healthz`, (st) => st === 200, 60_000)
    expect(await readiness()).toMatchObject({ status: 503, checks: { bootstrap: false, database: false, redis: false } })
    const page = await fetch(`${s.url}/`)
    expect(page.status).toBe(503)
    expect(page.headers.get('retry-after')).toBeTruthy()

    // The database comes up: migrated, still not ready without Redis.
    await relay.open()
    await expect.poll(readiness, { timeout: 60_000, interval: 250 }).toMatchObject({ status: 503, checks: { bootstrap: true, database: true, redis: false } })

    // A Redis server starts on the configured port: ready.
    const redis = await startRedisServer(redisPort)
    cleanups.push(redis.stop)
    await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 30_000)

    // The database goes away: not ready, still alive; it returns: ready again.
    await relay.close()
    await expect.poll(readiness, { timeout: 15_000, interval: 250 }).toMatchObject({ status: 503, checks: { database: false, redis: true } })
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    await relay.open()
    await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 30_000)
    expect(s.child.exitCode).toBeNull()
    expect(await s.stop('SIGTERM')).toBe(0)
  }, 240_000)
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
  }, 300_000)
})
