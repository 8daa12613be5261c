/**
 * Security headers (helmet; rendered pages get a CSP with a fresh nonce for React Router's
 * inline scripts) and the cross-site check on state-changing requests (form posts, and API
 * calls made with the session cookie).
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import helmet, { contentSecurityPolicy } from 'helmet'
import { routingPath } from './rate-limit.server.ts'

const CLOUDINARY = 'https://res.cloudinary.com'
const RAZORPAY_CHECKOUT = 'https://checkout.razorpay.com'
const RAZORPAY_API = 'https://api.razorpay.com'
const GOOGLE_ACCOUNTS = 'https://accounts.google.com'

export interface SecurityOptions {
  /**
   * Served through Vite (development). Vite's client and HMR need nothing beyond the
   * production policy (same-origin module scripts, the nonce'd inline entry, a websocket
   * to this host, inline styles); only upgrade-insecure-requests is left out.
   */
  dev: boolean
  /** production: HSTS */
  production: boolean
  /** the public address; `https:` there turns on upgrade-insecure-requests */
  publicUrl?: string
  /** Google's authorisation endpoint (GOOGLE_AUTH_URL; tests point it at a local fake) */
  googleAuthUrl?: string
}

type Directive = string | ((req: IncomingMessage, res: ServerResponse) => string)

/** The Content-Security-Policy of rendered pages (helmet's format); values may be computed per request. */
export function cspDirectives(opts: SecurityOptions): Record<string, Directive[] | null> {
  const nonce: Directive = (_req, res) => `'nonce-${(res as unknown as Response).locals.cspNonce as string}'`
  // Socket.IO (and Vite's HMR in development) connect back to this host over ws(s);
  // CSP3 browsers already count that as 'self', older ones need it spelled out.
  const sameHostWs = (scheme: 'ws' | 'wss'): Directive => (req) => `${scheme}://${hostOf(req)}`
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    // No 'unsafe-inline' for scripts: every inline script React Router renders carries the nonce.
    'script-src': ["'self'", nonce, RAZORPAY_CHECKOUT],
    'script-src-attr': ["'none'"],
    // Inline style attributes (React `style`, charts) and Vite's injected CSS in development.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', CLOUDINARY],
    'media-src': ["'self'", 'data:', 'blob:', CLOUDINARY],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", sameHostWs('ws'), sameHostWs('wss'), RAZORPAY_API],
    'frame-src': [RAZORPAY_API],
    'object-src': ["'none'"],
    // Google's sign-in is a redirect after posting the sign-in form (browsers check it too).
    'form-action': ["'self'", ...new Set([GOOGLE_ACCOUNTS, originOf(opts.googleAuthUrl)].filter((o): o is string => Boolean(o)))],
    'frame-ancestors': ["'none'"],
    'upgrade-insecure-requests': opts.publicUrl?.startsWith('https:') && !opts.dev ? [] : null,
  }
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

function hostOf(req: IncomingMessage): string {
  const host = req.headers.host ?? 'localhost'
  // A Host header is only trusted this far: it must look like host[:port].
  return /^[\w.-]+(:\d+)?$|^\[[\da-f:.]+\](:\d+)?$/i.test(host) ? host : 'localhost'
}

/** The CSP of every response that is not a rendered page (JSON, files, the plain error pages): it loads nothing. */
const RESOURCE_CSP_DIRECTIVES = { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] }

/**
 * helmet's headers on every response, and `res.locals.cspNonce`: a fresh nonce, made when
 * first read. Reading it (entry.server.tsx does for every page it renders) also gives the
 * response the page CSP that lets scripts carrying the nonce run. Responses that never read
 * it (the API's JSON, files, the plain error pages) keep a fixed CSP that allows nothing,
 * and skip the random bytes and the per-request policy.
 */
