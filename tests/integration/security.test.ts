// Rate limits shared by two real instances through Redis, the CSP nonce on the rendered
// page, and the cross-site check on form posts — as a client or browser meets them.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedis } from '#app/utils/redis.server.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `it-security-${randomBytes(4).toString('hex')}:`
const API_MAX = 15
const AUTH_MAX = 10

const servers: RunningServer[] = []
const cleanups: (() => Promise<void>)[] = []

beforeAll(async () => {
  const db = await createTestDatabase('it_security')
  cleanups.push(db.drop)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'it-security-'))
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    RATE_LIMIT_AUTH_MAX: String(AUTH_MAX),
    RATE_LIMIT_API_MAX: String(API_MAX),
    SEED_ON_EMPTY: 'false',
    RUN_WORKER: 'false',
    DATA_DIR: path.join(dir, 'data'),
    UPLOAD_DIR: path.join(dir, 'uploads'),
    OUTBOX_DIR: path.join(dir, 'outbox'),
  }
  // One after the other: the first applies the migrations, the second finds them applied.
  for (let i = 0; i < 2; i++) {
    const s = startServer(env, await freePort())
    servers.push(s)
    try {
      await waitForStatus(`${s.url}/readyz`, (st) => st === 200, 50_000)
    } catch (err) {
      throw new Error(`server ${i} did not become ready:\n${s.output().slice(-3000)}`, { cause: err })
    }
  }
}, 110_000)

afterAll(async () => {
  for (const s of servers) await s.stop('SIGKILL')
  const redis = createRedis(REDIS_URL, { name: 'test-cleanup' })
  const keys = await redis.keys(`${PREFIX}*`).catch(() => [])
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
  for (const c of cleanups) await c().catch(() => undefined)
})

/** Requests as one client: the servers trust X-Forwarded-For from loopback, as behind a proxy. */
function asClient(ip: string) {
  return (server: RunningServer, pathname: string, init: RequestInit = {}) =>
    fetch(server.url + pathname, { redirect: 'manual', ...init, headers: { 'x-forwarded-for': ip, ...init.headers } })
}

function expectRateLimitHeaders(res: Response, limit: number) {
  expect(res.headers.get('ratelimit-limit')).toBe(String(limit))
  expect(res.headers.get('ratelimit-policy')).toContain(`${limit};w=900`)
  const reset = Number(res.headers.get('ratelimit-reset'))
  expect(reset).toBeGreaterThan(0)
  expect(reset).toBeLessThanOrEqual(900)
}

describe('rate limits shared through Redis by two instances', () => {
  it(`lets ${AUTH_MAX} OTP requests from one client through across both instances, then answers 429 from either`, async () => {
    const client = asClient('203.0.113.10')
    const otp = (server: RunningServer, i: number) =>
      client(server, '/api/v1/auth/otp/request', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: `+9198765${String(43210 + i)}` }), // a new phone each time: only the per-client limit applies
      })
    for (let i = 0; i < AUTH_MAX; i++) {
      const res = await otp(servers[i % 2] as RunningServer, i)
      expect(res.status, `request ${i + 1}`).not.toBe(429)
      expectRateLimitHeaders(res, AUTH_MAX)
      expect(res.headers.get('ratelimit-remaining')).toBe(String(AUTH_MAX - 1 - i))
    }
    for (const server of servers) {
      const res = await otp(server, 99)
      expect(res.status).toBe(429)
      expectRateLimitHeaders(res, AUTH_MAX)
      expect(res.headers.get('ratelimit-remaining')).toBe('0')
      const retryAfter = Number(res.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(0)
      expect(retryAfter).toBeLessThanOrEqual(900)
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      expect(await res.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } })
    }
    // Another client is not affected.
    const other = await asClient('203.0.113.11')(servers[1] as RunningServer, '/api/v1/auth/otp/request', { method: 'POST', body: '{}' })
    expect(other.status).not.toBe(429)
  })

  it(`limits the general API to ${API_MAX} requests per client, and never the health endpoints`, async () => {
    const client = asClient('203.0.113.20')
    for (let i = 0; i < API_MAX; i++) {
      const res = await client(servers[i % 2] as RunningServer, '/api/v1/me')
      expect(res.status, `request ${i + 1}`).not.toBe(429)
      expect(res.headers.get('ratelimit-remaining')).toBe(String(API_MAX - 1 - i))
    }
    const limited = await client(servers[1] as RunningServer, '/api/v1/me')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBeTruthy()
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED')
    for (let i = 0; i < API_MAX + 2; i++) expect((await client(servers[0] as RunningServer, '/healthz')).status).toBe(200)
    expect((await client(servers[0] as RunningServer, '/readyz')).status).toBe(200)
  })
})

describe('content security policy', () => {
  it('gives every script on the page the nonce of the CSP header, fresh for each response', async () => {
    const server = servers[0] as RunningServer
    const res = await fetch(`${server.url}/`)
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy') ?? ''
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src '))
    const nonce = scriptSrc?.match(/'nonce-([^']+)'/)?.[1]
    expect(nonce).toBeTruthy()
    expect(scriptSrc).not.toContain("'unsafe-inline'")
    expect(csp).toContain("frame-ancestors 'none'")

    const html = await res.text()
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map(([, attrs = '', body = '']) => ({
      nonce: attrs.match(/\bnonce="([^"]*)"/)?.[1],
      inline: !/\bsrc=/.test(attrs) && body.trim() !== '',
    }))
    expect(scripts.filter((s) => s.inline).length).toBeGreaterThanOrEqual(2) // hydration data and the module entry
    for (const s of scripts) expect(s.nonce).toBe(nonce)

    const next = (await fetch(`${server.url}/`)).headers.get('content-security-policy')
    expect(next).not.toContain(`'nonce-${nonce}'`)
  })
})

describe('cross-site form posts', () => {
  it('refuses a post to a page from another site with 403, and lets a same-origin one through', async () => {
    const server = servers[1] as RunningServer
    const forged = await fetch(`${server.url}/logout`, { method: 'POST', redirect: 'manual', headers: { origin: 'https://evil.example' } })
    expect(forged.status).toBe(403)
    expect(forged.headers.get('content-type')).toMatch(/text\/html/)
    expect(await forged.text()).toContain('Request refused')

    const own = await fetch(`${server.url}/logout`, { method: 'POST', redirect: 'manual', headers: { origin: server.url } })
    expect(own.status).not.toBe(403)
    expect(own.status).toBeLessThan(500)
  })

  it('refuses an API call carrying the session cookie from another site with 403 JSON; a bearer call is judged by its token', async () => {
    const client = asClient('203.0.113.30')
    const server = servers[0] as RunningServer
    const body = JSON.stringify({ productId: '0190f000-0000-7000-8000-000000000000' })
    const forged = await client(server, '/api/v1/user/wishlist', {
      method: 'POST',
      headers: { origin: 'https://evil.example', cookie: '__session=anything', 'content-type': 'application/json' },
      body,
    })
    expect(forged.status).toBe(403)
    expect(forged.headers.get('content-type')).toMatch(/application\/json/)
    expect(await forged.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    // With a bearer token the cookie plays no part: the request reaches the route (which refuses this token).
    const bearer = await client(server, '/api/v1/user/wishlist', {
      method: 'POST',
      headers: { origin: 'https://evil.example', cookie: '__session=anything', authorization: 'Bearer not.a.token', 'content-type': 'application/json' },
      body,
    })
    expect(bearer.status).toBe(401)
    expect(await bearer.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
  })
})
