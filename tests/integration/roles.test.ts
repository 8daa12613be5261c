// Who may open what under /admin and the staff API, for every role and for anonymous
// visitors (derived from ROLE_PERMISSIONS, so it stays true), and the audit trail of
// access changes.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasPermission, ROLES, STAFF_ROLES, type Permission, type Role } from '#app/domain/permissions.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const JWT_SECRET = 'roles-it-jwt-secret-0123456789abcdefgh'

let server: RunningServer
let db: pg.Client
const cleanups: (() => Promise<void> | void)[] = []
const users = {} as Record<Role, { id: string; token: string }>
let targetId = ''
let otherTargetId = ''

async function insertUser(role: Role, name: string, phone: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, name, phone, role, is_phone_verified, updated_at) VALUES (gen_random_uuid(), $1, $2, $3::"Role", true, now()) RETURNING id`,
    [name, phone, role],
  )
  return rows[0]!.id
}

beforeAll(async () => {
  const database = await createTestDatabase('it_roles')
  cleanups.push(database.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roles-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  server = startServer(
    {
      DATABASE_URL: database.url,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      JWT_SECRET,
      SESSION_SECRET: 'roles-it-session-secret-0123456789abcd',
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
  for (const [i, role] of ROLES.entries()) {
    const name = `Test ${role}`
    const id = await insertUser(role, name, `+9198000000${String(i).padStart(2, '0')}`)
    users[role] = { id, token: signJwt({ id, role, isPhoneVerified: true, name, avatar: null }, JWT_SECRET) }
  }
  targetId = await insertUser('user', 'Target Shopper', '+919800000090')
  otherTargetId = await insertUser('user', 'Second Shopper', '+919800000091')
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

type Who = Role | 'anonymous'
const WHO: Who[] = ['anonymous', ...ROLES]

function call(who: Who, method: string, pathname: string, body?: { json?: unknown; form?: Record<string, string | string[]> }) {
  const headers = new Headers({ Origin: server.url })
  if (who !== 'anonymous') headers.set('Authorization', `Bearer ${users[who].token}`)
  let payload: string | undefined
  if (body?.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    payload = JSON.stringify(body.json)
  } else if (body?.form) {
    headers.set('Content-Type', 'application/x-www-form-urlencoded')
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(body.form)) for (const item of [v].flat()) params.append(k, item)
    payload = params.toString()
  }
  return fetch(`${server.url}${pathname}`, { method, headers, body: payload, redirect: 'manual' })
}

const holds = (role: Role, p: Permission) => hasPermission({ role, permissions: [] }, p)
const isStaff = (role: Role) => (STAFF_ROLES as readonly Role[]).includes(role)

interface RouteCase {
  name: string
  kind: 'page' | 'api'
  method: string
  path: () => string
  allowed: (role: Role) => boolean
  /** status for an allowed caller (200, or 302 for a form post that redirects after saving) */
  ok?: number
  body?: () => { json?: unknown; form?: Record<string, string | string[]> }
}

// Requests that change nothing (the target already has these values), so the matrix leaves no audit rows.
const ROUTES: RouteCase[] = [
  { name: 'staff home', kind: 'page', method: 'GET', path: () => '/admin', allowed: isStaff },
  { name: 'user list', kind: 'page', method: 'GET', path: () => '/admin/users?q=Test&page=1', allowed: (r) => isStaff(r) && holds(r, 'user:read') },
  { name: 'user detail', kind: 'page', method: 'GET', path: () => `/admin/users?user=${targetId}`, allowed: (r) => isStaff(r) && holds(r, 'user:read') },
  {
    name: 'product list',
    kind: 'page',
    method: 'GET',
    path: () => '/admin/products?q=kurta&stock=low',
    allowed: (r) => isStaff(r) && (['product:create', 'product:update', 'product:delete', 'stock:update'] as const).some((p) => holds(r, p)),
  },
  { name: 'new product form', kind: 'page', method: 'GET', path: () => '/admin/products/new', allowed: (r) => isStaff(r) && holds(r, 'product:create') },
  {
    name: 'access form post',
    kind: 'page',
    method: 'POST',
    path: () => `/admin/users?user=${targetId}`,
    allowed: (r) => isStaff(r) && holds(r, 'user:update'),
    ok: 302,
    body: () => ({ form: { intent: 'update-access', userId: targetId, role: 'user' } }),
  },
  { name: 'API list', kind: 'api', method: 'GET', path: () => '/api/v1/admin/users', allowed: (r) => holds(r, 'user:read') },
  { name: 'API detail', kind: 'api', method: 'GET', path: () => `/api/v1/admin/users/${targetId}`, allowed: (r) => holds(r, 'user:read') },
  {
    name: 'API access change',
    kind: 'api',
    method: 'PATCH',
    path: () => `/api/v1/admin/users/${targetId}`,
    allowed: (r) => holds(r, 'user:update'),
    body: () => ({ json: { role: 'user', permissions: [], assignedModules: [] } }),
  },
]

const matrix = ROUTES.flatMap((route) => WHO.map((who) => ({ route, who, label: `${route.method} ${route.name} as ${who}` })))

async function auditRows(entityId: string) {
  const { rows } = await db.query<{ actor_id: string; action: string; entity_type: string; before: unknown; after: unknown }>(
    'SELECT actor_id, action, entity_type, before, after FROM audit_log WHERE entity_id = $1 ORDER BY created_at',
    [entityId],
  )
  return rows
}

describe('access matrix', () => {
  it.each(matrix)('$label', async ({ route, who }) => {
    const res = await call(who, route.method, route.path(), route.body?.())
    if (who === 'anonymous') {
      if (route.kind === 'page') {
        expect(res.status).toBe(302)
        const to = new URL(res.headers.get('location') ?? '', server.url)
        expect(to.pathname).toBe('/login')
        expect(to.searchParams.get('redirectTo')).toBe(route.path())
      } else {
        expect(res.status).toBe(401)
        expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
      }
      return
    }
    if (route.allowed(who)) {
      expect(res.status).toBe(route.ok ?? 200)
      if (route.kind === 'api') expect(res.headers.get('content-type')).toContain('application/json')
    } else {
      expect(res.status).toBe(403)
      if (route.kind === 'api') expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
      else expect(await res.text()).toContain('Not allowed')
    }
  })

  it('changed nothing and so wrote no audit rows', async () => {
    expect(await auditRows(targetId)).toEqual([])
  })
})

describe('access changes', () => {
  it('an admin changes a role through the API: 200, exactly one audit row with actor, before and after', async () => {
    const res = await call('admin', 'PATCH', `/api/v1/admin/users/${targetId}`, { json: { role: 'warehouse', assignedModules: ['stock', 'orders'] } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: { role: string } }).user.role).toBe('warehouse')
    const rows = await auditRows(targetId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      actor_id: users.admin.id,
      action: 'user:access_change',
      entity_type: 'user',
      before: { role: 'user', permissions: [], assignedModules: [] },
      after: { role: 'warehouse', permissions: [], assignedModules: ['orders', 'stock'] },
    })
    // Guards read the role from the database, so it counts at once (the old token said "user").
    const targetToken = signJwt({ id: targetId, role: 'user', isPhoneVerified: true, name: 'Target Shopper', avatar: null }, JWT_SECRET)
    const home = await fetch(`${server.url}/admin`, { headers: { Authorization: `Bearer ${targetToken}` }, redirect: 'manual' })
    expect(home.status).toBe(200)
  })

  it('an account manager may not change access: 403 and no audit row', async () => {
    const res = await call('account_manager', 'PATCH', `/api/v1/admin/users/${otherTargetId}`, { json: { role: 'admin' } })
    expect(res.status).toBe(403)
    expect(await auditRows(otherTargetId)).toEqual([])
    const { rows } = await db.query<{ role: string }>('SELECT role FROM users WHERE id = $1', [otherTargetId])
    expect(rows[0]?.role).toBe('user')
  })

  it('rejects an invalid role with 400 and the field, an unknown user with 404, and self-demotion with 422', async () => {
    const bad = await call('admin', 'PATCH', `/api/v1/admin/users/${otherTargetId}`, { json: { role: 'superuser', permissions: ['nope'] } })
    expect(bad.status).toBe(400)
    const body = (await bad.json()) as { error: { code: string; fields: Record<string, string> } }
    expect(body.error.code).toBe('VALIDATION')
    expect(Object.keys(body.error.fields)).toEqual(expect.arrayContaining(['role']))
    expect((await call('admin', 'PATCH', `/api/v1/admin/users/${otherTargetId}`, { json: {} })).status).toBe(400)
    expect((await call('admin', 'PATCH', '/api/v1/admin/users/0190f000-0000-7000-8000-000000000000', { json: { role: 'user' } })).status).toBe(404)
    const self = await call('admin', 'PATCH', `/api/v1/admin/users/${users.admin.id}`, { json: { role: 'user' } })
    expect(self.status).toBe(422)
    expect(await self.json()).toMatchObject({ error: { code: 'STATE_NOT_ALLOWED' } })
    expect(await auditRows(otherTargetId)).toEqual([])
    expect(await auditRows(users.admin.id)).toEqual([])
  })

  it('the /admin/users form saves with post/redirect/get, keeps input on 400, and shows the audit trail', async () => {
    const page = `/admin/users?user=${otherTargetId}`
    const invalid = await call('admin', 'POST', page, { form: { intent: 'update-access', userId: otherTargetId, role: 'overlord', permissions: ['report:read'] } })
    expect(invalid.status).toBe(400)
    const invalidHtml = await invalid.text()
    expect(invalidHtml).toMatch(/<input[^>]*value="report:read"[^>]*checked|<input[^>]*checked[^>]*value="report:read"/)
    expect(invalidHtml).toContain('role-error')

    const saved = await call('admin', 'POST', page, { form: { intent: 'update-access', userId: otherTargetId, role: 'accountant', permissions: ['stock:update'], assignedModules: ['reports'] } })
    expect(saved.status).toBe(302)
    expect(saved.headers.get('location')).toBe(page)
    const rows = await auditRows(otherTargetId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ actor_id: users.admin.id, after: { role: 'accountant', permissions: ['stock:update'], assignedModules: ['reports'] } })

    const html = await (await call('admin', 'GET', page)).text()
    expect(html).toContain('Recent changes')
    expect(html).toContain('Test admin')
    expect(html).toContain('role: accountant')
  })

  it('a delegated user:update cannot escalate: no admin role, no admin accounts, no permissions the actor lacks', async () => {
    const grant = await call('admin', 'PATCH', `/api/v1/admin/users/${users.accountant.id}`, { json: { permissions: ['user:read', 'user:update'] } })
    expect(grant.status).toBe(200)
    const patch = (json: unknown, id = otherTargetId) => call('accountant', 'PATCH', `/api/v1/admin/users/${id}`, { json })
    expect((await patch({ role: 'admin' })).status).toBe(403)
    expect((await patch({ permissions: ['job:retry'] })).status).toBe(403)
    expect((await patch({ role: 'user' }, users.admin.id)).status).toBe(403)
    const before = (await auditRows(otherTargetId)).length
    expect((await patch({ permissions: ['stock:update', 'report:read'] })).status).toBe(200)
    expect(await auditRows(otherTargetId)).toHaveLength(before + 1)
  })

  it('searches by name, phone and email with stable paging', async () => {
    const byName = (await (await call('admin', 'GET', '/api/v1/admin/users?q=second%20shop')).json()) as { items: { id: string }[]; total: number }
    expect(byName.items.map((u) => u.id)).toEqual([otherTargetId])
    const byPhone = (await (await call('account_manager', 'GET', '/api/v1/admin/users?q=98000000%2090')).json()) as { items: { id: string }[] }
    expect(byPhone.items.map((u) => u.id)).toEqual([targetId])
    const p1 = (await (await call('admin', 'GET', '/api/v1/admin/users?limit=3&page=1')).json()) as { items: { id: string }[]; total: number }
    const p2 = (await (await call('admin', 'GET', '/api/v1/admin/users?limit=3&page=2')).json()) as { items: { id: string }[] }
    expect(p1.total).toBe(ROLES.length + 2)
    expect(p1.items).toHaveLength(3)
    expect(p2.items.filter((u) => p1.items.some((x) => x.id === u.id))).toEqual([])
    expect((await call('admin', 'GET', '/api/v1/admin/users?page=0')).status).toBe(400)
  })
})