export function securityHeaders(opts: SecurityOptions): RequestHandler {
  const pageCsp = contentSecurityPolicy({ useDefaults: false, directives: cspDirectives(opts) })
  const headers = baseHeaders(opts)
  const rethrow = (err?: unknown) => {
    if (err) throw err
  }
  return (req, res, next) => {
    let nonce: string | undefined
    Object.defineProperty(res.locals, 'cspNonce', {
      enumerable: true,
      get() {
        if (nonce === undefined) {
          nonce = randomBytes(16).toString('base64')
          if (!res.headersSent) pageCsp(req, res, rethrow)
        }
        return nonce
      },
    })
    headers(req, res, next)
  }
}

function baseHeaders(opts: SecurityOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: RESOURCE_CSP_DIRECTIVES },
    strictTransportSecurity: opts.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // Legacy twin of frame-ancestors 'none'.
    xFrameOptions: { action: 'deny' },
    // Cloudinary media carries no CORP header; Razorpay's checkout opens a popup.
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    // Product images under /uploads appear in order emails read in webmail and in link previews.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  }) as RequestHandler
}

/**
 * The headers securityHeaders() gives a response that is not a rendered page (they do not
 * depend on the request), for code that answers before Express: the API fast lane.
 */
export function resourceSecurityHeaders(opts: SecurityOptions): [string, string][] {
  const recorded = new Map<string, string>()
  const res = {
    setHeader: (name: string, value: unknown) => recorded.set(name, String(value)),
    removeHeader: (name: string) => recorded.delete(name),
  }
  baseHeaders(opts)({} as Request, res as unknown as Response, (err?: unknown) => {
    if (err) throw err
  })
  return [...recorded]
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Refuses state-changing requests that come from another site: form posts to pages, and
 * API calls that would be authenticated by the session cookie.
 *
 * The session cookie is SameSite=Lax, so browsers already leave it off cross-site
 * POSTs (though not from sibling subdomains, which count as the same site); this is the
 * second line. It looks at `Origin` (sent by browsers with every POST) or, without it,
 * `Referer`. A request with neither passes: only old browsers and non-browser clients
 * (curl, scripts) omit both, and those carry no victim's cookies — a cross-site forgery
 * needs the victim's browser, which sends Origin.
 *
 * Exempt: `/api/` requests with an `Authorization` header (the bearer token, not the
 * cookie, decides who they are) or with no cookie at all (mobile apps, signed payment
 * webhooks), and `/webhooks/` (signed by the sender).
 */
export function crossSiteGuard(opts: { publicUrl?: string }): RequestHandler {
  const publicOrigin = opts.publicUrl ? new URL(opts.publicUrl).origin : undefined
  return (req: Request, res: Response, next: NextFunction) => {
    if (!STATE_CHANGING.has(req.method.toUpperCase())) return next()
    const path = routingPath(req)
    if (path === '/webhooks' || path.startsWith('/webhooks/')) return next()
    const api = path === '/api' || path.startsWith('/api/')
    if (api && (req.get('authorization') || !req.get('cookie'))) return next()
    const source = req.get('origin') ?? req.get('referer')
    if (!source) return next()
    if (isSameOrigin(source, req, publicOrigin)) return next()
    if (api) {
      res.status(403).json({ error: { code: 'FORBIDDEN', message: 'This request came from another website, so it was refused. Use a bearer token, or call the API from this site.' } })
      return
    }
    res.status(403).type('html').send(crossSitePage())
  }
}

function isSameOrigin(source: string, req: Request, publicOrigin: string | undefined): boolean {
  let url: URL
  try {
    url = new URL(source) // "null" (sandboxed or privacy-sensitive contexts) throws: refused
  } catch {
    return false
  }
  if (url.origin === publicOrigin) return true
  // Behind a TLS-terminating proxy the app may see http while the browser used https,
  // so the scheme is not compared; the host (with port) must match the request's.
  // req.host honours `trust proxy` (X-Forwarded-Host from trusted hops only).
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === (req.host ?? '').toLowerCase()
}

function crossSitePage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Request refused</title></head>
<body>
<main>
<h1>Request refused</h1>
<p>This form was sent from another website, so we did not act on it. If you meant to do this, please go back to the shop and try again from there.</p>
<p><a href="/">Back to the shop</a></p>
</main>
</body>
</html>`
}
