/**
 * Embedded PostgreSQL for the zero-setup default (no DATABASE_URL).
 *
 * PGlite (PostgreSQL 18 compiled to WebAssembly, persisted in a folder) is served
 * on the PostgreSQL wire protocol on 127.0.0.1, so the app talks to it through
 * exactly the same `pg` / `@prisma/adapter-pg` code path as to a real server.
 *
 * How it is served: the per-connection protocol handling (startup, SSL refusal,
 * message framing) is pglite-socket's `PGLiteSocketHandler`; the TCP server and
 * the queue that feeds messages into the single PGlite session are ours, because
 * pglite-socket's own `PGLiteSocketServer` (0.2.17)
 *  - rejects every connection beyond `maxConnections` by writing the raw text
 *    "Too many connections" (a `pg.Pool` of max 1 that replaces a connection hits
 *    this about half the time, because the old socket is still being torn down);
 *  - with more than one connection, keeps a session on one connection only while an
 *    explicit transaction is open, so an extended-protocol batch
 *    (Parse/Bind/Execute/Sync) from one connection can be interleaved with another's
 *    and bind the other connection's unnamed statement (reproduced: a client got
 *    the other client's result).
 * Our queue hands the session to a connection from its first message until
 * PostgreSQL says ReadyForQuery with status Idle, so batches, transactions and
 * COPY are never interleaved, and it cleans up (Sync + ROLLBACK) after a
 * connection that dies while holding the session.
 *
 * Callers must still use a pool of at most EMBEDDED_POOL_MAX (1) connection per
 * pool: every connection shares ONE database session (SET, temp tables, named
 * prepared statements, advisory locks are shared), a transaction on one
 * connection stalls every other connection until it ends, so extra connections
 * give no parallelism. Several pools (app, migrations, worker) may connect at once.
 * As on any single-connection pool, a query issued on the outer client inside a
 * Prisma interactive transaction (instead of on `tx`) waits until the
 * transaction times out.
 *
 * LISTEN/NOTIFY: PGlite has one session, so notifications come back on whichever
 * connection ran the notifying statement, never on a separate listening
 * connection. `onNotification()` LISTENs in the shared session and relays the
 * NotificationResponse messages found in the protocol output of every statement.
 *
 * Other processes (the Prisma CLI, `npm run db:seed`) find a running instance through
 * the `embedded-pg.json` it writes into its folder (see embedded-pg-url.ts).
 *
 * Keep `@electric-sql/pglite*` external to any bundle (they load .wasm/.tar.gz
 * files relative to their own location).
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { PGlite, protocol, type Extensions } from '@electric-sql/pglite'
import {
  PGLiteSocketHandler,
  type PGLiteSocketHandlerOptions,
} from '@electric-sql/pglite-socket'
import { advertiseEmbeddedUrl, pidAlive, withdrawEmbeddedUrl } from './embedded-pg-url.ts'

/** Max connections for every pool that talks to the embedded server. */
export const EMBEDDED_POOL_MAX = 1

/** Default data folder, relative to the working directory. */
export const EMBEDDED_DEFAULT_DATA_DIR = '.data/pglite'

/** Lock file name, created inside the data folder. */
export const EMBEDDED_LOCK_FILE = 'embedded-pg.lock'

export interface EmbeddedPgLogger {
  info(msg: string, meta?: object): void
  warn(msg: string, meta?: object): void
}

export interface EmbeddedPostgresOptions {
  /** PGDATA folder; created if missing. */
  dataDir: string
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number
  logger?: EmbeddedPgLogger
  /** Concurrent TCP connections accepted (default 32). Each pool should still use EMBEDDED_POOL_MAX. */
  maxConnections?: number
  /**
   * How long to wait for another process to release the folder (default 0: refuse at once).
   * For commands run right after another that used the folder, e.g. the Prisma CLI's engines.
   */
  lockWaitMs?: number
}

/** Unsubscribe function; `ready` resolves once the LISTEN is in effect. */
export type NotificationUnsubscribe = (() => void) & { ready: Promise<void> }

