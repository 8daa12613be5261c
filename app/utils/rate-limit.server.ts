/**
 * Per-client rate limits as Express middleware: fixed windows counted in the runtime's
 * RateLimitStore (Redis, so every instance shares them; in-process without Redis).
 * Answers carry the IETF draft `RateLimit-*` headers; over the limit, 429 + `Retry-After`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { Env } from './env.server.ts'
import { getLogger } from './logger.server.ts'
import type { RateLimitStore } from './rate-limit-store.server.ts'

export interface RateLimitRule {
  /** part of the counter key, and shown in logs */
  name: string
  max: number
  windowMs: number
  /** `path` is normalised: lower case, dot segments resolved, a trailing `.data` removed */
  matches: (method: string, path: string) => boolean
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)

/**
 * Payment provider webhooks come from a few provider addresses and carry a signature that is
 * checked before anything else (a forged one costs one HMAC), so per-client limits would only
 * delay real payment confirmations.
 */
const SIGNED_WEBHOOKS = new Set(['/api/v1/payments/razorpay/webhook'])

/**
 * The store's limits: the general API, and the tighter one for sign-in and payments.
 * A request may fall under both (e.g. `POST /api/v1/auth/otp/request`); each counts it.
 */
export function rateLimitRules(env: Pick<Env, 'RATE_LIMIT_WINDOW_MS' | 'RATE_LIMIT_API_MAX' | 'RATE_LIMIT_AUTH_MAX'>): RateLimitRule[] {
  return [
    { name: 'api', max: env.RATE_LIMIT_API_MAX, windowMs: env.RATE_LIMIT_WINDOW_MS, matches: (_m, p) => under(p, '/api/v1') && !SIGNED_WEBHOOKS.has(p) },
    {
      name: 'auth',
      max: env.RATE_LIMIT_AUTH_MAX,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
      matches: (m, p) =>
        (m === 'POST' && under(p, '/login')) ||
        under(p, '/auth') || // Google sign-in redirect and callback
        (m === 'POST' && under(p, '/api/v1/auth')) ||
        (under(p, '/api/v1/payments') && !SIGNED_WEBHOOKS.has(p)) ||
        p.startsWith('/checkout/payment'),
    },
  ]
}

/**
 * The path as React Router will route it: resolved against a base (dot segments, `//`),
 * percent-decoded and lower-cased (routes match case-insensitively), without the
 * `.data` suffix of single-fetch requests (a JS form post to /login goes to /login.data).
 */
export function routingPath(req: Pick<Request, 'originalUrl' | 'url'>): string {
  let path: string
  try {
    path = new URL((req.originalUrl || req.url).replace(/^\/+/, '/'), 'http://x').pathname
  } catch {
    path = '/'
  }
  try {
    path = decodeURIComponent(path)
  } catch {
    // malformed escapes: match on the raw path
  }
  path = path.toLowerCase().replace(/\/{2,}/g, '/')
  if (path === '/_root.data') return '/'
  if (path.endsWith('.data')) path = path.slice(0, -'.data'.length)
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  return path
}

export interface RateLimitOptions {
  rules: RateLimitRule[]
  /** resolved per request: the runtime's store is created after the middleware is mounted */
  store: () => RateLimitStore
  /**
   * false while the store is known to be down (Redis disconnected): requests pass at once
   * instead of each waiting for a command to time out
   */
  available?: () => boolean
  /** longest wait for the store before letting the request pass */
  timeoutMs?: number
  /** minimum time between two "store unavailable" warnings */
  warnEveryMs?: number
}

export interface Outcome {
  rule: RateLimitRule
  count: number
  resetMs: number
}

/**
 * Requests whose hits were already counted before Express saw them (the API fast lane counts
 * while it reads the cache, then hands a miss to the full handler): counted once, not twice.
 */
const precounted = new WeakMap<object, Outcome[]>()
export function markCounted(req: object, outcomes: Outcome[]): void {
  precounted.set(req, outcomes)
}

