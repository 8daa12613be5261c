// Who may open what under /admin and the staff API, for every role and for anonymous
// visitors, and the audit trail of access changes. The matrix covers every /admin page
// (GET, its `.data` request, and each form action) and every staff-guarded API method in
// app/routes.ts — a new one without a row fails — and derives who is allowed from
// ROLE_PERMISSIONS, so it documents the policy rather than restating it.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { RouteConfigEntry } from '@react-router/dev/routes'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasPermission, ROLES, STAFF_ROLES, type Permission, type Role } from '#app/domain/permissions.ts'
import routeConfig from '#app/routes.ts'
import { CATALOG_PERMISSIONS } from '#app/utils/catalog-guard.server.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const JWT_SECRET = 'roles-it-jwt-secret-0123456789abcdefgh'

let server: RunningServer
let db: pg.Client
const cleanups: (() => Promise<void> | void)[] = []
const users = {} as Record<Role, { id: string; token: string }>
let targetId = ''
let otherTargetId = ''

/** What the matrix works on: made through the API in beforeAll. */
const seeded = {
  /** an active product with sizes M and L */
  product: { id: '', name: '', form: {} as Record<string, string>, sizes: [] as { size: string; stock: number }[] },
  /** an archived product (archiving it again changes nothing) */
  archivedId: '',
  /** the target shopper's order, placed (cash on delivery) */
  orderId: '',
  /** the target shopper's order, cancelled by them */
  cancelledId: '',
}

async function insertUser(role: Role, name: string, phone: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, name, phone, role, is_phone_verified, updated_at) VALUES (gen_random_uuid(), $1, $2, $3::"Role", true, now()) RETURNING id`,
    [name, phone, role],
  )
  return rows[0]!.id
}

function tokenFor(id: string, role: Role, name: string) {
  return signJwt({ id, role, isPhoneVerified: true, name, avatar: null }, JWT_SECRET)
}

async function seedCatalogueAndOrders() {
  await db.query(`INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'kurtas', 'Kurtas')`)
  const create = async (name: string) => {
    const res = await call('admin', 'POST', '/api/v1/products', { json: { name, category: 'kurtas', price: 129900, mrp: 159900, sizes: [{ size: 'M', stock: 5 }, { size: 'L', stock: 1 }] } })
    expect(res.status).toBe(201)
    return ((await res.json()) as { id: string }).id
  }
  seeded.product.id = await create('Matrix Kurta')
  seeded.archivedId = await create('Retired Kurta')
  expect((await call('admin', 'DELETE', `/api/v1/products/${seeded.archivedId}`)).status).toBe(204)

  const shopper = tokenFor(targetId, 'user', 'Target Shopper')
  const place = async () => {
    const res = await fetch(`${server.url}/api/v1/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${shopper}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        items: [{ productId: seeded.product.id, size: 'M', quantity: 1 }],
        shippingAddress: { name: 'Target Shopper', line1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', postalCode: '560001', country: 'IN', phone: '+919800000090' },
        paymentMethod: 'cod',
      }),
    })
    expect(res.status).toBe(201)
    return ((await res.json()) as { id: string }).id
  }
  seeded.orderId = await place()
  seeded.cancelledId = await place()
  const cancel = await fetch(`${server.url}/api/v1/orders/${seeded.cancelledId}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${shopper}` } })
  expect(cancel.status).toBe(200)

  const { rows } = await db.query<{ name: string; slug: string; description: string; category_id: string; brand: string; price: number; mrp: number; cost_price: number | null; status: string }>(
    'SELECT name, slug, description, category_id, brand, price, mrp, cost_price, status FROM products WHERE id = $1',
    [seeded.product.id],
  )
  const p = rows[0]!
  const rupees = (minor: number | null) => (minor === null ? '' : (minor / 100).toFixed(2))
  seeded.product.name = p.name
  // The edit form exactly as the page fills it in: saving it changes nothing.
  seeded.product.form = { name: p.name, slug: p.slug, description: p.description, categoryId: p.category_id, brand: p.brand, price: rupees(p.price), mrp: rupees(p.mrp), costPrice: rupees(p.cost_price), status: p.status }
  seeded.product.sizes = (await db.query<{ size: string; stock: number }>('SELECT size, stock FROM product_sizes WHERE product_id = $1 ORDER BY sort_order', [seeded.product.id])).rows
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
    users[role] = { id, token: tokenFor(id, role, name) }
  }
  targetId = await insertUser('user', 'Target Shopper', '+919800000090')
  otherTargetId = await insertUser('user', 'Second Shopper', '+919800000091')
  await seedCatalogueAndOrders()
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

