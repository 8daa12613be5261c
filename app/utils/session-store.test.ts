import { describe, expect, it } from 'vitest'
import { MemorySessionStore } from './session-store.server.ts'

describe('in-process session store', () => {
  it('returns a session until its TTL runs out, then nothing', async () => {
    let now = 1_000_000
    const store = new MemorySessionStore(60_000, () => now)
    await store.set('a', { userId: 'u1' }, 5_000)
    now += 4_999
    expect(await store.get('a')).toEqual({ userId: 'u1' })
    now += 1
    expect(await store.get('a')).toBeNull()
  })

  it('sweeps sessions that expired unread as new ones are written, at most once per interval', async () => {
    let now = 1_000_000
    const store = new MemorySessionStore(60_000, () => now)
    for (let i = 0; i < 100; i++) await store.set(`old-${i}`, { i }, 1_000)
    await store.set('live', { userId: 'u1' }, 7 * 24 * 3600_000)
    now += 30_000 // the old ones have expired, but the last sweep was under a minute ago
    await store.set('b', {}, 1_000)
    expect(store.size).toBe(102)
    now += 30_000
    await store.set('c', {}, 1_000)
    // Swept: only the long-lived session and the one just written are left.
    expect(store.size).toBe(2)
    expect(await store.get('live')).toEqual({ userId: 'u1' })
  })
})