/** The `RateLimit-*` headers for a request's outcomes, and whether a limit is exceeded. */
export function limitHeaders(outcomes: Outcome[]): { headers: [string, string][]; exceeded: boolean; resetSeconds: number; shown: Outcome } {
  // Report the tightest limit: the exceeded one, else the one with the fewest requests left.
  const remaining = (o: Outcome) => o.rule.max - o.count
  const shown = outcomes.reduce((a, b) => (remaining(b) < remaining(a) ? b : a))
  const resetSeconds = Math.max(1, Math.ceil(shown.resetMs / 1000))
  const headers: [string, string][] = [
    ['RateLimit-Policy', outcomes.map((o) => `${o.rule.max};w=${Math.round(o.rule.windowMs / 1000)}`).join(', ')],
    ['RateLimit-Limit', String(shown.rule.max)],
    ['RateLimit-Remaining', String(Math.max(0, remaining(shown)))],
    ['RateLimit-Reset', String(resetSeconds)],
  ]
  return { headers, exceeded: remaining(shown) < 0, resetSeconds, shown }
}

/** The API's 429 body. */
export function rateLimitedJson(resetSeconds: number): string {
  return JSON.stringify({ error: { code: 'RATE_LIMITED', message: `Too many requests. Retry in ${describeWait(resetSeconds)}.` } })
}

/** Counts the request under every rule it matches; answers 429 when any is exceeded. */
export function rateLimit({ rules, store, available = () => true, timeoutMs = 1_000, warnEveryMs = 60_000 }: RateLimitOptions): RequestHandler {
  let lastWarning = 0
  let skippedSinceWarning = 0
  return async (req: Request, res: Response, next: NextFunction) => {
    const path = routingPath(req)
    if (path === '/healthz' || path === '/readyz') return next()
    const method = req.method.toUpperCase()
    const matched = rules.filter((r) => r.matches(method, path))
    if (!matched.length) return next()

    // req.ip honours the app's `trust proxy` setting (X-Forwarded-For only from trusted hops).
    const client = clientKey(req.ip ?? req.socket.remoteAddress ?? 'unknown')
    let outcomes = precounted.get(req)
    if (!outcomes) {
      try {
        if (!available()) throw new Error('store not connected')
        const s = store()
        const hits = Promise.all(matched.map(async (rule) => ({ rule, ...(await s.hit(`${rule.name}:${client}`, rule.windowMs)) })))
        outcomes = await withTimeout(hits, timeoutMs)
      } catch (err) {
        // Fail open: an outage of the counter store must not take the shop down with it.
        skippedSinceWarning++
        const now = Date.now()
        if (now - lastWarning >= warnEveryMs) {
          getLogger().warn('rate limit store unavailable; requests pass unlimited', {
            error: err instanceof Error ? err.message : String(err),
            skipped: skippedSinceWarning,
          })
          lastWarning = now
          skippedSinceWarning = 0
        }
        return next()
      }
    }

    const { headers, exceeded, resetSeconds, shown } = limitHeaders(outcomes)
    for (const [name, value] of headers) res.setHeader(name, value)
    if (!exceeded) return next()

    res.status(429).setHeader('Retry-After', String(resetSeconds))
    getLogger().debug('rate limited', { requestId: res.locals.requestId, limit: shown.rule.name, path: req.path })
    const wait = describeWait(resetSeconds)
    if (path === '/api' || path.startsWith('/api/')) {
      res.type('json').send(rateLimitedJson(resetSeconds))
    } else {
      res.type('html').send(tooManyRequestsPage(wait))
    }
  }
}

/**
 * The counter key for a client address: IPv4 as is; IPv6 by its /64 network, since one
 * subscriber usually holds a whole /64 and could otherwise rotate addresses at will.
 */
export function clientKey(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice('::ffff:'.length)
  if (!ip.includes(':')) return ip
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

function tooManyRequestsPage(wait: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Too many attempts</title></head>
<body>
<main>
<h1>Too many attempts</h1>
<p>For your security we have paused these requests from your connection. Please try again in ${wait}.</p>
<p><a href="/">Back to the shop</a></p>
</main>
</body>
</html>`
}
