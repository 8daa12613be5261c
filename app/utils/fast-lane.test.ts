// The fast lane without Redis (in-process counters and cache) on a real HTTP server: a miss
// goes to the fallback with its hit counted, a hit is served from the cache, an invalidation
// is seen at once, the limit answers 429, and Accept-Encoding is honoured.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryCache } from './cache.server.ts'
import { createFastLane, MemoryFastLaneStore, negotiate } from './fast-lane.server.ts'
import { MemoryRateLimitStore } from './rate-limit-store.server.ts'
import type { RateLimitRule } from './rate-limit.server.ts'

const cache = new MemoryCache()
const counters = new MemoryRateLimitStore()
const rule: RateLimitRule = { name: 'api', max: 5, windowMs: 60_000, matches: (_m, p) => p.startsWith('/api/v1') }
const lines: { path: string; status: number }[] = []
let fallbacks = 0
let server: http.Server
let origin = ''

beforeAll(async () => {
  const lane = createFastLane({
    store: () => new MemoryFastLaneStore(counters, cache),
    rules: [rule],
    cacheKeyFor: (path, search) => (path.startsWith('/api/v1/products') ? `k:${path}?${search}` : null),
    clientAddress: (req) => String(req.headers['x-client'] ?? req.socket.remoteAddress),
    headers: [['X-Content-Type-Options', 'nosniff']],
    requestId: () => 'rid',
    logRequest: (l) => lines.push(l),
    ready: () => true,
  })
  server = http.createServer((req, res) => {
    const full = () => {
      fallbacks++
      res.end('full stack')
    }
    if (!lane(req, res, full)) full()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((r) => server.close(() => r())))

const get = (path: string, client: string, headers: Record<string, string> = {}) => fetch(`${origin}${path}`, { headers: { 'X-Client': client, ...headers } })

describe('fast lane (in-process stores)', () => {
  it('passes misses and other requests on, serves hits, and sees invalidations at once', async () => {
    const before = fallbacks
    expect(await (await get('/api/v1/products?page=1', 'c1')).text()).toBe('full stack')
    expect(await (await get('/elsewhere', 'c1')).text()).toBe('full stack')
    expect(fallbacks - before).toBe(2)

    await cache.set('k:/api/v1/products?page=1', '{"items":[1]}', 60_000, ['p:1'])
    const hit = await get('/api/v1/products?page=1', 'c1')
    expect(hit.status).toBe(200)
    expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(hit.headers.get('x-content-type-options')).toBe('nosniff')
    expect(hit.headers.get('ratelimit-remaining')).toBe('3') // the miss counted too, once
    expect(await hit.text()).toBe('{"items":[1]}')
    expect(lines.at(-1)).toMatchObject({ path: '/api/v1/products', status: 200 })

    await cache.invalidateTags(['p:1'])
    await cache.set('k:/api/v1/products?page=1', '{"items":[2]}', 60_000, ['p:1'])
    expect(await (await get('/api/v1/products?page=1', 'c1')).text()).toBe('{"items":[2]}')
  })

  it('answers 429 with Retry-After past the limit', async () => {
    await cache.set('k:/api/v1/products/x?', '{"id":"x"}', 60_000)
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await get('/api/v1/products/x', 'c2')).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    const limited = await get('/api/v1/products/x', 'c2')
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } })
  })

  it('negotiates gzip or identity, and steps aside for what it does not do', () => {
    expect(negotiate(undefined)).toBe('identity')
    expect(negotiate('gzip, deflate, br')).toBe('gzip')
    expect(negotiate('br;q=1, gzip;q=0')).toBe('identity')
    expect(negotiate('br, identity;q=0')).toBeNull()
    expect(negotiate('*;q=0')).toBeNull()
  })
})
