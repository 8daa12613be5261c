// transaction(): a deadlock between two real PostgreSQL transactions is resolved by running
// the victim again (retryOnConflict), and only conflicts are retried.
import { beforeAll, describe, expect, it } from 'vitest'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { getPool, transaction, type PoolClient } from './db.server.ts'

withTestRuntime('it_db_tx', { poolMax: 4 })

beforeAll(async () => {
  await getPool().query('CREATE TABLE tx_probe (id int PRIMARY KEY, n int NOT NULL)')
})

async function reset() {
  await getPool().query('TRUNCATE tx_probe')
  await getPool().query('INSERT INTO tx_probe (id, n) VALUES (1, 0), (2, 0)')
}

const bump = (client: PoolClient, id: number) => client.query('UPDATE tx_probe SET n = n + 1 WHERE id = $1', [id])

/** Two transactions that lock rows 1 and 2 in opposite orders, each waiting until the other holds its first row (first attempt only). */
function crossedPair(retryOnConflict: boolean) {
  const runs = { a: 0, b: 0 }
  let arrived = 0
  let release!: () => void
  const bothHoldFirst = new Promise<void>((r) => (release = r))
  const meet = async () => {
    if (++arrived === 2) release()
    await bothHoldFirst
  }
  const body = (name: 'a' | 'b', first: number, second: number) => async (client: PoolClient) => {
    runs[name]++
    await bump(client, first)
    if (runs[name] === 1) await meet()
    await bump(client, second)
    return name
  }
  const settled = Promise.allSettled([transaction(body('a', 1, 2), { retryOnConflict }), transaction(body('b', 2, 1), { retryOnConflict })])
  return { runs, settled }
}

async function counts() {
  const { rows } = await getPool().query<{ id: number; n: number }>('SELECT id, n FROM tx_probe ORDER BY id')
  return rows.map((r) => r.n)
}

describe('transaction()', () => {
  it('runs the deadlock victim again: both transactions commit, each exactly once', async () => {
    await reset()
    const { runs, settled } = crossedPair(true)
    const results = await settled
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
    // PostgreSQL aborted one of the two (40P01); it ran a second time after the other committed.
    expect(runs.a + runs.b).toBe(3)
    expect(await counts()).toEqual([2, 2])
  }, 30_000)

  it('without retryOnConflict the victim fails with 40P01 and leaves nothing behind', async () => {
    await reset()
    const { runs, settled } = crossedPair(false)
    const results = await settled
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(failed).toHaveLength(1)
    expect((failed[0]!.reason as { code?: string }).code).toBe('40P01')
    expect(runs).toEqual({ a: 1, b: 1 })
    expect(await counts()).toEqual([1, 1])
  }, 30_000)

  it('does not retry other errors', async () => {
    await reset()
    let runs = 0
    const err = await transaction(
      async (client) => {
        runs++
        await bump(client, 1)
        await client.query('INSERT INTO tx_probe (id, n) VALUES (2, 0)')
      },
      { retryOnConflict: true },
    ).catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('23505')
    expect(runs).toBe(1)
    expect(await counts()).toEqual([0, 0])
  })
})
