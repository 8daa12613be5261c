/**
 * How other processes find the embedded PostgreSQL of a data folder (no DATABASE_URL): the
 * Prisma CLI (prisma.config.ts) and `npm run db:seed`. No dependencies beyond Node, so the
 * CLI's config can load it without loading PGlite.
 *
 * A process serving a folder (the store, or a command that started it for its own duration)
 * writes `embedded-pg.json` into it: its pid and the connection URL, removed when it stops.
 * When no process serves it, a command starts PGlite on the folder itself, for its own
 * duration (the folder's lock keeps two processes from ever opening it at once).
 */
import fs from 'node:fs'
import path from 'node:path'

/** Written into the data folder by the process serving it. */
export const EMBEDDED_URL_FILE = 'embedded-pg.json'

/**
 * The URL the Prisma CLI is given when no process serves the folder: it names no server
 * (`.invalid` never resolves), and scripts/embedded-schema-engine, which the CLI then runs
 * as its schema engine, replaces it with the URL of the PGlite it starts.
 */
export const EMBEDDED_PLACEHOLDER_URL = 'postgresql://postgres@embedded-pglite.invalid/postgres'

/** The embedded database's folder, as server.ts resolves it: $DATA_DIR/pglite (default .data/pglite). */
export function embeddedDataDir(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(env.DATA_DIR || '.data', 'pglite')
}

/** Records that this process serves `dataDir` at `url`. */
export function advertiseEmbeddedUrl(dataDir: string, url: string): void {
  fs.writeFileSync(path.join(dataDir, EMBEDDED_URL_FILE), JSON.stringify({ pid: process.pid, url }))
}

/** Removes this process's record (and only its own). */
export function withdrawEmbeddedUrl(dataDir: string): void {
  const file = path.join(dataDir, EMBEDDED_URL_FILE)
  try {
    if (readRecord(file)?.pid === process.pid) fs.unlinkSync(file)
  } catch {
    // already gone
  }
}

/** The URL of the process serving `dataDir` right now, if one does. */
export function runningEmbeddedUrl(dataDir: string): string | undefined {
  const record = readRecord(path.join(dataDir, EMBEDDED_URL_FILE))
  return record && pidAlive(record.pid) ? record.url : undefined
}

function readRecord(file: string): { pid: number; url: string } | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown; url?: unknown }
    return typeof record.pid === 'number' && typeof record.url === 'string' ? { pid: record.pid, url: record.url } : undefined
  } catch {
    return undefined
  }
}

/** True when a process with this pid exists (possibly another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
