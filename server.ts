/**
 * Composition root: configuration, database (embedded or external), Redis (or in-process
 * stand-ins), Express + React Router + Socket.IO on one HTTP server, the job workers, and
 * graceful shutdown.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { pathToFileURL } from 'node:url'
import compression from 'compression'
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import proxyaddr from 'proxy-addr'
import { Server as SocketServer } from 'socket.io'
import type { ViteDevServer } from 'vite'
import { hasControlChars } from '#app/domain/text.ts'
import { reportCacheStats } from '#app/services/catalog-cache.server.ts'
import { cachedApiReadKey } from '#app/services/catalog.server.ts'
import { EnvError, parseEnv, type Env } from '#app/utils/env.server.ts'
import { createFastLane } from '#app/utils/fast-lane.server.ts'
import { pageCache } from '#app/utils/page-cache.server.ts'
import { getLogger, logRequestLine } from '#app/utils/logger.server.ts'
import { rateLimit, rateLimitRules } from '#app/utils/rate-limit.server.ts'
import { runInRequest } from '#app/utils/request-context.server.ts'
import { checkReadiness, closeRuntime, initRuntime, type Runtime } from '#app/utils/runtime.server.ts'
import { crossSiteGuard, resourceSecurityHeaders, securityHeaders } from '#app/utils/security.server.ts'
import { exitOnSignals } from '#app/utils/shutdown.server.ts'
import { migrateDeploy, SchemaEngineError } from '#prisma/engine/index.ts'
import { DatabaseNotEmptyError, isDatabaseEmpty, seed } from '#prisma/seed/index.ts'
import type { AppSocketServer } from './server/app.ts'
import type * as ServerApp from './server/app.ts'
import { startWorkers } from './worker.ts'

type ServerModule = typeof ServerApp

function loadEnv(): Env {
  try {
    return parseEnv(process.env)
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
}

const REQUEST_ID = /^[\w.-]{1,100}$/

/** The caller's X-Request-Id when it is a sane token, else a new one. */
function requestIdOf(req: http.IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

interface RequestLine {
  requestId: string
  method: string
  path: string
  status: number
  durationMs: number
  userId?: unknown
}

function logRequest(line: RequestLine) {
  // A 503 from /readyz is the readiness probe doing its job (starting, Redis down): not an error.
  const level = line.status >= 500 ? (line.path === '/readyz' ? 'warn' : 'error') : 'info'
  logRequestLine(level, { ...line })
}

/** One log line per request: id, method, path, status, duration. Code below runs in the request's context (its id). */
function requestLogger(req: Request, res: Response, next: NextFunction) {
  const started = process.hrtime.bigint()
  const requestId = requestIdOf(req)
  res.locals.requestId = requestId
  // Routes read it from the request (audit entries, logs), so a generated id goes there too.
  req.headers['x-request-id'] = requestId
  res.setHeader('X-Request-Id', requestId)
  res.on('finish', () => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6
    logRequest({ requestId, method: req.method, path: req.path, status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10, userId: res.locals.userId })
  })
  runInRequest(requestId, next)
}

const isApiPath = (path: string) => path.startsWith('/api/')

/**
 * Nonsense in the URL gets a 400 before any route sees it: a path that does not decode (a
 * malformed escape, bytes that are not UTF-8) or holds a control character, and query keys or
 * values holding a control character other than tab and line breaks (PostgreSQL cannot even
 * store NUL). The query is read as the routes read it (URLSearchParams, which keeps a malformed
 * escape as typed), so `/search?q=100%` still searches for "100%".
 */
function rejectNonsenseUrl(req: Request, res: Response, next: NextFunction) {
  const url = req.originalUrl
  const at = url.indexOf('?')
  const rawPath = at === -1 ? url : url.slice(0, at)
  let problem: string | undefined
  try {
    if (hasControlChars(decodeURIComponent(rawPath))) problem = 'The address holds a control character.'
  } catch {
    problem = 'The address is malformed (a broken %-escape).'
  }
  if (!problem && at !== -1) {
    for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
      if (hasControlChars(key, { multiline: true }) || hasControlChars(value, { multiline: true })) {
        problem = 'The address holds a control character.'
        break
      }
    }
  }
  if (!problem) return next()
  res.status(400)
  if (isApiPath(rawPath)) res.json({ error: { code: 'BAD_REQUEST', message: problem } })
  else res.type('html').send(`<!doctype html><title>Bad request</title><h1>Bad request</h1><p>${problem}</p><p><a href="/">Go to the shop</a></p>`)
}

