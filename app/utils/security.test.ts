// The headers a browser gets and the cross-site check on form posts, through a real Express app.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import { afterAll, describe, expect, it } from 'vitest'
import { crossSiteGuard, securityHeaders, type SecurityOptions } from './security.server.ts'

const servers: Server[] = []
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r))
})

async function serve(opts: SecurityOptions): Promise<string> {
  const app = express()
  app.set('trust proxy', 'loopback')
  app.use(securityHeaders(opts), crossSiteGuard({ publicUrl: opts.publicUrl }))
  // An API answer asks for no nonce; everything else stands in for a rendered page, which does.
  app.get('/api/v1/products', (_req, res) => void res.json({ items: [] }))
  app.use((_req, res) => void res.send(`nonce:${res.locals.cspNonce as string}`))
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise((r) => server.once('listening', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function directives(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  )
}

describe('security headers in production', () => {
  it('sends a nonce-based CSP without unsafe-inline scripts, HSTS and the other headers', async () => {
    const base = await serve({ dev: false, production: true, publicUrl: 'https://shop.example.com', googleAuthUrl: 'https://accounts.google.com/o/oauth2/v2/auth' })
    const res = await fetch(`${base}/`)
    const nonce = (await res.text()).replace('nonce:', '')
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/)

    const csp = directives(res.headers.get('content-security-policy'))
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`, 'https://checkout.razorpay.com'])
    expect(csp.get('script-src')?.join(' ')).not.toMatch(/unsafe-(inline|eval)/)
    expect(csp.get('script-src-attr')).toEqual(["'none'"])
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:', 'https://res.cloudinary.com'])
    expect(csp.get('media-src')).toEqual(["'self'", 'data:', 'blob:', 'https://res.cloudinary.com'])
    const host = new URL(base).host
    expect(csp.get('connect-src')).toEqual(["'self'", `ws://${host}`, `wss://${host}`, 'https://api.razorpay.com'])
    expect(csp.get('frame-src')).toEqual(['https://api.razorpay.com'])
    expect(csp.get('form-action')).toEqual(["'self'", 'https://accounts.google.com'])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.has('upgrade-insecure-requests')).toBe(true)

    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/)
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups')

    // A fresh nonce for every response.
    const again = await (await fetch(`${base}/`)).text()
    expect(again).not.toBe(`nonce:${nonce}`)
  })

  it('gives answers that render no page (JSON, files) a fixed CSP that allows nothing, with the other headers', async () => {
    const base = await serve({ dev: false, production: true, publicUrl: 'https://shop.example.com' })
    const res = await fetch(`${base}/api/v1/products`)
    expect(await res.json()).toEqual({ items: [] })
    const csp = directives(res.headers.get('content-security-policy'))
    expect([...csp.keys()]).toEqual(['default-src', 'frame-ancestors'])
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
  })

  it('sends no HSTS and no upgrade-insecure-requests in development', async () => {
    const base = await serve({ dev: true, production: false, googleAuthUrl: 'http://127.0.0.1:4999/o/oauth2/v2/auth' })
    const res = await fetch(`${base}/`)
    expect(res.headers.get('strict-transport-security')).toBeNull()
    const csp = directives(res.headers.get('content-security-policy'))
    expect(csp.has('upgrade-insecure-requests')).toBe(false)
    expect(csp.get('form-action')).toEqual(["'self'", 'https://accounts.google.com', 'http://127.0.0.1:4999'])
    expect(csp.get('script-src')?.join(' ')).not.toMatch(/unsafe-inline/)
  })

  it('does not let a forged Host header inject CSP sources', async () => {
    const base = await serve({ dev: false, production: true })
    // fetch() forbids setting Host; a raw request does not.
    const { request } = await import('node:http')
    const header = await new Promise<string>((resolve, reject) => {
      const u = new URL(base)
      request({ host: u.hostname, port: u.port, path: '/', headers: { host: "evil; script-src 'unsafe-inline'" } }, (res) => {
        res.resume()
        resolve(String(res.headers['content-security-policy']))
      })
        .on('error', reject)
        .end()
    })
    expect(directives(header).get('script-src')).toEqual(["'self'", expect.stringMatching(/^'nonce-/), 'https://checkout.razorpay.com'])
    expect(directives(header).get('connect-src')).toContain('ws://localhost')
  })
})

describe('cross-site form posts', () => {
  const post = (base: string, path: string, headers: Record<string, string>) => fetch(base + path, { method: 'POST', headers, redirect: 'manual' })

  it('refuses a post to a page from another origin, with a page explaining why', async () => {
    const base = await serve({ dev: true, production: false })
    const res = await post(base, '/logout', { origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toMatch(/<h1>Request refused<\/h1>/)
    expect((await post(base, '/logout', { referer: 'https://evil.example/page' })).status).toBe(403)
    expect((await post(base, '/logout', { origin: 'null' })).status).toBe(403)
    expect((await post(base, '/cart.data', { origin: 'https://evil.example' })).status).toBe(403)
    expect((await fetch(`${base}/logout`, { method: 'DELETE', headers: { origin: 'https://evil.example' } })).status).toBe(403)
  })

  it('lets same-origin posts, header-less clients, reads, the API and webhooks through', async () => {
    const base = await serve({ dev: true, production: false })
    expect((await post(base, '/logout', { origin: base })).status).toBe(200)
    expect((await post(base, '/logout', { referer: `${base}/account` })).status).toBe(200)
    expect((await post(base, '/logout', {})).status).toBe(200)
    expect((await fetch(`${base}/logout`, { headers: { origin: 'https://evil.example' } })).status).toBe(200)
    expect((await post(base, '/api/v1/orders', { origin: 'https://evil.example' })).status).toBe(200)
    expect((await post(base, '/webhooks/razorpay', { origin: 'https://evil.example' })).status).toBe(200)
  })

  it('refuses a cookie-authenticated API call from another origin with 403 JSON; bearer and cookie-less calls pass', async () => {
    const base = await serve({ dev: true, production: false })
    const cookie = '__session=abc.sig'
    const forged = await post(base, '/api/v1/orders', { origin: 'https://evil.example', cookie })
    expect(forged.status).toBe(403)
    expect(forged.headers.get('content-type')).toMatch(/application\/json/)
    expect(await forged.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/another website/) } })
    expect((await post(base, '/API/v1/orders/../orders', { referer: 'https://evil.example/x', cookie })).status).toBe(403)
    expect((await fetch(`${base}/api/v1/user/wishlist/p1`, { method: 'DELETE', headers: { origin: 'https://evil.example', cookie } })).status).toBe(403)
    // The same call from the store's own pages, or with a bearer token (the cookie is then ignored).
    expect((await post(base, '/api/v1/orders', { origin: base, cookie })).status).toBe(200)
    expect((await post(base, '/api/v1/orders', { origin: 'https://evil.example', cookie, authorization: 'Bearer x.y.z' })).status).toBe(200)
    expect((await post(base, '/api/v1/orders', { cookie })).status).toBe(200)
    // Reads are never refused.
    expect((await fetch(`${base}/api/v1/products`, { headers: { origin: 'https://evil.example', cookie } })).status).toBe(200)
  })

  it('accepts the public origin behind a proxy, and only it', async () => {
    const base = await serve({ dev: false, production: true, publicUrl: 'https://shop.example.com' })
    expect((await post(base, '/logout', { origin: 'https://shop.example.com' })).status).toBe(200)
    expect((await post(base, '/logout', { origin: 'https://shop.example.com.evil.example' })).status).toBe(403)
    // A trusted proxy forwarding the public host.
    expect((await post(base, '/logout', { origin: 'https://www.shop.example', 'x-forwarded-host': 'www.shop.example' })).status).toBe(200)
  })
})
