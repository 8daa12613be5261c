// The page cache as Express middleware in front of a stand-in renderer: what it keeps (complete
// 200 HTML pages without cookies or streaming errors), a fresh nonce per answer, and what
// makes a kept page stale (a new generation, its age).
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pageCache } from './page-cache.server.ts'

let generation = 1
let renders = 0
let maxAgeMs = 60_000
let server: ReturnType<express.Express['listen']>
let origin = ''
let nonces = 0

beforeAll(async () => {
  const app = express()
  app.use((_req, res, next) => {
    const nonce = `nonce${++nonces}`
    res.setHeader('Content-Security-Policy', `script-src 'nonce-${nonce}'`)
    res.locals.cspNonce = nonce
    next()
  })
  app.use(
    pageCache({
      shareable: (req) => !req.headers.cookie,
      generation: async () => String(generation),
      get maxAgeMs() {
        return maxAgeMs
      },
    }),
  )
  app.get(/.*/, (req, res) => {
    renders++
    const nonce = String(res.locals.cspNonce)
    if (req.path.endsWith('/cookie')) res.setHeader('Set-Cookie', 'a=b')
    if (req.path.endsWith('/missing')) res.status(404)
    if (req.path.endsWith('/json')) return res.json({ n: renders })
    if (req.path.endsWith('/failed')) res.locals.pageFailed = true
    res.type('html')
    res.write(`<html><script nonce="${nonce}">1</script>`)
    res.end(`<p>render ${renders}</p><script nonce="${nonce}">2</script></html>`)
  })
  server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((r) => server.close(() => r())))

const get = async (p: string, headers: Record<string, string> = {}) => {
  const res = await fetch(origin + p, { headers })
  return { res, html: await res.text(), nonce: /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1] }
}

describe('page cache', () => {
  it('keeps a page until its age runs out or the generation moves, each answer with its own nonce', async () => {
    const first = await get('/page')
    const second = await get('/page')
    expect(second.html).toContain(first.html.match(/render \d+/)?.[0])
    expect(second.nonce).not.toBe(first.nonce)
    expect(second.html).toBe(`<html><script nonce="${second.nonce}">1</script><p>${first.html.match(/render \d+/)?.[0]}</p><script nonce="${second.nonce}">2</script></html>`)
    expect(second.res.headers.get('content-type')).toBe('text/html; charset=utf-8')

    generation++
    const third = await get('/page')
    expect(third.html).not.toContain(first.html.match(/render \d+/)?.[0])

    maxAgeMs = 0
    await new Promise((r) => setTimeout(r, 5))
    const fourth = await get('/page')
    expect(fourth.html).not.toContain(third.html.match(/render \d+/)?.[0])
    maxAgeMs = 60_000
  })

  it('never keeps answers that set a cookie, are not 200, not HTML, or failed while streaming; never serves visitors with state', async () => {
    for (const p of ['/cookie', '/missing', '/json', '/failed']) {
      const before = renders
      await get(p)
      await get(p)
      expect([p, renders - before]).toEqual([p, 2])
    }
    const before = renders
    await get('/shared')
    await get('/shared')
    expect(renders - before).toBe(1)
    await get('/shared', { cookie: '__session=x' })
    expect(renders - before).toBe(2)
  })
})
