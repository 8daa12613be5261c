// Who may change a user's role and permissions, through the staff API and the /admin/users
// form: only an admin, never for themselves. A delegated `user:update` reaches assigned
// modules only. Every refusal changes nothing and leaves no audit entry.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '#app/domain/permissions.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const JWT_SECRET = 'user-access-it-jwt-secret-0123456789ab'

let server: RunningServer
let db: pg.Client
const cleanups: (() => Promise<void> | void)[] = []

interface Person {
  id: string
  token: string
}
let admin: Person
let secondAdmin: Person
/** an accountant an admin delegated `user:read` and `user:update` to */
let delegate: Person
let shopper: Person

async function insertUser(role: Role, name: string, phone: string, permissions: string[] = []): Promise<Person> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, name, phone, role, permissions, is_phone_verified, updated_at) VALUES (gen_random_uuid(), $1, $2, $3::"Role", $4, true, now()) RETURNING id`,
    [name, phone, role, permissions],
  )
  const id = rows[0]!.id
  return { id, token: signJwt({ id, role, isPhoneVerified: true, name, avatar: null }, JWT_SECRET) }
}

beforeAll(async () => {
  const database = await createTestDatabase('it_user_access')
  cleanups.push(database.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'user-access-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  server = startServer(
    {
      DATABASE_URL: database.url,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      JWT_SECRET,
      SESSION_SECRET: 'user-access-it-session-secret-012345678',
      RATE_LIMIT_API_MAX: '100000',
      RATE_LIMIT_AUTH_MAX: '100000',
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
    },
    await freePort(),
  )
  cleanups.push(async () => void (await server.stop('SIGKILL')))
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
  db = new pg.Client({ connectionString: database.url })
  await db.connect()
  cleanups.push(() => db.end())
  admin = await insertUser('admin', 'First Admin', '+919700000001')
  secondAdmin = await insertUser('admin', 'Second Admin', '+919700000002')
  delegate = await insertUser('accountant', 'Delegated Accountant', '+919700000003', ['user:read', 'user:update'])
  shopper = await insertUser('user', 'Plain Shopper', '+919700000004')
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

function patch(who: Person, id: string, json: unknown) {
  return fetch(`${server.url}/api/v1/admin/users/${id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(json),
  })
}

/** The /admin/users form, as a browser without JavaScript posts it. */
function formPost(who: Person, id: string, fields: { role: string; permissions?: string[]; assignedModules?: string[] }) {
  const body = new URLSearchParams({ intent: 'update-access', userId: id, role: fields.role })
  for (const p of fields.permissions ?? []) body.append('permissions', p)
  for (const m of fields.assignedModules ?? []) body.append('assignedModules', m)
  return fetch(`${server.url}/admin/users?user=${id}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  })
}

async function access(id: string) {
  const { rows } = await db.query<{ role: string; permissions: string[]; assigned_modules: string[] }>('SELECT role, permissions, assigned_modules FROM users WHERE id = $1', [id])
  return rows[0]
}

async function auditCount(id: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1', [id])
  return rows[0]!.n
}

async function expectForbidden(res: Response) {
  expect(res.status).toBe(403)
  expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.any(String) } })
}

describe('a delegated user:update cannot change roles or permissions', () => {
  it('not its own role or permissions: 403, nothing changes, no audit entry', async () => {
    const before = await access(delegate.id)
    await expectForbidden(await patch(delegate, delegate.id, { role: 'account_manager' }))
    await expectForbidden(await patch(delegate, delegate.id, { permissions: ['user:read', 'user:update', 'report:read'] }))
    await expectForbidden(await patch(delegate, delegate.id, { permissions: [] }))
    expect(await access(delegate.id)).toEqual(before)
    expect(await auditCount(delegate.id)).toBe(0)
    // Still an accountant: the account-manager pages stay closed.
    expect((await fetch(`${server.url}/admin/products/new`, { headers: { Authorization: `Bearer ${delegate.token}` }, redirect: 'manual' })).status).toBe(403)
  })

  it("not another user's, even permissions it holds itself: 403, nothing changes, no audit entry", async () => {
    const before = await access(shopper.id)
    await expectForbidden(await patch(delegate, shopper.id, { role: 'warehouse' }))
    await expectForbidden(await patch(delegate, shopper.id, { role: 'accountant' }))
    await expectForbidden(await patch(delegate, shopper.id, { permissions: ['order:read'] }))
    await expectForbidden(await patch(delegate, shopper.id, { permissions: ['user:update'] }))
    expect(await access(shopper.id)).toEqual(before)
    expect(await auditCount(shopper.id)).toBe(0)
  })

  it('not through the /admin/users form either: 403 with the reason on the page', async () => {
    const res = await formPost(delegate, shopper.id, { role: 'account_manager' })
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('Only an admin may change roles or permissions.')
    const self = await formPost(delegate, delegate.id, { role: 'admin', permissions: ['user:read', 'user:update'] })
    expect(self.status).toBe(403)
    expect((await access(shopper.id))?.role).toBe('user')
    expect((await access(delegate.id))?.role).toBe('accountant')
    expect(await auditCount(shopper.id)).toBe(0)
    expect(await auditCount(delegate.id)).toBe(0)
  })

  it('may assign work areas to a non-admin (audited), sending the unchanged role and permissions along', async () => {
    const res = await patch(delegate, shopper.id, { role: 'user', permissions: [], assignedModules: ['orders'] })
    expect(res.status).toBe(200)
    expect(await access(shopper.id)).toEqual({ role: 'user', permissions: [], assigned_modules: ['orders'] })
    expect(await auditCount(shopper.id)).toBe(1)
    // An admin account stays out of reach.
    await expectForbidden(await patch(delegate, admin.id, { assignedModules: ['orders'] }))
    expect(await auditCount(admin.id)).toBe(0)
  })
})

describe('admins', () => {
  it('change other users (audited) but not their own role or permissions', async () => {
    const res = await patch(admin, delegate.id, { role: 'account_manager' })
    expect(res.status).toBe(200)
    expect((await access(delegate.id))?.role).toBe('account_manager')
    expect(await auditCount(delegate.id)).toBe(1)

    for (const change of [{ role: 'user' }, { permissions: ['report:read'] }]) {
      const self = await patch(admin, admin.id, change)
      expect(self.status).toBe(422)
      expect(await self.json()).toMatchObject({ error: { code: 'STATE_NOT_ALLOWED' } })
    }
    expect(await access(admin.id)).toEqual({ role: 'admin', permissions: [], assigned_modules: [] })
    expect(await auditCount(admin.id)).toBe(0)
  })

  it('demoting each other at the same moment: one wins, an admin remains', async () => {
    const [a, b] = await Promise.all([patch(admin, secondAdmin.id, { role: 'user' }), patch(secondAdmin, admin.id, { role: 'user' })])
    expect([a.status, b.status].sort()).toEqual([200, 403])
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`)
    expect(rows[0]!.n).toBe(1)
    expect((await auditCount(admin.id)) + (await auditCount(secondAdmin.id))).toBe(1)
  })
})
