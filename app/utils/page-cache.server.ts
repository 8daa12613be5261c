/**
 * Rendered catalogue pages for anonymous visitors, kept in process.
 *
 * A page that no visitor state can change (no session or cart cookie, no bearer token) is the
 * same for everyone who asks for its URL until the catalogue changes. The first request renders
 * it as usual; its HTML is kept with the cache generation read *before* rendering (the counter
 * every catalogue invalidation moves on, on any instance: see Cache.generation). Later requests
 * for the URL at the same generation get that HTML, with a fresh CSP nonce put in place of the
 * one it was rendered with, and the headers it was sent with; any catalogue write makes every
 * kept page stale at once, so a read after a write's response never shows the old page.
 *
 * The same goes for a page's single-fetch data (`/products/x.data`: what client-side navigation
 * loads), which carries no nonce. Only complete 200 answers of those two types that set no
 * cookie and had no error while streaming are
 * kept; entries also expire after `maxAgeMs`, and the oldest go beyond `maxEntries` or
 * `maxTotalBytes`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'

export interface PageCacheOptions {
  /** whether this request's page may be shared (anonymous, a catalogue page) */
  shareable: (req: Request) => boolean
  /** the catalogue cache generation; a failure skips the page cache for the request */
  generation: () => Promise<string>
  maxAgeMs: number
  maxEntries?: number
  /** larger pages are not kept */
  maxBytes?: number
  /** all kept pages together */
  maxTotalBytes?: number
}

interface Page {
  generation: string
  storedAt: number
  /** the HTML cut where its nonce was (one piece when it has none) */
  pieces: Buffer[]
  hasNonce: boolean
  bytes: number
  headers: [string, string | number | string[]][]
}

/** Headers that belong to one response, not to the page. */
const PER_RESPONSE = new Set([
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'connection',
  'keep-alive',
  'date',
  'vary',
  'x-request-id',
  'content-security-policy',
  'set-cookie',
  'retry-after',
])

const NONCE = /'nonce-([^']+)'/
/** pages, and the single-fetch data (`.data`) that client-side navigation loads instead */
const SHAREABLE_TYPES = /^text\/(html|x-script)\b/

export function pageCache(opts: PageCacheOptions): RequestHandler {
  const pages = new Map<string, Page>()
  const maxEntries = opts.maxEntries ?? 500
  const maxBytes = opts.maxBytes ?? 512 * 1024
  const maxTotalBytes = opts.maxTotalBytes ?? 64 * 1024 * 1024
  let totalBytes = 0
  const drop = (key: string) => {
    const page = pages.get(key)
    if (!page) return
    pages.delete(key)
    totalBytes -= page.bytes
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || !opts.shareable(req)) return next()
    let generation: string
    try {
      generation = await opts.generation()
    } catch {
      return next()
    }
    // Everything React Router builds the request URL from (pages print it: canonical links),
    // so a forged Host or X-Forwarded-Host only ever gets its own copy, never someone else's.
    const key = [req.protocol, req.get('host') ?? '', req.get('x-forwarded-host') ?? '', req.originalUrl].join('\n')
    const page = pages.get(key)
    if (page && page.generation === generation && Date.now() - page.storedAt <= opts.maxAgeMs) {
      // Reading the nonce gives this response its own page CSP (securityHeaders).
      const nonce = page.hasNonce ? Buffer.from(String(res.locals.cspNonce)) : undefined
      for (const [name, value] of page.headers) if (!res.hasHeader(name)) res.setHeader(name, value)
      const parts: Buffer[] = []
      page.pieces.forEach((piece, i) => {
        if (i > 0 && nonce) parts.push(nonce)
        parts.push(piece)
      })
      res.status(200).end(Buffer.concat(parts))
      return
    }
    if (page) drop(key)

    const chunks: Buffer[] = []
    let size = 0
    const collect = (chunk: unknown, encoding?: unknown) => {
      if (size > maxBytes || chunk === undefined || chunk === null || typeof chunk === 'function') return
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array)
      size += buf.length
      chunks.push(buf)
    }
    const write = res.write.bind(res) as (...args: unknown[]) => boolean
    const end = res.end.bind(res) as (...args: unknown[]) => Response
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0])
      return write(chunk, ...rest)
    }) as Response['write']
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0])
      return end(chunk, ...rest)
    }) as Response['end']
    res.once('finish', () => {
      const type = String(res.getHeader('content-type') ?? '')
      if (res.statusCode !== 200 || !SHAREABLE_TYPES.test(type) || res.hasHeader('set-cookie') || res.locals.pageFailed === true || size > maxBytes) return
      const csp = String(res.getHeader('content-security-policy') ?? '')
      const headers = Object.entries(res.getHeaders())
        .filter(([name]) => !PER_RESPONSE.has(name) && !name.startsWith('ratelimit'))
        .filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined)
      const html = Buffer.concat(chunks)
      const nonce = NONCE.exec(csp)?.[1]
      drop(key)
      pages.set(key, { generation, storedAt: Date.now(), pieces: nonce ? split(html, Buffer.from(nonce)) : [html], hasNonce: Boolean(nonce), headers, bytes: html.length })
      totalBytes += html.length
      while (pages.size > maxEntries || totalBytes > maxTotalBytes) drop(pages.keys().next().value as string)
    })
    next()
  }
}

/** `buf` cut at every occurrence of `sep` (which is left out). */
function split(buf: Buffer, sep: Buffer): Buffer[] {
  const pieces: Buffer[] = []
  let from = 0
  for (let at = buf.indexOf(sep, from); at !== -1; at = buf.indexOf(sep, from)) {
    pieces.push(buf.subarray(from, at))
    from = at + sep.length
  }
  pieces.push(buf.subarray(from))
  return pieces
}