type Who = Role | 'anonymous'
const WHO: Who[] = ['anonymous', ...ROLES]

interface Body {
  json?: unknown
  form?: Record<string, string | string[]>
  multipart?: Record<string, string>
}

function call(who: Who, method: string, pathname: string, body?: Body) {
  const headers = new Headers({ Origin: server.url })
  if (who !== 'anonymous') headers.set('Authorization', `Bearer ${users[who].token}`)
  let payload: string | FormData | undefined
  if (body?.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    payload = JSON.stringify(body.json)
  } else if (body?.form) {
    headers.set('Content-Type', 'application/x-www-form-urlencoded')
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(body.form)) for (const item of [v].flat()) params.append(k, item)
    payload = params.toString()
  } else if (body?.multipart) {
    payload = new FormData()
    for (const [k, v] of Object.entries(body.multipart)) payload.append(k, v)
  }
  return fetch(`${server.url}${pathname}`, { method, headers, body: payload, redirect: 'manual' })
}

// ---- The policy, from ROLE_PERMISSIONS ------------------------------------------------

const holds = (role: Role, p: Permission) => hasPermission({ role, permissions: [] }, p)
const may = (p: Permission) => (role: Role) => holds(role, p)
const isStaff = (role: Role) => (STAFF_ROLES as readonly Role[]).includes(role)
/** The catalogue pages open to anyone with a catalogue permission (catalog-guard.server.ts). */
const catalogueStaff = (role: Role) => CATALOG_PERMISSIONS.some((p) => holds(role, p))
/** Roles and permissions are changed by admins only, whatever else an account may do. */
const changesAccess = (role: Role) => role === 'admin'

/**
 * What a caller gets. Besides 200/201/204/302, an allowed caller may get a 4xx that the
 * route's own checks give after its guard let the request in (`pastGuard`: the body is
 * invalid, the order's state does not allow it, the media item does not exist), which the
 * matrix keeps apart from the guard's 403.
 */
interface Outcome {
  status: number
  /** API: the error code; pages: text the page shows */
  code?: string
  text?: string
  /** where a 302 goes */
  location?: () => string
  pastGuard?: true
}

interface Row {
  /** the pattern as written in app/routes.ts */
  route: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  kind: 'page' | 'api'
  /** which form or case, when a route has several */
  label?: string
  path: () => string
  allowed: (role: Role) => boolean
  ok: Outcome
  /** for a signed-in caller who is not allowed (default 403) */
  denied?: (role: Role) => Outcome
  body?: () => Body
  /** a page's data that only allowed callers may see */
  secret?: () => string
}

const FORBIDDEN: Outcome = { status: 403, code: 'FORBIDDEN' }
const productPage = () => `/admin/products/${seeded.product.id}`

