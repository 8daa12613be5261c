// The rate limiter as clients meet it: headers on every limited answer, 429 as JSON for
// the API and as a page for forms, a fresh window after the reset, fail-open on outages.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getLogger } from './logger.server.ts'
import { clientKey, rateLimit, rateLimitRules, routingPath } from './rate-limit.server.ts'
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit-store.server.ts'

const WINDOW_MS = 2_000
let store: RateLimitStore = new MemoryRateLimitStore()
let storeUp = true
let server: Server
let base: string

beforeAll(async () => {
  const app = express()
  app.set('trust proxy', 'loopback')
  app.use(rateLimit({ rules: rateLimitRules({ RATE_LIMIT_WINDOW_MS: WINDOW_MS, RATE_LIMIT_API_MAX: 5, RATE_LIMIT_AUTH_MAX: 2 }), store: () => store, available: () => storeUp, timeoutMs: 300 }))
  app.use((_req, res) => void res.status(200).send('ok'))
  server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

let clientSeq = 0
/** A distinct client per test: X-Forwarded-For is trusted from loopback, as behind a proxy. */
function client() {
  const ip = `198.51.100.${++clientSeq}`
  return (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, headers: { 'x-forwarded-for': ip, ...init.headers } })
}

describe('rate limits', () => {
  it('counts API requests per client and reports them in RateLimit-* headers', async () => {
    const get = client()
    const first = await get('/api/v1/products')
    expect(first.status).toBe(200)
    expect(first.headers.get('ratelimit-limit')).toBe('5')
    expect(first.headers.get('ratelimit-remaining')).toBe('4')
    expect(Number(first.headers.get('ratelimit-reset'))).toBe(2)
    expect(first.headers.get('ratelimit-policy')).toBe('5;w=2')
    for (let i = 0; i < 4; i++) expect((await get('/api/v1/products')).status).toBe(200)

    const limited = await get('/api/v1/products')
    expect(limited.status).toBe(429)
    expect(['1', '2']).toContain(limited.headers.get('retry-after'))
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
    expect(limited.headers.get('content-type')).toMatch(/application\/json/)
    expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/retry in [12] seconds?/i) } })

    // Another client is unaffected.
    expect((await client()('/api/v1/products')).status).toBe(200)
  })

  it('leaves other paths and the health endpoints alone', async () => {
    const get = client()
    for (let i = 0; i < 8; i++) {
      const res = await get('/products/shirt')
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit-limit')).toBeNull()
    }
    for (let i = 0; i < 8; i++) expect((await get('/healthz')).status).toBe(200)
  })

  it('applies the tighter auth limit to sign-in, including single-fetch and odd spellings, with an HTML page', async () => {
    const post = client()
    expect((await post('/login', { method: 'POST' })).status).toBe(200)
    expect((await post('/LOGIN.data', { method: 'POST' })).headers.get('ratelimit-remaining')).toBe('0')
    const page = await post('//login/', { method: 'POST' })
    expect(page.status).toBe(429)
    expect(page.headers.get('retry-after')).toBeTruthy()
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    const html = await page.text()
    expect(html).toContain('<html lang="en">')
    expect(html).toMatch(/<h1>Too many attempts<\/h1>/)
    expect(html).toMatch(/try again in [12] seconds?/i)
    // Viewing the sign-in page is not a sign-in attempt.
    expect((await post('/login')).status).toBe(200)
  })

  it('shows the tightest limit when the API and auth limits both apply', async () => {
    const post = client()
    const res = await post('/api/v1/auth/otp/request', { method: 'POST' })
    expect(res.headers.get('ratelimit-limit')).toBe('2')
    expect(res.headers.get('ratelimit-remaining')).toBe('1')
    expect(res.headers.get('ratelimit-policy')).toBe('5;w=2, 2;w=2')
    await post('/api/v1/auth/otp/request', { method: 'POST' })
    const limited = await post('/api/v1/auth/otp/verify', { method: 'POST' })
    expect(limited.status).toBe(429)
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED')
  })

  it.each(['/auth/google', '/api/v1/payments/razorpay/order', '/api/v1/payments/razorpay/verify', '/checkout/payment', '/checkout/payment/0191f3b2-0000-7000-8000-000000000000'])(
    '%s falls under the auth and payment limit',
    async (path) => {
      const post = client()
      const res = await post(path, { method: 'POST' })
      expect(res.headers.get('ratelimit-limit')).toBe('2')
    },
  )

  it('leaves the signed payment webhook unlimited: a provider sends every delivery from a few addresses', async () => {
    const post = client()
    for (let i = 0; i < 8; i++) {
      const res = await post('/api/v1/payments/razorpay/webhook', { method: 'POST' })
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit-limit')).toBeNull()
    }
  })

  it('starts a fresh window after the reset', async () => {
    const post = client()
    for (let i = 0; i < 2; i++) await post('/login', { method: 'POST' })
    expect((await post('/login', { method: 'POST' })).status).toBe(429)
    await new Promise((r) => setTimeout(r, WINDOW_MS + 50))
    const again = await post('/login', { method: 'POST' })
    expect(again.status).toBe(200)
    expect(again.headers.get('ratelimit-remaining')).toBe('1')
  })

  it('fails open when the store is down, and warns rather than blocking', async () => {
    const healthy = store
    let calls = 0
    store = {
      hit: async () => {
        calls++
        throw new Error('Connection is closed.')
      },
      reset: async () => undefined,
    }
    const warn = vi.spyOn(getLogger(), 'warn')
    try {
      const post = client()
      for (let i = 0; i < 5; i++) {
        const res = await post('/login', { method: 'POST' })
        expect(res.status).toBe(200)
        expect(res.headers.get('ratelimit-limit')).toBeNull()
      }
      expect(calls).toBe(5)
      // One warning, not one per request.
      expect(warn).toHaveBeenCalledTimes(1)
      expect(warn.mock.calls[0]?.[0]).toMatch(/rate limit store unavailable/)
    } finally {
      warn.mockRestore()
      store = healthy
    }
  })
})