export interface EmbeddedPostgres {
  /** e.g. postgresql://postgres@127.0.0.1:54321/postgres?sslmode=disable */
  url: string
  port: number
  host: string
  /** Absolute data folder. */
  dataDir: string
  /** PGlite extensions loaded (e.g. ['pg_trgm']); CREATE EXTENSION is left to migrations. */
  extensions: string[]
  /** True when this start ran initdb (new data folder). */
  initialized: boolean
  /** Milliseconds from call to ready. */
  startupMs: number
  /**
   * Delivers NOTIFYs on `channel` issued by any statement on the embedded db.
   * `channel` is the exact channel name (case-sensitive, as with pg_notify();
   * an unquoted `NOTIFY Foo` in SQL means channel "foo").
   */
  onNotification(channel: string, cb: (payload: string) => void): NotificationUnsubscribe
  /** Closes connections, the server and PGlite (flushing to disk), then the lock. Idempotent. */
  stop(): Promise<void>
}

const HOST = '127.0.0.1'
const INTERNAL = 0 // handler id of our own statements (socket handlers start at 1)
const noopLogger: EmbeddedPgLogger = { info() {}, warn() {} }

// ---------------------------------------------------------------------------
// Lock file

/** Data folders locked by this process (a PGlite instance per folder at most). */
const heldLocks = new Set<string>()

interface LockInfo {
  pid: number
  hostname?: string
  startedAt?: string
}