// Every request leaves the data as it was (no-op saves, refusals after the guard), which
// the last matrix test checks.
const ROWS: Row[] = [
  // The staff home's data is the caller's own greeting: its field name is what must not show.
  { route: '/admin', method: 'GET', kind: 'page', path: () => '/admin', allowed: isStaff, ok: { status: 200 }, secret: () => 'roleLabel' },
  { route: '/admin/users', method: 'GET', kind: 'page', label: 'search', path: () => '/admin/users?q=Target&page=1', allowed: may('user:read'), ok: { status: 200 }, secret: () => 'Target Shopper' },
  { route: '/admin/users', method: 'GET', kind: 'page', label: 'one user', path: () => `/admin/users?user=${targetId}`, allowed: may('user:read'), ok: { status: 200 }, secret: () => '+919800000090' },
  {
    route: '/admin/users',
    method: 'POST',
    kind: 'page',
    label: 'access form, no change',
    path: () => `/admin/users?user=${targetId}`,
    allowed: changesAccess,
    ok: { status: 302, location: () => `/admin/users?user=${targetId}` },
    body: () => ({ form: { intent: 'update-access', userId: targetId, role: 'user' } }),
  },
  { route: '/admin/products', method: 'GET', kind: 'page', path: () => '/admin/products?q=kurta', allowed: catalogueStaff, ok: { status: 200 }, secret: () => seeded.product.name },
  { route: '/admin/products/new', method: 'GET', kind: 'page', path: () => '/admin/products/new', allowed: may('product:create'), ok: { status: 200 }, secret: () => 'Kurtas' },
  {
    route: '/admin/products/new',
    method: 'POST',
    kind: 'page',
    label: 'empty form',
    path: () => '/admin/products/new',
    allowed: may('product:create'),
    ok: { status: 400, text: 'Give the price', pastGuard: true },
    body: () => ({ form: { name: '' } }),
  },
  { route: '/admin/products/:id', method: 'GET', kind: 'page', path: productPage, allowed: catalogueStaff, ok: { status: 200 }, secret: () => seeded.product.name },
  {
    route: '/admin/products/:id',
    method: 'POST',
    kind: 'page',
    label: 'update, same values',
    path: productPage,
    allowed: may('product:update'),
    ok: { status: 302, location: productPage },
    body: () => ({ form: { intent: 'update', ...seeded.product.form } }),
  },
  {
    route: '/admin/products/:id',
    method: 'POST',
    kind: 'page',
    label: 'stock, same counts',
    path: productPage,
    allowed: may('stock:update'),
    ok: { status: 302, location: productPage },
    body: () => ({ form: { intent: 'stock', size: seeded.product.sizes.map((s) => s.size), stock: seeded.product.sizes.map((s) => String(s.stock)) } }),
  },
  {
    route: '/admin/products/:id',
    method: 'POST',
    kind: 'page',
    label: 'archive, already archived',
    path: () => `/admin/products/${seeded.archivedId}`,
    allowed: may('product:delete'),
    ok: { status: 302, location: () => `/admin/products/${seeded.archivedId}` },
    body: () => ({ form: { intent: 'archive' } }),
  },
  {
    route: '/admin/products/:id',
    method: 'POST',
    kind: 'page',
    label: 'remove media, unknown item',
    path: productPage,
    allowed: may('product:update'),
    ok: { status: 404, text: 'No such media item', pastGuard: true },
    body: () => ({ form: { intent: 'remove-media', mediaId: '0190f000-0000-7000-8000-000000000000' } }),
  },
  {
    route: '/admin/products/:id',
    method: 'POST',
    kind: 'page',
    label: 'upload media, no files',
    path: productPage,
    allowed: may('product:update'),
    ok: { status: 400, pastGuard: true },
    body: () => ({ multipart: { intent: 'upload-media' } }),
  },
  { route: '/admin/orders', method: 'GET', kind: 'page', path: () => '/admin/orders', allowed: may('order:read'), ok: { status: 200 }, secret: () => 'Target Shopper' },
  { route: '/admin/orders/:id', method: 'GET', kind: 'page', path: () => `/admin/orders/${seeded.orderId}`, allowed: may('order:read'), ok: { status: 200 }, secret: () => '12 MG Road' },
  {
    route: '/admin/orders/:id',
    method: 'POST',
    kind: 'page',
    label: 'status, unknown status',
    path: () => `/admin/orders/${seeded.orderId}`,
    allowed: may('order:update'),
    ok: { status: 400, text: 'Check the status change', pastGuard: true },
    body: () => ({ form: { intent: 'status', status: 'teleported' } }),
  },
  {
    route: '/admin/orders/:id',
    method: 'POST',
    kind: 'page',
    label: 'mark paid, cancelled order',
    path: () => `/admin/orders/${seeded.cancelledId}`,
    allowed: may('payment:update'),
    ok: { status: 422, text: 'a payment cannot be recorded', pastGuard: true },
    body: () => ({ form: { intent: 'mark-paid', note: '' } }),
  },

  { route: '/api/v1/admin/users', method: 'GET', kind: 'api', path: () => '/api/v1/admin/users?q=Target', allowed: may('user:read'), ok: { status: 200 } },
  { route: '/api/v1/admin/users/:id', method: 'GET', kind: 'api', path: () => `/api/v1/admin/users/${targetId}`, allowed: may('user:read'), ok: { status: 200 } },
  {
    route: '/api/v1/admin/users/:id',
    method: 'PATCH',
    kind: 'api',
    label: 'no change',
    path: () => `/api/v1/admin/users/${targetId}`,
    allowed: changesAccess,
    ok: { status: 200 },
    body: () => ({ json: { role: 'user', permissions: [], assignedModules: [] } }),
  },
  {
    route: '/api/v1/products',
    method: 'POST',
    kind: 'api',
    label: 'empty body',
    path: () => '/api/v1/products',
    allowed: may('product:create'),
    ok: { status: 400, code: 'VALIDATION', pastGuard: true },
    body: () => ({ json: {} }),
  },
  {
    route: '/api/v1/products/:idOrSlug',
    method: 'PUT',
    kind: 'api',
    label: 'same price',
    path: () => `/api/v1/products/${seeded.product.id}`,
    allowed: may('product:update'),
    ok: { status: 200 },
    body: () => ({ json: { price: 129900 } }),
  },
  { route: '/api/v1/products/:idOrSlug', method: 'DELETE', kind: 'api', label: 'already archived', path: () => `/api/v1/products/${seeded.archivedId}`, allowed: may('product:delete'), ok: { status: 204 } },
  {
    route: '/api/v1/products/:id/stock',
    method: 'PUT',
    kind: 'api',
    label: 'same counts',
    path: () => `/api/v1/products/${seeded.product.id}/stock`,
    allowed: may('stock:update'),
    ok: { status: 200 },
    body: () => ({ json: { sizes: seeded.product.sizes } }),
  },
  {
    route: '/api/v1/orders/:id',
    method: 'GET',
    kind: 'api',
    label: "another shopper's order",
    path: () => `/api/v1/orders/${seeded.orderId}`,
    allowed: may('order:read'),
    ok: { status: 200 },
    // Without order:read it is someone else's order: it does not exist for them.
    denied: () => ({ status: 404, code: 'NOT_FOUND' }),
  },
  {
    route: '/api/v1/orders/:id/status',
    method: 'PUT',
    kind: 'api',
    label: 'cancelled order',
    path: () => `/api/v1/orders/${seeded.cancelledId}/status`,
    allowed: may('order:update'),
    ok: { status: 422, code: 'STATE_NOT_ALLOWED', pastGuard: true },
    body: () => ({ json: { status: 'processing' } }),
  },
  {
    route: '/api/v1/orders/:id/cancel',
    method: 'POST',
    kind: 'api',
    label: 'already cancelled',
    path: () => `/api/v1/orders/${seeded.cancelledId}/cancel`,
    allowed: may('order:cancel'),
    ok: { status: 422, code: 'STATE_NOT_ALLOWED', pastGuard: true },
    // Staff who may read the order are told "not allowed"; anyone else does not see it.
    denied: (role) => (holds(role, 'order:read') ? FORBIDDEN : { status: 404, code: 'NOT_FOUND' }),
  },
]