/**
 * Home, product, category and search pages (and their single-fetch `.data`, `/_root.data` for
 * home) look the same to every visitor without a session, cart or token.
 */
const CATALOGUE_PAGE = /^\/(?:products\/[^/]+|c\/[^/]+|search(?:\.data)?|_root\.data)?$/
const VISITOR_STATE = /(?:^|;\s*)(?:__session|cart)=/
function shareablePage(req: Request): boolean {
  return CATALOGUE_PAGE.test(req.path) && !req.headers.authorization && !VISITOR_STATE.test(req.headers.cookie ?? '')
}

/**
 * express.static over the build's client files, consulted only for paths that could name one
 * of them: the first segment (decoded and normalised, as the file lookup does) must be an entry
 * of the directory, which is fixed for the life of the build. The API and pages skip the disk.
 */
function clientFiles(dir: string): RequestHandler {
  const entries = new Set(fs.readdirSync(dir))
  const serve = express.static(dir, { maxAge: '1h' })
  return (req, res, next) => {
    let first: string
    try {
      // `/` names the directory's index.html.
      first = path.posix.normalize(decodeURIComponent(req.path)).split('/')[1] || 'index.html'
    } catch {
      return next() // a malformed escape names no file (express.static passes it on too)
    }
    if (entries.has(first)) return serve(req, res, next)
    next()
  }
}

/** Applies migrations (retrying while the database is unreachable), then seeds an empty database. */
async function bootstrap(rt: Runtime, signal: AbortSignal) {
  const log = getLogger()
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      const { applied } = await migrateDeploy(rt.databaseUrl)
      if (applied.length) log.info('migrations applied', { applied })
      break
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      // A failed migration is a bug to fix, not an outage to wait out.
      if (err instanceof SchemaEngineError && err.migrationName) {
        log.error('migration failed; the store stays unready until it is fixed', { migration: err.migrationName, error: message })
        return
      }
      log.warn('database not reachable yet; retrying', { attempt, error: message })
      await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 10_000)))
    }
  }
  if (signal.aborted) return
  if (rt.env.SEED_ON_EMPTY && (await isDatabaseEmpty(rt.databaseUrl))) {
    log.info('empty database: seeding the demo store (first start only)')
    const started = Date.now()
    try {
      const result = await seed({ url: rt.databaseUrl, uploadDir: rt.env.UPLOAD_DIR, paymentTimeoutMinutes: rt.env.PAYMENT_TIMEOUT_MINUTES, log: (msg: string) => log.info(msg) })
      log.info('demo data ready', { ...result, ms: Date.now() - started })
    } catch (err) {
      // Another instance starting at the same moment seeded first: nothing left to do.
      if (!(err instanceof DatabaseNotEmptyError)) throw err
      log.info('demo data was seeded by another instance')
    }
  }
  rt.bootstrapped = true
  if (rt.env.RUN_WORKER) await startWorkers(rt)
}