function readLock(file: string): { raw: string; info: LockInfo | null } | null {
  let raw: string
  try {
    raw = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  try {
    const info = JSON.parse(raw) as LockInfo
    return { raw, info: typeof info?.pid === 'number' ? info : null }
  } catch {
    return { raw, info: null }
  }
}

class FolderInUseError extends Error {}

/** acquireLock(), retried for up to `waitMs` while another live process holds the folder. */
async function acquireLockWaiting(dataDir: string, log: EmbeddedPgLogger, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      return acquireLock(dataDir, log)
    } catch (err) {
      if (!(err instanceof FolderInUseError) || Date.now() >= deadline) throw err
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function acquireLock(dataDir: string, log: EmbeddedPgLogger): () => void {
  const file = path.join(dataDir, EMBEDDED_LOCK_FILE)
  if (heldLocks.has(dataDir)) {
    throw new Error(
      `Embedded PostgreSQL data folder ${dataDir} is already in use by this process; ` +
        `stop() the running instance first.`,
    )
  }
  const mine = JSON.stringify({
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
  } satisfies LockInfo)

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' })
      heldLocks.add(dataDir)
      let released = false
      return () => {
        if (released) return
        released = true
        heldLocks.delete(dataDir)
        try {
          if (fs.readFileSync(file, 'utf8') === mine) fs.unlinkSync(file)
        } catch {
          // already gone
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const current = readLock(file)
    if (!current) continue // removed meanwhile: retry
    const holder = current.info
    // A lock naming our own pid is not held by this process (checked above):
    // it is left over from an earlier process that had the same pid (containers).
    const stale = !holder || holder.pid === process.pid || !pidAlive(holder.pid)
    if (!stale) {
      throw new FolderInUseError(
        `Embedded PostgreSQL data folder ${dataDir} is in use by another process ` +
          `(pid ${holder.pid}${holder.hostname ? ` on ${holder.hostname}` : ''}` +
          `${holder.startedAt ? `, since ${holder.startedAt}` : ''}). Running two PGlite ` +
          `instances on one folder would corrupt it: stop the other process, set ` +
          `DATABASE_URL, or use another data folder. If you are sure no process uses it, ` +
          `delete ${file}.`,
      )
    }
    // Break the stale lock without racing another process doing the same:
    // move it aside, and put it back if what we moved is not what we judged stale.
    const aside = `${file}.stale-${process.pid}-${Date.now()}`
    try {
      fs.renameSync(file, aside)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    const moved = fs.readFileSync(aside, 'utf8')
    if (moved !== current.raw) {
      try {
        fs.linkSync(aside, file) // fails if someone already holds a new lock
      } catch {
        // keep theirs
      }
    } else {
      log.warn('embedded PostgreSQL: removed stale lock', {
        file,
        pid: holder?.pid,
        hostname: holder?.hostname,
      })
    }
    fs.rmSync(aside, { force: true })
  }
  throw new Error(`Could not acquire embedded PostgreSQL lock ${file}`)
}

// ---------------------------------------------------------------------------
// Backend protocol scanning (one scanner per executed message)

interface ScanResult {
  /** Status of the last ReadyForQuery ('I' idle, 'T' in transaction, 'E' failed tx), or null. */
  ready: string | null
  /** Messages of ErrorResponse messages. */
  errors: string[]
}

class BackendScanner {
  private buf: Buffer = Buffer.alloc(0)
  readonly result: ScanResult = { ready: null, errors: [] }
  constructor(private onNotify: (channel: string, payload: string, pid: number) => void) {}

  push(chunk: Uint8Array) {
    // copy: chunk is a view into the WebAssembly heap
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk)
    let off = 0
    while (this.buf.length - off >= 5) {
      const len = this.buf.readInt32BE(off + 1)
      if (this.buf.length - off < 1 + len) break
      this.message(this.buf[off]!, this.buf.subarray(off + 5, off + 1 + len))
      off += 1 + len
    }
    this.buf = this.buf.subarray(off)
  }

  private message(type: number, body: Buffer) {
    switch (String.fromCharCode(type)) {
      case 'Z':
        this.result.ready = String.fromCharCode(body[0] ?? 0)
        break
      case 'A': {
        const pid = body.readInt32BE(0)
        const chEnd = body.indexOf(0, 4)
        const channel = body.toString('utf8', 4, chEnd)
        const payload = body.toString('utf8', chEnd + 1, body.indexOf(0, chEnd + 1))
        this.onNotify(channel, payload, pid)
        break
      }
      case 'E': {
        // fields: type byte + cstring, terminated by 0
        let p = 0
        let msg = 'unknown error'
        while (p < body.length && body[p] !== 0) {
          const field = body[p]!
          const end = body.indexOf(0, p + 1)
          if (field === 0x4d /* M */) msg = body.toString('utf8', p + 1, end)
          p = end + 1
        }
        this.result.errors.push(msg)
        break
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Session queue: the object pglite-socket's handlers call as their `queryQueue`

interface Job {
  handlerId: number
  run: () => Promise<number>
  resolve: (n: number) => void
  reject: (err: Error) => void
}

const TERMINATE = 'X'.charCodeAt(0)

class SessionQueue {
  private jobs: Job[] = []
  private running: Job | null = null
  /** Connection holding the session between messages (open batch, transaction, COPY). */
  private owner: number | null = null
  private idleWaiters: Array<() => void> = []

  constructor(
    private db: PGlite,
    private onNotify: (channel: string, payload: string, pid: number) => void,
    private log: EmbeddedPgLogger,
  ) {}

  /** Runs one frontend message; called by PGLiteSocketHandler. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return this.push(handlerId, async () => {
      const { bytes, result } = await this.exec(message, onData)
      if (message[0] !== TERMINATE) {
        this.owner = result.ready === 'I' ? null : handlerId
      }
      return bytes
    })
  }

  /** Called by PGLiteSocketHandler.detach(). */
  clearQueueForHandler(handlerId: number): void {
    this.jobs = this.jobs.filter((job) => {
      if (job.handlerId !== handlerId) return true
      job.reject(new Error('Handler disconnected'))
      return false
    })
  }

  /** Called by PGLiteSocketHandler.detach(): release the session if the dead connection holds it. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId && this.running?.handlerId !== handlerId) return
    await this.push(
      handlerId,
      async () => {
        if (this.owner !== handlerId) return 0
        // end an unfinished extended-protocol batch, then any open transaction
        await this.exec(protocol.serialize.sync())
        if (this.db.isInTransaction()) await this.exec(protocol.serialize.query('ROLLBACK'))
        this.owner = null
        this.log.warn('embedded PostgreSQL: connection closed mid-transaction; rolled back', {
          handlerId,
        })
        return 0
      },
      true,
    )
  }

  /** Runs SQL of our own (simple query) when no connection holds the session. */
  async internal(sql: string): Promise<void> {
    await this.push(INTERNAL, async () => {
      let { result } = await this.exec(protocol.serialize.query(sql))
      if (result.ready === null) {
        // the session was left waiting for a Sync: send it, then run again
        await this.exec(protocol.serialize.sync())
        ;({ result } = await this.exec(protocol.serialize.query(sql)))
      }
      if (result.ready !== 'I') {
        if (this.db.isInTransaction()) await this.exec(protocol.serialize.query('ROLLBACK'))
      }
      if (result.errors.length) throw new Error(`${sql}: ${result.errors.join('; ')}`)
      return 0
    })
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (!this.running && this.jobs.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  get queued(): number {
    return this.jobs.length
  }

  private push(handlerId: number, run: () => Promise<number>, front = false): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const job = { handlerId, run, resolve, reject }
      if (front) this.jobs.unshift(job)
      else this.jobs.push(job)
      this.pump()
    })
  }

  private pump(): void {
    if (this.running) return
    const i =
      this.owner === null
        ? this.jobs.length > 0
          ? 0
          : -1
        : this.jobs.findIndex((job) => job.handlerId === this.owner)
    if (i < 0) {
      if (this.jobs.length === 0) {
        const waiters = this.idleWaiters
        this.idleWaiters = []
        waiters.forEach((w) => w())
      }
      return // the owner's next message will come (or its detach will clean up)
    }
    const job = this.jobs.splice(i, 1)[0]!
    this.running = job
    job
      .run()
      .then(job.resolve, job.reject)
      .finally(() => {
        this.running = null
        this.pump()
      })
  }

  private async exec(
    message: Uint8Array,
    onData?: (data: Uint8Array) => void,
  ): Promise<{ bytes: number; result: ScanResult }> {
    const scanner = new BackendScanner(this.onNotify)
    let bytes = 0
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(message, {
        onRawData: (data) => {
          bytes += data.length
          scanner.push(data)
          onData?.(data)
        },
      }),
    )
    return { bytes, result: scanner.result }
  }
}

// ---------------------------------------------------------------------------

function tooManyClients(): Buffer {
  const fields = ['SFATAL', 'VFATAL', 'C53300', 'Msorry, too many clients already (embedded PostgreSQL)']
  const body = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`)), Buffer.from([0])])
  const head = Buffer.alloc(5)
  head.write('E', 0)
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

async function loadExtensions(log: EmbeddedPgLogger): Promise<Extensions> {
  const extensions: Extensions = {}
  try {
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm')
    extensions.pg_trgm = pg_trgm
  } catch (err) {
    log.warn('embedded PostgreSQL: pg_trgm is not available; trigram search will not work', {
      error: (err as Error).message,
    })
  }
  return extensions
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, HOST, () => {
      server.off('error', onError)
      resolve((server.address() as net.AddressInfo).port)
    })
  })
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const t0 = Date.now()
  const log = opts.logger ?? noopLogger
  const dataDir = path.resolve(opts.dataDir)
  const maxConnections = opts.maxConnections ?? 32
  fs.mkdirSync(dataDir, { recursive: true })
  const releaseLock = await acquireLockWaiting(dataDir, log, opts.lockWaitMs ?? 0)
  const initialized = !fs.existsSync(path.join(dataDir, 'PG_VERSION'))
  const onExit = () => {
    withdrawEmbeddedUrl(dataDir)
    releaseLock()
  }
  process.on('exit', onExit)

  let db: PGlite | undefined
  const server = net.createServer()
  try {
    const extensions = await loadExtensions(log)
    if (initialized) log.info('embedded PostgreSQL: creating database (initdb, takes a few seconds)', { dataDir })
    db = await PGlite.create({ dataDir, extensions })
    const pglite = db

    // -- notifications ------------------------------------------------------
    const listeners = new Map<string, Set<(payload: string) => void>>()
    const dispatch = (channel: string, payload: string) => {
      const set = listeners.get(channel)
      if (!set) return
      for (const cb of [...set]) {
        setImmediate(() => {
          try {
            cb(payload)
          } catch (err) {
            log.warn('embedded PostgreSQL: notification listener threw', {
              channel,
              error: (err as Error).message,
            })
          }
        })
      }
    }
    const queue = new SessionQueue(pglite, dispatch, log)

    // -- connections --------------------------------------------------------
    const handlers = new Set<PGLiteSocketHandler>()
    const sockets = new Set<net.Socket>()
    let stopping = false
    server.on('connection', (socket) => {
      if (stopping) {
        socket.destroy()
        return
      }
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
      if (handlers.size >= maxConnections) {
        log.warn('embedded PostgreSQL: too many connections, refusing one', { maxConnections })
        socket.end(tooManyClients())
        setTimeout(() => socket.destroy(), 1000).unref()
        return
      }
      const handler = new PGLiteSocketHandler({
        // our queue implements the three methods the handler calls
        queryQueue: queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
        closeOnDetach: true,
      })
      handlers.add(handler)
      const drop = () => handlers.delete(handler)
      handler.addEventListener('close', drop)
      handler.addEventListener('error', drop)
      handler.attach(socket).catch((err: Error) => {
        drop()
        socket.destroy()
        log.warn('embedded PostgreSQL: could not attach connection', { error: err.message })
      })
    })
    server.on('error', (err) => log.warn('embedded PostgreSQL: server error', { error: err.message }))

    let port: number
    try {
      port = await listen(server, opts.port ?? 0)
    } catch (err) {
      throw new Error(
        `Embedded PostgreSQL could not listen on ${HOST}:${opts.port ?? 0}: ${(err as Error).message}`,
      )
    }

    const url = `postgresql://postgres@${HOST}:${port}/postgres?sslmode=disable`
    advertiseEmbeddedUrl(dataDir, url) // for the Prisma CLI and the seed (embedded-pg-url.ts)
    const startupMs = Date.now() - t0
    log.info('embedded PostgreSQL ready', {
      dataDir,
      port,
      startupMs,
      initialized,
      extensions: Object.keys(extensions),
    })

    let stopPromise: Promise<void> | undefined
    const stop = () =>
      (stopPromise ??= (async () => {
        stopping = true
        withdrawEmbeddedUrl(dataDir)
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        await Promise.allSettled([...handlers].map((h) => h.detach(true)))
        handlers.clear()
        for (const socket of sockets) socket.destroy()
        await closed
        await queue.idle()
        try {
          await pglite.close()
        } finally {
          listeners.clear()
          releaseLock()
          process.off('exit', onExit)
        }
        log.info('embedded PostgreSQL stopped', { dataDir })
      })())

    const onNotification = (channel: string, cb: (payload: string) => void): NotificationUnsubscribe => {
      if (stopping) throw new Error('embedded PostgreSQL is stopped')
      let set = listeners.get(channel)
      let ready: Promise<void>
      if (set) {
        ready = Promise.resolve()
      } else {
        set = new Set()
        listeners.set(channel, set)
        ready = queue.internal(`LISTEN ${quoteIdent(channel)}`)
        ready.catch((err: Error) =>
          log.warn('embedded PostgreSQL: LISTEN failed', { channel, error: err.message }),
        )
      }
      set.add(cb)
      const owned = set
      const off = () => {
        if (!owned.delete(cb) || owned.size > 0 || listeners.get(channel) !== owned) return
        listeners.delete(channel)
        if (stopping) return
        queue
          .internal(`UNLISTEN ${quoteIdent(channel)}`)
          .catch((err: Error) =>
            log.warn('embedded PostgreSQL: UNLISTEN failed', { channel, error: err.message }),
          )
      }
      return Object.assign(off, { ready })
    }

    return {
      url,
      port,
      host: HOST,
      dataDir,
      extensions: Object.keys(extensions),
      initialized,
      startupMs,
      onNotification,
      stop,
    }
  } catch (err) {
    server.close()
    if (db && !db.closed) await db.close().catch(() => {})
    onExit()
    process.off('exit', onExit)
    throw err
  }
}
