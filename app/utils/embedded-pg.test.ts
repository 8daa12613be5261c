import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  EMBEDDED_LOCK_FILE,
  EMBEDDED_POOL_MAX,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from './embedded-pg.server.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const moduleFile = path.join(here, 'embedded-pg.server.ts')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const logs: string[] = []
const logger = {
  info: (msg: string) => void logs.push(`info: ${msg}`),
  warn: (msg: string) => void logs.push(`warn: ${msg}`),
}

let dir: string
let db: EmbeddedPostgres
let pool: pg.Pool

/** Waits for `predicate` to hold, polling. */
async function until(predicate: () => boolean, ms = 3000) {
  const end = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(10)
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-pg-test-'))
  db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pglite'), port: 0, logger })
  console.log(`[embedded-pg] first start (initdb): ${db.startupMs} ms`)
  pool = new pg.Pool({ connectionString: db.url, max: EMBEDDED_POOL_MAX })
}, 60_000)

afterAll(async () => {
  await pool?.end().catch(() => {})
  await db?.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('embedded PostgreSQL over pglite-socket', () => {
  it('starts on a free port with a pg connection string and the lock file', async () => {
    expect(db.initialized).toBe(true)
    expect(db.port).toBeGreaterThan(0)
    expect(db.url).toBe(`postgresql://postgres@127.0.0.1:${db.port}/postgres?sslmode=disable`)
    expect(fs.existsSync(path.join(db.dataDir, 'PG_VERSION'))).toBe(true)
    const lock = JSON.parse(fs.readFileSync(path.join(db.dataDir, EMBEDDED_LOCK_FILE), 'utf8'))
    expect(lock.pid).toBe(process.pid)
    const { rows } = await pool.query<{ v: string }>('SELECT version() AS v')
    expect(rows[0]!.v).toMatch(/PostgreSQL 18.*PGlite/)
  })

  it('creates tables, stores JSONB, runs a plpgsql trigger with a $$ body', async () => {
    await pool.query(`
      CREATE TABLE product (
        id serial PRIMARY KEY,
        name text NOT NULL,
        stock int NOT NULL CHECK (stock >= 0),
        attrs jsonb NOT NULL DEFAULT '{}',
        version int NOT NULL DEFAULT 0
      );
      CREATE FUNCTION product_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.version := OLD.version + 1;
        IF NEW.stock <> OLD.stock THEN
          PERFORM pg_notify('stock_changed', json_build_object('id', NEW.id, 'stock', NEW.stock)::text);
        END IF;
        RETURN NEW;
      END;
      $$;
      CREATE TRIGGER product_changed BEFORE UPDATE ON product
        FOR EACH ROW EXECUTE FUNCTION product_changed();
    `)
    await pool.query('INSERT INTO product (name, stock, attrs) VALUES ($1, $2, $3), ($4, $5, $6)', [
      'Red shirt', 5, { color: 'red', sizes: ['S', 'M'] },
      'Blue trousers', 2, { color: 'blue', sizes: ['L'] },
    ])
    const { rows } = await pool.query(
      `SELECT name, attrs->>'color' AS color, attrs->'sizes' AS sizes FROM product WHERE attrs @> $1 ORDER BY id`,
      [{ color: 'red' }],
    )
    expect(rows).toEqual([{ name: 'Red shirt', color: 'red', sizes: ['S', 'M'] }])
    await pool.query('UPDATE product SET name = name WHERE id = 1')
    const v = await pool.query('SELECT version FROM product WHERE id = 1')
    expect(v.rows[0].version).toBe(1)
  })

  it('runs an interactive transaction with SELECT ... FOR UPDATE and a guarded decrement', async () => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const locked = await client.query('SELECT stock FROM product WHERE id = $1 FOR UPDATE', [2])
      expect(locked.rows[0].stock).toBe(2)
      const ok = await client.query(
        'UPDATE product SET stock = stock - $1 WHERE id = $2 AND stock >= $1 RETURNING stock',
        [2, 2],
      )
      expect(ok.rows).toEqual([{ stock: 0 }])
      const short = await client.query(
        'UPDATE product SET stock = stock - $1 WHERE id = $2 AND stock >= $1 RETURNING stock',
        [1, 2],
      )
      expect(short.rowCount).toBe(0)
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
    const after = await pool.query('SELECT stock FROM product WHERE id = 2')
    expect(after.rows[0].stock).toBe(2)
  })

  it('works through @prisma/adapter-pg (raw queries and a transaction)', async () => {
    const factory = new PrismaPg({ connectionString: db.url, max: EMBEDDED_POOL_MAX })
    const adapter = await factory.connect()
    try {
      const rs = await adapter.queryRaw({
        sql: 'SELECT name, stock FROM product WHERE id = $1',
        args: [1],
        argTypes: [{ scalarType: 'int', arity: 'scalar' }],
      })
      expect(rs.columnNames).toEqual(['name', 'stock'])
      expect(rs.rows).toEqual([['Red shirt', 5]])

      const tx = await adapter.startTransaction()
      const locked = await tx.queryRaw({
        sql: 'SELECT stock FROM product WHERE id = $1 FOR UPDATE',
        args: [1],
        argTypes: [{ scalarType: 'int', arity: 'scalar' }],
      })
      expect(locked.rows).toEqual([[5]])
      const decrement = (qty: number) =>
        tx.executeRaw({
          sql: 'UPDATE product SET stock = stock - $1 WHERE id = $2 AND stock >= $1',
          args: [qty, 1],
          argTypes: [
            { scalarType: 'int', arity: 'scalar' },
            { scalarType: 'int', arity: 'scalar' },
          ],
        })
      expect(await decrement(3)).toBe(1)
      expect(await decrement(3)).toBe(0) // only 2 left
      // Prisma's engine sends COMMIT itself (usePhantomQuery: false); tx.commit() only releases
      await tx.executeRaw({ sql: 'COMMIT', args: [], argTypes: [] })
      await tx.commit()

      // the plain pg pool (another connection) sees the committed row
      const { rows } = await pool.query('SELECT stock FROM product WHERE id = 1')
      expect(rows[0].stock).toBe(2)
    } finally {
      await adapter.dispose()
    }
  })

  it('loads pg_trgm: CREATE EXTENSION, similarity, a GIN trigram index', async () => {
    expect(db.extensions).toContain('pg_trgm')
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    await pool.query('CREATE INDEX product_name_trgm ON product USING gin (name gin_trgm_ops)')
    const { rows } = await pool.query(
      `SELECT name, similarity(name, $1) > 0.2 AS close FROM product WHERE name % $1 OR name ILIKE '%' || $1 || '%'`,
      ['red shrt'],
    )
    expect(rows).toEqual([{ name: 'Red shirt', close: true }])
  })

  it('relays NOTIFY from a trigger and from plain NOTIFY to onNotification', async () => {
    const stock: string[] = []
    const plain: string[] = []
    const offStock = db.onNotification('stock_changed', (p) => stock.push(p))
    const offPlain = db.onNotification('Plain Channel', (p) => plain.push(p))
    await Promise.all([offStock.ready, offPlain.ready])

    await pool.query('UPDATE product SET stock = stock + 1 WHERE id = 1') // trigger fires
    await pool.query(`NOTIFY "Plain Channel", 'x'`)
    await until(() => stock.length === 1 && plain.length === 1)
    expect(JSON.parse(stock[0]!)).toEqual({ id: 1, stock: 3 })
    expect(plain).toEqual(['x'])

    // inside a transaction: delivered on commit only, not on rollback
    const client = await pool.connect()
    await client.query('BEGIN')
    await client.query(`SELECT pg_notify('Plain Channel', 'rolled back')`)
    await client.query('ROLLBACK')
    await client.query('BEGIN')
    await client.query(`SELECT pg_notify('Plain Channel', 'committed')`)
    await sleep(50)
    expect(plain).toEqual(['x'])
    await client.query('COMMIT')
    client.release()
    await until(() => plain.length === 2)
    expect(plain).toEqual(['x', 'committed'])

    offPlain()
    await pool.query(`NOTIFY "Plain Channel", 'after unsubscribe'`)
    await pool.query('UPDATE product SET stock = stock - 1 WHERE id = 1')
    await until(() => stock.length === 2)
    expect(plain).toEqual(['x', 'committed'])
    offStock()
  })

  it('serves several connections (one per pool) without mixing their sessions', async () => {
    // Two pools of max 1 each, plus a transaction on one: the other waits for it.
    const other = new pg.Pool({ connectionString: db.url, max: EMBEDDED_POOL_MAX })
    try {
      const a = await pool.connect()
      await a.query('BEGIN')
      await a.query('UPDATE product SET stock = 10 WHERE id = 2')
      const order: string[] = []
      const read = other.query('SELECT stock FROM product WHERE id = 2').then((r) => {
        order.push('read')
        return r.rows[0].stock as number
      })
      await sleep(100)
      order.push('commit')
      await a.query('COMMIT')
      a.release()
      expect(await read).toBe(10)
      expect(order).toEqual(['commit', 'read'])

      // Many concurrent parameterised queries over both pools: every result is its own.
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? pool : other)
            .query(`SELECT $1::int + ${i} AS v, length($2::text) AS l`, [i, 'y'.repeat(i * 1000)])
            .then((r) => r.rows[0].v === 2 * i && r.rows[0].l === i * 1000),
        ),
      )
      expect(results.every(Boolean)).toBe(true)
    } finally {
      await other.end()
    }
  })

  it('never interleaves one connection’s Parse/Bind/Sync batch with another’s', async () => {
    // Raw protocol: A sends Parse alone, B runs a whole batch, then A binds and executes.
    const frame = (type: string, body: Buffer) => {
      const head = Buffer.alloc(5)
      head.write(type, 0)
      head.writeInt32BE(body.length + 4, 1)
      return Buffer.concat([head, body])
    }
    const cstr = (s: string) => Buffer.from(`${s}\0`)
    const startup = () => {
      const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstr('user'), cstr('postgres'), cstr('database'), cstr('postgres'), Buffer.from([0])])
      const len = Buffer.alloc(4)
      len.writeInt32BE(body.length + 4)
      return Buffer.concat([len, body])
    }
    const parse = (sql: string) => frame('P', Buffer.concat([cstr(''), cstr(sql), Buffer.from([0, 0])]))
    const bind = frame('B', Buffer.concat([cstr(''), cstr(''), Buffer.from([0, 0, 0, 0, 0, 0])]))
    const execute = frame('E', Buffer.concat([cstr(''), Buffer.alloc(4)]))
    const sync = frame('S', Buffer.alloc(0))
    const connect = async () => {
      const s = net.connect(db.port, '127.0.0.1')
      let data = Buffer.alloc(0)
      s.on('data', (d) => (data = Buffer.concat([data, d])))
      s.write(startup())
      await until(() => data.includes(Buffer.from('Z\0\0\0\x05I')))
      data = Buffer.alloc(0)
      return { s, out: () => data.toString('latin1') }
    }
    const a = await connect()
    const b = await connect()
    try {
      a.s.write(parse(`SELECT 'from A' AS x`))
      await sleep(50)
      b.s.write(Buffer.concat([parse(`SELECT 'from B' AS x`), bind, execute, sync]))
      await sleep(50)
      a.s.write(Buffer.concat([bind, execute, sync]))
      await until(() => a.out().includes('Z\0\0\0\x05I') && b.out().includes('Z\0\0\0\x05I'))
      expect(a.out()).toContain('from A')
      expect(a.out()).not.toContain('from B')
      expect(b.out()).toContain('from B')
    } finally {
      a.s.destroy()
      b.s.destroy()
    }
  })

  it('rolls back and frees the session when a connection dies mid-transaction', async () => {
    const dying = new pg.Client({ connectionString: db.url })
    dying.on('error', () => {})
    await dying.connect()
    await dying.query('BEGIN')
    await dying.query('UPDATE product SET stock = 99 WHERE id = 2')
    ;(dying as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy()
    const { rows } = await pool.query('SELECT stock FROM product WHERE id = 2')
    expect(rows[0].stock).toBe(10)
    expect(logs.some((l) => l.includes('rolled back'))).toBe(true)
  })

  it('refuses a second start on the same folder in this process', async () => {
    await expect(startEmbeddedPostgres({ dataDir: db.dataDir })).rejects.toThrow(/already in use by this process/)
  })

  it('refuses a second process, survives its kill -9, and keeps data across restarts', async () => {
    const dataDir = db.dataDir
    await pool.end()
    await db.stop()
    await db.stop() // idempotent
    expect(fs.existsSync(path.join(dataDir, EMBEDDED_LOCK_FILE))).toBe(false)

    // restart in this process
    let t = Date.now()
    db = await startEmbeddedPostgres({ dataDir, logger })
    console.log(`[embedded-pg] restart: ${Date.now() - t} ms`)
    expect(db.initialized).toBe(false)
    pool = new pg.Pool({ connectionString: db.url, max: EMBEDDED_POOL_MAX })
    expect((await pool.query('SELECT name, stock FROM product ORDER BY id')).rows).toEqual([
      { name: 'Red shirt', stock: 2 },
      { name: 'Blue trousers', stock: 10 },
    ])
    await pool.end()
    await db.stop()

    // another process takes the folder
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import', 'tsx', '--input-type=module', '-e',
        `import { startEmbeddedPostgres } from ${JSON.stringify(moduleFile)};
         const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
         console.log(JSON.stringify({ url: db.url }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      const childUrl = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout!.on('data', (d) => {
          out += d
          const line = out.split('\n').find((l) => l.startsWith('{'))
          if (line) resolve(JSON.parse(line).url)
        })
        child.on('exit', (code) => reject(new Error(`child exited with ${code}`)))
      })
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
        new RegExp(`in use by another process \\(pid ${child.pid}`),
      )
      const c = new pg.Client({ connectionString: childUrl })
      await c.connect()
      await c.query(`INSERT INTO product (name, stock) VALUES ('Written by child', 1)`)
      await c.end()
    } finally {
      child.kill('SIGKILL')
      await new Promise((r) => (child.exitCode !== null || child.signalCode ? r(null) : child.once('exit', r)))
    }
    expect(fs.existsSync(path.join(dataDir, EMBEDDED_LOCK_FILE))).toBe(true) // left by the killed child

    t = Date.now()
    db = await startEmbeddedPostgres({ dataDir, logger })
    console.log(`[embedded-pg] restart after kill -9 of the holder: ${Date.now() - t} ms`)
    expect(logs.some((l) => l.includes('removed stale lock'))).toBe(true)
    pool = new pg.Pool({ connectionString: db.url, max: EMBEDDED_POOL_MAX })
    const { rows } = await pool.query('SELECT name FROM product ORDER BY id')
    expect(rows.map((r) => r.name)).toEqual(['Red shirt', 'Blue trousers', 'Written by child'])
  }, 45_000)
})

describe('the Prisma CLI and `npm run db:seed` without DATABASE_URL', () => {
  const root = path.resolve(here, '../..')
  let dataDir: string
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-cli-test-'))
  })
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  /** Runs a command in the project as a user would, with DATA_DIR set and DATABASE_URL unset. */
  function run(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, UPLOAD_DIR: path.join(dataDir, 'uploads') }
    delete env.DATABASE_URL
    delete env.PRISMA_SCHEMA_ENGINE_BINARY
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })))
  }
  const folderFiles = () => fs.readdirSync(path.join(dataDir, 'pglite')).filter((f) => f.startsWith('embedded-pg'))

  it('starts PGlite on $DATA_DIR/pglite for the command when nothing serves it', async () => {
    const deploy = await run('npx', ['prisma', 'migrate', 'deploy'])
    expect(deploy.out).toContain('All migrations have been successfully applied')
    expect(deploy.code).toBe(0)
    const status = await run('npx', ['prisma', 'migrate', 'status'])
    expect(status.out).toContain('Database schema is up to date')
    expect(status.code).toBe(0)
    // PGlite stops with the command's last engine (the CLI does not wait for it): no lock, no URL left.
    await expect.poll(folderFiles, { timeout: 15_000 }).toEqual([])
  }, 180_000)

  it('goes through the process that serves it (the running store)', async () => {
    const served = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pglite') })
    try {
      expect(folderFiles().sort()).toEqual(['embedded-pg.json', EMBEDDED_LOCK_FILE])
      const status = await run('npx', ['prisma', 'migrate', 'status'])
      expect(status.out).toContain(`at "127.0.0.1:${served.port}"`)
      expect(status.out).toContain('Database schema is up to date')
      expect(status.code).toBe(0)

      const seeded = await run('npx', ['tsx', 'prisma/seed.ts', '--orders', '0'])
      expect(seeded.out).toContain('seeding the embedded database of the running store')
      expect(seeded.code).toBe(0)
      const c = new pg.Client({ connectionString: served.url })
      await c.connect()
      const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM products')
      await c.end()
      expect(rows[0]!.n).toBeGreaterThanOrEqual(200)
    } finally {
      await served.stop()
    }
    expect(folderFiles()).toEqual([])
  }, 180_000)
})