async function main() {
  const env = loadEnv()
  // Proxies whose X-Forwarded-* are believed (Express's `trust proxy`, and the fast lane's client address).
  const TRUSTED_PROXIES = env.TRUST_PROXY
  const log = getLogger()
  const root = process.cwd()

  // Database: the configured server, or an embedded PostgreSQL persisted under DATA_DIR.
  let database: { url: string; mode: 'embedded' | 'external'; poolMax: number; stop?: () => Promise<void> }
  if (env.DATABASE_URL) {
    database = { url: env.DATABASE_URL, mode: 'external', poolMax: env.DB_POOL_MAX }
  } else {
    const { startEmbeddedPostgres, EMBEDDED_POOL_MAX } = await import('#app/utils/embedded-pg.server.ts')
    const pg = await startEmbeddedPostgres({ dataDir: path.resolve(env.DATA_DIR, 'pglite'), port: 0, logger: log })
    database = { url: pg.url, mode: 'embedded', poolMax: EMBEDDED_POOL_MAX, stop: pg.stop }
    log.info('using embedded PostgreSQL (set DATABASE_URL to use a server)', { dataDir: path.resolve(env.DATA_DIR, 'pglite') })
  }
  const rt = initRuntime(env, database)
  if (!env.REDIS_URL) log.info('REDIS_URL not set: cache, locks, rate limits, sessions and jobs run in-process (single instance)')

  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', TRUSTED_PROXIES.join(', '))
  app.use(requestLogger)
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true })
  })
  app.get('/readyz', async (_req, res) => {
    const r = await checkReadiness(rt)
    res.status(r.ready ? 200 : 503).json(r)
  })
  // Security headers on every answer below (pages, assets, errors); a page's CSP nonce goes to
  // React Router through the load context (server/app.ts) and onto its inline scripts.
  const servesBuild = path.basename(process.argv[1] ?? '') === 'server.js'
  const securityOptions = { dev: !servesBuild, production: env.NODE_ENV === 'production', publicUrl: env.PUBLIC_URL, googleAuthUrl: env.GOOGLE_AUTH_URL }
  app.use(securityHeaders(securityOptions))
  app.use(crossSiteGuard({ publicUrl: env.PUBLIC_URL }))
  const limits = rateLimitRules(env)
  app.use(rateLimit({ rules: limits, store: () => rt.rateLimits, available: () => !rt.redis || rt.redis.status === 'ready' }))
  app.use(rejectNonsenseUrl)
  app.use(compression())

  // Catalogue pages for anonymous visitors: rendered once per catalogue change (app/utils/page-cache.server.ts).
  const pageSeconds = env.PAGE_CACHE_SECONDS === -1 ? (servesBuild ? 60 : 0) : env.PAGE_CACHE_SECONDS
  if (pageSeconds > 0) app.use(pageCache({ shareable: shareablePage, generation: () => rt.cache.generation(), maxAgeMs: pageSeconds * 1000 }))

  // Cached public catalogue reads are answered before Express (app/utils/fast-lane.server.ts).
  const trusted = proxyaddr.compile(TRUSTED_PROXIES)
  const fastLane = createFastLane({
    store: () => rt.fastLane,
    rules: limits,
    cacheKeyFor: cachedApiReadKey,
    clientAddress: (req) => proxyaddr(req, trusted),
    headers: resourceSecurityHeaders(securityOptions),
    requestId: requestIdOf,
    logRequest,
    onHit: () => {
      rt.cache.noteRead(true)
      reportCacheStats()
    },
    ready: () => rt.bootstrapped && !rt.shuttingDown,
  })
  const httpServer = http.createServer((req, res) => {
    let taken = false
    try {
      taken = fastLane(req, res, () => app(req, res))
    } catch (err) {
      log.error('fast lane failed; the full stack answers', { path: req.url?.split('?')[0], error: err instanceof Error ? err.stack : String(err) })
    }
    if (!taken) app(req, res)
  })
  const io: AppSocketServer = new SocketServer(httpServer, { serveClient: false })
  // Upgraded connections (websockets) are out of the HTTP server's hands: shutdown closes them.
  const upgraded = new Set<Duplex>()
  httpServer.on('upgrade', (_req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
  })

  let vite: ViteDevServer | undefined
  let serverModule: () => Promise<ServerModule>
  // The esbuild bundle (build/server.js) serves the production build; `tsx server.ts` serves through Vite.
  if (servesBuild) {
    const buildModule = (await import(pathToFileURL(path.join(root, 'build/server/index.js')).href)) as ServerModule
    serverModule = async () => buildModule
    app.use('/assets', express.static(path.join(root, 'build/client/assets'), { immutable: true, maxAge: '1y' }))
    app.use(clientFiles(path.join(root, 'build/client')))
  } else {
    const { createServer } = await import('vite')
    const signals = ['SIGTERM', 'SIGINT'] as const
    const before = new Map(signals.map((sig) => [sig, new Set(process.listeners(sig))]))
    const ownStdinEnd = new Set(process.stdin.listeners('end'))
    // No CORS: the store's pages and API are same-origin, and answers should not differ from production's.
    vite = await createServer({ server: { middlewareMode: true, hmr: { server: httpServer }, cors: false }, appType: 'custom' })
    const dev = vite
    // Vite (and React Router's plugin) install signal/stdin handlers that exit the process at
    // once; this process shuts down on its own terms (below). Only theirs go: tsx's own relay
    // must stay, or `npm start` would be killed instead of stopping gracefully.
    for (const sig of signals) for (const l of process.listeners(sig)) if (!before.get(sig)?.has(l)) process.off(sig, l)
    for (const l of process.stdin.listeners('end')) if (!ownStdinEnd.has(l)) process.stdin.off('end', l as () => void)
    app.use(dev.middlewares)
    serverModule = () => dev.ssrLoadModule('./server/app.ts') as Promise<ServerModule>
  }
  app.use('/uploads', express.static(path.resolve(env.UPLOAD_DIR), { maxAge: '1d', fallthrough: false }))

  // Until migrations are applied every page would fail: answer 503 with a retry hint instead.
  app.use((req, res, next) => {
    if (rt.bootstrapped) return next()
    res.status(503).set('Retry-After', '5')
    if (isApiPath(req.path)) res.json({ error: { code: 'UNAVAILABLE', message: 'The store is starting; retry shortly.' } })
    else res.type('html').send('<!doctype html><title>Starting…</title><meta http-equiv="refresh" content="5"><p>The store is starting. This page will refresh.</p>')
  })
  app.use(async (req, res, next) => {
    try {
      const mod = await serverModule()
      await mod.requestHandler(req, res, next)
    } catch (err) {
      next(err)
    }
  })
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    log.error('unhandled request error', { requestId: res.locals.requestId, path: req.path, error: err instanceof Error ? err.stack : String(err) })
    if (res.headersSent) return res.end()
    res.status(500)
    if (isApiPath(req.path)) res.json({ error: { code: 'INTERNAL', message: 'Something went wrong' } })
    else res.type('html').send('<!doctype html><title>Error</title><h1>Something went wrong</h1><p>Please try again.</p>')
  })

  ;(await serverModule()).registerSocketHandlers(io)

  const abortBootstrap = new AbortController()
  void bootstrap(rt, abortBootstrap.signal).catch((err: unknown) => {
    log.error('start-up failed', { error: err instanceof Error ? err.stack : String(err) })
  })

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(env.PORT, env.HOST, () => resolve())
  })
  const address = httpServer.address()
  const port = typeof address === 'object' && address ? address.port : env.PORT
  log.info('store listening', { url: `http://localhost:${port}`, mode: env.NODE_ENV, build: servesBuild, database: rt.databaseMode, redis: rt.redis ? 'redis' : 'in-process' })

  exitOnSignals({
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    log,
    graceful: async () => {
      rt.shuttingDown = true
      abortBootstrap.abort()
      // Stop accepting; idle keep-alive connections go now, busy ones once answered.
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      httpServer.closeIdleConnections()
      // Long-lived connections are not requests in flight: Socket.IO clients (long-polling
      // requests too), Vite's HMR websocket and any other upgraded socket go now. (io.close()
      // settles only once the HTTP server has closed.)
      const ioClosed = io.close()
      await vite?.ws.close()
      for (const socket of upgraded) socket.destroy()
      await Promise.all([closed, ioClosed])
      await vite?.close()
      await closeRuntime(rt) // finishes jobs in flight, then closes queues, Redis and the pool
      await database.stop?.()
    },
    force: async () => {
      httpServer.closeAllConnections()
      for (const socket of upgraded) socket.destroy()
      await closeRuntime(rt, { force: true })
      await database.stop?.()
    },
  })
}

process.on('unhandledRejection', (reason) => {
  getLogger().error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) })
})

// A start-up that fails before listening (e.g. Vite cannot load the app) must exit, not
// leave a process that never serves.
main().catch((err: unknown) => {
  getLogger().error('start-up failed', { error: err instanceof Error ? err.stack : String(err) })
  process.exit(1)
})
