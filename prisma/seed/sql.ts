/**
 * Bulk inserts through `INSERT … SELECT … FROM unnest($1::type[], …)`: one statement per
 * batch and table, a handful of parameters whatever the row count. Array literals are
 * built here (cheaper than pg's generic per-element quoting for millions of values).
 */
import type pg from 'pg'

/**
 * Column kinds: `ts` is epoch milliseconds (number) stored as timestamptz; `jsonb` is a
 * JSON string; anything else is a PostgreSQL type name, e.g. 'uuid', 'int4', 'bool',
 * 'text', or an enum such as '"OrderStatus"'.
 */
export type ColumnKind = 'uuid' | 'int4' | 'bool' | 'text' | 'ts' | 'jsonb' | `"${string}"`

export type Value = string | number | boolean | null

export interface TableSpec {
  table: string
  columns: ReadonlyArray<readonly [name: string, kind: ColumnKind]>
}

const NEEDS_QUOTES = /[",\\{}\s]|^null$/i

function textElement(v: string): string {
  if (v === '' || NEEDS_QUOTES.test(v)) return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"'
  return v
}

/** A PostgreSQL array literal for one column. */
export function arrayLiteral(values: readonly Value[], kind: ColumnKind): string {
  const quoted = kind === 'text' || kind === 'jsonb'
  const parts = new Array<string>(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) parts[i] = 'NULL'
    else if (quoted) parts[i] = textElement(String(v))
    else parts[i] = String(v)
  }
  return '{' + parts.join(',') + '}'
}

function q(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"'
}

const sqlCache = new Map<TableSpec, string>()

function insertSql(spec: TableSpec): string {
  let sql = sqlCache.get(spec)
  if (sql) return sql
  const names = spec.columns.map(([n]) => q(n)).join(', ')
  const params = spec.columns
    .map(([, kind], i) => {
      const t = kind === 'ts' ? 'float8' : kind
      return `$${i + 1}::${t}[]`
    })
    .join(', ')
  const alias = spec.columns.map((_, i) => `c${i}`).join(', ')
  const select = spec.columns
    .map(([, kind], i) => (kind === 'ts' ? `to_timestamp(c${i} / 1000.0)` : `c${i}`))
    .join(', ')
  sql = `INSERT INTO ${q(spec.table)} (${names}) SELECT ${select} FROM unnest(${params}) AS t(${alias})`
  sqlCache.set(spec, sql)
  return sql
}

/** Column-major rows: one array per column of the spec, all the same length. */
export type Columns = Value[][]

export function emptyColumns(spec: TableSpec): Columns {
  return spec.columns.map(() => [])
}

export function rowCount(cols: Columns): number {
  return cols[0]?.length ?? 0
}

/** Per-connection chain of bulk statements (see insertBatch). */
const queues = new WeakMap<pg.ClientBase, Promise<unknown>>()

/**
 * Queues one multi-row insert on the connection and returns without waiting, so the
 * caller can build the next batch while the database works. Statements run one after
 * another (a pg client must not be handed a query while another is running); the
 * returned promise has a no-op catch attached, so a failure is never "unhandled" before
 * the caller awaits it, and a failure stops the statements queued after it.
 */
export function insertBatch(client: pg.ClientBase, spec: TableSpec, cols: Columns): Promise<unknown> {
  if (rowCount(cols) === 0) return Promise.resolve()
  const params = spec.columns.map(([, kind], i) => arrayLiteral(cols[i] ?? [], kind))
  const sql = insertSql(spec)
  const prev = queues.get(client) ?? Promise.resolve()
  const p = prev.then(() => client.query(sql, params))
  queues.set(client, p)
  p.catch(() => {})
  return p
}

/** Inserts everything, in batches of `batchSize` rows. */
export async function insertAll(client: pg.ClientBase, spec: TableSpec, cols: Columns, batchSize = 5000): Promise<void> {
  const n = rowCount(cols)
  const pending: Promise<unknown>[] = []
  for (let start = 0; start < n; start += batchSize) {
    const slice = cols.map((c) => c.slice(start, start + batchSize))
    pending.push(insertBatch(client, spec, slice))
  }
  await Promise.all(pending)
}
