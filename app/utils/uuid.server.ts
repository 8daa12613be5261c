/** Ids made in the application, where a row's id must be known before it is written. */
import { randomUUID } from 'node:crypto'

/**
 * Time-ordered UUID (v7), so new rows land at the end of the primary key index: 48 bits of
 * Unix milliseconds, then the version, then the random bits of a v4 UUID (whose variant bits
 * are already those of v7). randomUUID draws from a cached entropy pool, unlike randomBytes.
 */
export function uuidv7(): string {
  const r = randomUUID() // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
  const ts = Date.now().toString(16).padStart(12, '0')
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(15)}`
}
