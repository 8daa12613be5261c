/** Server-side session data by session id, with a TTL: Redis, or in-process without it. */
import type { Redis } from './redis.server.ts'

export interface SessionStore {
  get(id: string): Promise<Record<string, unknown> | null>
  set(id: string, data: Record<string, unknown>, ttlMs: number): Promise<void>
  destroy(id: string): Promise<void>
}

/**
 * In-process sessions (no Redis). Expired ones are dropped when read, and swept from the
 * whole map at most once per `sweepEveryMs` as new ones are written, so sessions that are
 * never read again do not pile up; no timer is needed.
 */
export class MemorySessionStore implements SessionStore {
  private sessions = new Map<string, { data: string; expiresAt: number }>()
  private lastSweep: number

  constructor(
    private readonly sweepEveryMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now()
  }

  get size(): number {
    return this.sessions.size
  }

  async get(id: string) {
    const s = this.sessions.get(id)
    if (!s) return null
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(id)
      return null
    }
    return JSON.parse(s.data) as Record<string, unknown>
  }

  async set(id: string, data: Record<string, unknown>, ttlMs: number) {
    const now = this.now()
    if (now - this.lastSweep >= this.sweepEveryMs) this.sweep(now)
    this.sessions.set(id, { data: JSON.stringify(data), expiresAt: now + ttlMs })
  }

  async destroy(id: string) {
    this.sessions.delete(id)
  }

  private sweep(now: number) {
    this.lastSweep = now
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id)
  }
}

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'sess:',
  ) {}

  async get(id: string) {
    const raw = await this.redis.get(this.prefix + id)
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : null
  }

  async set(id: string, data: Record<string, unknown>, ttlMs: number) {
    await this.redis.set(this.prefix + id, JSON.stringify(data), 'PX', ttlMs)
  }

  async destroy(id: string) {
    await this.redis.del(this.prefix + id)
  }
}