describe('rate limits while the store is down or slow', () => {
  it('lets requests through at once while the store is known to be disconnected', async () => {
    const healthy = store
    let calls = 0
    store = { hit: async () => (calls++, { count: 1, resetMs: 1 }), reset: async () => undefined }
    storeUp = false
    try {
      const post = client()
      for (let i = 0; i < 4; i++) expect((await post('/login', { method: 'POST' })).status).toBe(200)
      expect(calls).toBe(0)
    } finally {
      storeUp = true
      store = healthy
    }
  })

  it('does not let a hanging store hold requests longer than the timeout', async () => {
    const healthy = store
    store = { hit: () => new Promise(() => undefined), reset: async () => undefined }
    try {
      const started = Date.now()
      expect((await client()('/login', { method: 'POST' })).status).toBe(200)
      expect(Date.now() - started).toBeLessThan(1_500)
    } finally {
      store = healthy
    }
  })
})

describe('routingPath', () => {
  it.each([
    ['/login?x=1', '/login'],
    ['/Login.data', '/login'],
    ['//api//v1/products/', '/api/v1/products'],
    ['/a/../api/v1/x', '/api/v1/x'],
    ['/%61pi/v1', '/api/v1'],
    ['/_root.data', '/'],
    ['/%E0%A4%A', '/%e0%a4%a'],
  ])('%s → %s', (url, expected) => {
    expect(routingPath({ originalUrl: url, url })).toBe(expected)
  })
})

describe('clientKey', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:85a3:1:aaaa:bbbb:cccc:dddd', '2001:db8:85a3:1::/64'],
    ['2001:db8:85a3:1::1', '2001:db8:85a3:1::/64'],
    ['2001:0db8::7', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key)
  })
})