/**
 * API methods a staff-guarded route module answers that are open to everyone (the public
 * catalogue). Every other method in its `methodNotAllowed(...)` list needs a matrix row.
 */
const PUBLIC_METHODS = new Set(['GET /api/v1/products', 'GET /api/v1/products/:idOrSlug'])

// ---- app/routes.ts ---------------------------------------------------------------------

interface FlatRoute {
  path: string
  id: string
  source: string
  layout: boolean
}

function flatten(entries: RouteConfigEntry[], parent = ''): FlatRoute[] {
  return entries.flatMap((e) => {
    const full = e.path ? `${parent}/${e.path}` : parent
    const own: FlatRoute = { path: full || '/', id: e.id ?? e.file.replace(/\.[jt]sx?$/, ''), source: fs.readFileSync(path.join('app', e.file), 'utf8'), layout: Boolean(e.children?.length) }
    return [own, ...flatten(e.children ?? [], full)]
  })
}

const APP_ROUTES = flatten(routeConfig)
const routeByPath = (p: string) => APP_ROUTES.find((r) => r.path === p && !r.layout)
const STAFF_GUARD = /\b(requirePermission|requireRole|requireCatalogStaff|hasPermission)\(/

/** `/admin/users?x=1` → `/admin/users.data?x=1&_routes=…`: only that route's loader runs. */
function dataPath(page: string, routeId: string) {
  const url = new URL(page, 'http://x')
  url.pathname = `${url.pathname.replace(/\/$/, '')}.data`
  url.searchParams.set('_routes', routeId)
  return `${url.pathname}${url.search}`
}

const label = (r: Row) => `${r.method} ${r.route}${r.label ? ` (${r.label})` : ''}`
const matrix = ROWS.flatMap((row) => WHO.map((who) => ({ row, who, name: `${label(row)} as ${who}` })))
const dataMatrix = ROWS.filter((r) => r.kind === 'page' && r.method === 'GET').flatMap((row) => WHO.map((who) => ({ row, who, name: `${label(row)} .data as ${who}` })))

async function auditRows(entityId: string) {
  const { rows } = await db.query<{ actor_id: string; action: string; entity_type: string; before: unknown; after: unknown }>(
    'SELECT actor_id, action, entity_type, before, after FROM audit_log WHERE entity_id = $1 ORDER BY created_at',
    [entityId],
  )
  return rows
}

/** A fingerprint of everything a staff request could change. */
async function storeState(): Promise<Record<string, string>> {
  const tables = ['users', 'categories', 'products', 'product_sizes', 'product_media', 'orders', 'order_items', 'order_events', 'payments', 'audit_log', 'outbox_events']
  const state: Record<string, string> = {}
  for (const t of tables) {
    const { rows } = await db.query<{ digest: string; n: number }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*)::int AS n FROM ${t} t`)
    state[t] = `${rows[0]!.n}:${rows[0]!.digest}`
  }
  return state
}

/** Where a redirect to the sign-in page sends the visitor back to afterwards. */
function loginRedirectTo(location: string | null): string | null {
  const to = new URL(location ?? '', server.url)
  return to.pathname === '/login' ? to.searchParams.get('redirectTo') : null
}

describe('access matrix', () => {
  let before: Record<string, string> = {}
  beforeAll(async () => {
    before = await storeState()
  })

  it('has a row for every /admin page and form action and every staff API method in app/routes.ts', () => {
    const rows = new Set(ROWS.map((r) => `${r.method} ${r.route}`))
    const needed: string[] = []
    for (const r of APP_ROUTES) {
      if (r.layout) continue
      if (r.path === '/admin' || r.path.startsWith('/admin/')) {
        needed.push(`GET ${r.path}`)
        if (/export (async )?function action\b/.test(r.source)) needed.push(`POST ${r.path}`)
      } else if (r.path.startsWith('/api/') && STAFF_GUARD.test(r.source)) {
        const methods = [...r.source.matchAll(/methodNotAllowed\('([^']+)'\)/g)].flatMap((m) => m[1]!.split(/,\s*/))
        for (const m of new Set(methods)) if (!PUBLIC_METHODS.has(`${m} ${r.path}`)) needed.push(`${m} ${r.path}`)
      }
    }
    expect(needed.length).toBeGreaterThan(20)
    expect(needed.filter((n) => !rows.has(n))).toEqual([])
    // …and no row for a route that no longer exists.
    expect(ROWS.filter((r) => !routeByPath(r.route)).map(label)).toEqual([])
  })

  it.concurrent.for(matrix)('$name', async ({ row, who }, { expect }) => {
    const res = await call(who, row.method, row.path(), row.body?.())
    if (who === 'anonymous') {
      if (row.kind === 'page') {
        expect(res.status).toBe(302)
        expect(loginRedirectTo(res.headers.get('location'))).toBe(row.path())
      } else {
        expect(res.status).toBe(401)
        expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
      }
      return
    }
    const allowed = row.allowed(who)
    const expected = allowed ? row.ok : (row.denied?.(who) ?? FORBIDDEN)
    expect(res.status).toBe(expected.status)
    if (expected.location) expect(res.headers.get('location')).toBe(expected.location())
    if (row.kind === 'api') {
      if (res.status === 204) return
      expect(res.headers.get('content-type')).toContain('application/json')
      const body = (await res.json()) as { error?: { code: string } }
      if (expected.code) expect(body.error?.code).toBe(expected.code)
      else expect(body.error).toBeUndefined()
      return
    }
    if (res.status === 302) return
    const html = await res.text()
    if (allowed) {
      // A refusal after the guard is the form's own message, never the staff area's "Not allowed".
      expect(html).not.toContain('Not allowed')
      if (expected.text) expect(html).toContain(expected.text)
      if (row.secret) expect(html).toContain(row.secret())
    } else {
      expect(html).toContain('Not allowed')
      if (row.secret) expect(html).not.toContain(row.secret())
    }
  })

  // Client-side navigation asks for one route's loader data alone: each must guard itself.
  it.concurrent.for(dataMatrix)('$name', async ({ row, who }, { expect }) => {
    const { id } = routeByPath(row.route)!
    const res = await call(who, 'GET', dataPath(row.path(), id))
    const text = await res.text()
    if (who === 'anonymous') {
      expect(res.status).toBe(202)
      expect(text).toContain(`/login?${new URLSearchParams({ redirectTo: row.path() })}`)
    } else if (row.allowed(who)) {
      expect(res.status).toBe(200)
      if (row.secret) expect(text).toContain(row.secret())
      return
    } else {
      expect(res.status).toBe(403)
    }
    if (row.secret) expect(text).not.toContain(row.secret())
  })

  it('changed nothing: no saved change, no audit row, no event', async () => {
    expect(await storeState()).toEqual(before)
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
    const home = await fetch(`${server.url}/admin`, { headers: { Authorization: `Bearer ${tokenFor(targetId, 'user', 'Target Shopper')}` }, redirect: 'manual' })
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

  it('a non-admin holding user:update still may not change roles or permissions: 403 and nothing saved', async () => {
    // However the grant got there, it does not make its holder an access admin.
    await db.query(`UPDATE users SET permissions = ARRAY['user:read', 'user:update'] WHERE id = $1`, [users.accountant.id])
    const before = await auditRows(otherTargetId)
    const patch = (json: unknown) => call('accountant', 'PATCH', `/api/v1/admin/users/${otherTargetId}`, { json })
    for (const change of [{ role: 'admin' }, { role: 'warehouse' }, { permissions: ['report:read'] }, { permissions: [] }]) {
      const res = await patch(change)
      expect(res.status, JSON.stringify(change)).toBe(403)
      expect(await res.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    }
    const form = await call('accountant', 'POST', `/admin/users?user=${otherTargetId}`, { form: { intent: 'update-access', userId: otherTargetId, role: 'warehouse' } })
    expect(form.status).toBe(403)
    expect(await auditRows(otherTargetId)).toEqual(before)
    const { rows } = await db.query<{ role: string; permissions: string[] }>('SELECT role, permissions FROM users WHERE id = $1', [otherTargetId])
    expect(rows[0]).toEqual({ role: 'accountant', permissions: ['stock:update'] })
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
