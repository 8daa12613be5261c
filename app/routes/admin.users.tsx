import { data, Form, Link, redirect, useNavigation } from 'react-router'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { hasPermission, PERMISSIONS, ROLES, type Role } from '#app/domain/permissions.ts'
import { ADMIN_MODULES, UserAccessChangeSchema, UserSearchSchema } from '#app/domain/user-access.ts'
import { listAudit } from '#app/services/audit.server.ts'
import { getUserForAdmin, searchUsers, updateUserAccess } from '#app/services/users.server.ts'
import { fieldErrors } from '#app/utils/api.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import { PageLinks } from '#app/components/page-links.tsx'
import type { Route } from './+types/admin.users'

const ROLE_LABELS: Record<Role, string> = { user: 'Customer', admin: 'Admin', account_manager: 'Account manager', warehouse: 'Warehouse', accountant: 'Accountant' }
const PAGE_SIZE = 20

interface ActionResult {
  userId: string
  values: { role: string; permissions: string[]; assignedModules: string[] }
  fields?: Record<string, string>
  formError?: string
}

export async function loader({ request }: Route.LoaderArgs) {
  const actor = await requirePermission(request, 'user:read')
  const url = new URL(request.url)
  const parsed = UserSearchSchema.safeParse({ q: url.searchParams.get('q') ?? undefined, page: url.searchParams.get('page') ?? undefined })
  const search = parsed.success ? { ...parsed.data, limit: PAGE_SIZE } : { q: '', page: 1, limit: PAGE_SIZE }
  const selectedId = url.searchParams.get('user')
  const [result, selected, audit] = await Promise.all([
    searchUsers(search),
    selectedId ? getUserForAdmin(selectedId) : null,
    selectedId ? listAudit({ entityType: 'user', entityId: selectedId, limit: 10 }) : [],
  ])
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  return data(
    {
      ...result,
      q: search.q,
      selected,
      selectedMissing: Boolean(selectedId && !selected),
      audit: audit.map((a) => ({ id: a.id, createdAt: a.createdAt.toISOString(), actor: a.actor?.name || a.actor?.id || 'system', before: a.before, after: a.after })),
      canEdit: hasPermission(actor, 'user:update'),
      // Roles and permissions are an admin's to change; `user:update` alone assigns modules.
      canChangeAccess: actor.role === 'admin',
      actorId: actor.id,
      flash,
    },
    flash ? { headers: { 'Set-Cookie': await commitSession(session) } } : undefined,
  )
}

export async function action({ request }: Route.ActionArgs) {
  const actor = await requirePermission(request, 'user:update')
  const form = await request.formData()
  if (form.get('intent') !== 'update-access') throw data('Unknown action', { status: 400 })
  const userId = String(form.get('userId') ?? '')
  const values = {
    role: String(form.get('role') ?? ''),
    permissions: form.getAll('permissions').map(String),
    assignedModules: form.getAll('assignedModules').map(String),
  }
  const parsed = UserAccessChangeSchema.safeParse(values)
  if (!parsed.success) {
    const fields: Record<string, string> = {}
    for (const [key, message] of Object.entries(fieldErrors(parsed.error))) fields[key.split('.')[0] ?? key] ??= message
    return data<ActionResult>({ userId, values, fields }, { status: 400 })
  }
  try {
    const user = await updateUserAccess(actor, userId, parsed.data, request.headers.get('X-Request-Id') ?? undefined)
    const session = await getSession(request)
    session.flash('flash', { kind: 'success', message: `Saved access for ${user.name || user.phone || user.email || 'the user'}.` })
    const url = new URL(request.url)
    return redirect(`${url.pathname}${url.search}`, { headers: { 'Set-Cookie': await commitSession(session) } })
  } catch (err) {
    if (err instanceof DomainError) return data<ActionResult>({ userId, values, formError: err.message }, { status: STATUS_BY_CODE[err.code] })
    throw err
  }
}

function pageLink(q: string, page: number, user?: string) {
  const params = new URLSearchParams()
  if (q) params.set('q', q)
  if (page > 1) params.set('page', String(page))
  if (user) params.set('user', user)
  const s = params.toString()
  return s ? `/admin/users?${s}` : '/admin/users'
}

function formatAccess(value: unknown): string {
  if (!value || typeof value !== 'object') return '—'
  const v = value as { role?: string; permissions?: string[]; assignedModules?: string[] }
  const parts = [`role: ${v.role ?? '?'}`]
  parts.push(`permissions: ${v.permissions?.length ? v.permissions.join(', ') : 'none'}`)
  parts.push(`modules: ${v.assignedModules?.length ? v.assignedModules.join(', ') : 'none'}`)
  return parts.join('; ')
}

export default function AdminUsers({ loaderData, actionData }: Route.ComponentProps) {
  const { items, total, page, limit, q, selected, selectedMissing, audit, canEdit, canChangeAccess, actorId, flash } = loaderData
  const result = actionData as ActionResult | undefined
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting'
  const pages = Math.max(1, Math.ceil(total / limit))
  const values = result && selected && result.userId === selected.id ? result.values : null

  return (
    <div>
      <h1 className="text-2xl font-bold tracking-tight">Users and roles</h1>
      {flash ? (
        <p role="status" className={`mt-4 rounded-md border px-3 py-2 text-sm ${flash.kind === 'success' ? 'border-green-200 bg-green-50 text-green-800' : 'border-red-200 bg-red-50 text-red-800'}`}>
          {flash.message}
        </p>
      ) : null}

      <Form method="get" className="mt-6 flex gap-2" role="search">
        <label htmlFor="q" className="sr-only">
          Search users
        </label>
        <input id="q" name="q" type="search" defaultValue={q} placeholder="Name, phone or email" className="w-full max-w-md rounded-md border border-stone-300 px-3 py-2" />
        <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Search
        </button>
      </Form>

      <p className="mt-4 text-sm text-stone-600">
        {total === 0 ? 'No users match.' : `${total} user${total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}; page ${page} of ${pages}.`}
      </p>
      {total > 0 ? (
        <div className="mt-2 overflow-x-auto rounded-lg border border-stone-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-stone-100 text-stone-700">
              <tr>
                <th scope="col" className="px-3 py-2">Name</th>
                <th scope="col" className="px-3 py-2">Phone</th>
                <th scope="col" className="px-3 py-2">Email</th>
                <th scope="col" className="px-3 py-2">Role</th>
                <th scope="col" className="px-3 py-2">Extra permissions</th>
                <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((u) => (
                <tr key={u.id} className={`border-t border-stone-100 ${selected?.id === u.id ? 'bg-brand-50' : ''}`}>
                  <td className="px-3 py-2">{u.name || <span className="text-stone-400">(no name)</span>}</td>
                  <td className="px-3 py-2">{u.phone ?? '—'}</td>
                  <td className="px-3 py-2">{u.email ?? '—'}</td>
                  <td className="px-3 py-2">{ROLE_LABELS[u.role]}</td>
                  <td className="px-3 py-2">{u.permissions.length ? u.permissions.join(', ') : '—'}</td>
                  <td className="px-3 py-2">
                    <Link to={pageLink(q, page, u.id)} className="font-medium text-brand-700 underline" aria-label={`${canEdit ? 'Edit' : 'View'} ${u.name || u.phone || u.email || 'user'}`}>
                      {canEdit ? 'Edit' : 'View'}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <PageLinks page={page} pages={pages} href={(p) => pageLink(q, p)} />

      {selectedMissing ? <p className="mt-8 text-stone-600">That user does not exist (any more).</p> : null}
      {selected ? (
        <section aria-labelledby="access-heading" className="mt-10 rounded-lg border border-stone-200 bg-white p-6">
          <h2 id="access-heading" className="text-lg font-semibold">
            Access for {selected.name || selected.phone || selected.email}
          </h2>
          <p className="mt-1 text-sm text-stone-600">Effective permissions: {selected.effectivePermissions.length ? selected.effectivePermissions.join(', ') : 'none'}</p>
          {result?.formError && result.userId === selected.id ? (
            <p role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
              {result.formError}
            </p>
          ) : null}
          {canEdit ? (
            <Form method="post" className="mt-6 space-y-6" aria-label="Change access">
              <input type="hidden" name="intent" value="update-access" />
              <input type="hidden" name="userId" value={selected.id} />
              {canChangeAccess ? (
                <>
              <div>
                <label htmlFor="role" className="block text-sm font-medium">
                  Role
                </label>
                <select
                  id="role"
                  name="role"
                  defaultValue={values?.role ?? selected.role}
                  key={`${selected.id}-${values?.role ?? selected.role}`}
                  aria-invalid={result?.fields?.role ? true : undefined}
                  aria-describedby={result?.fields?.role ? 'role-error' : undefined}
                  className="mt-1 rounded-md border border-stone-300 px-3 py-2"
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r} disabled={selected.id === actorId && selected.role === 'admin' && r !== 'admin'}>
                      {ROLE_LABELS[r]}
                    </option>
                  ))}
                </select>
                {result?.fields?.role ? (
                  <p id="role-error" className="mt-1 text-sm text-red-700">
                    {result.fields.role}
                  </p>
                ) : null}
              </div>
              <fieldset>
                <legend className="text-sm font-medium">Extra permissions (on top of the role&apos;s)</legend>
                <div className="mt-2 grid gap-1 sm:grid-cols-2 lg:grid-cols-3">
                  {PERMISSIONS.map((p) => (
                    <label key={p} className="flex items-center gap-2 text-sm">
                      <input type="checkbox" name="permissions" value={p} defaultChecked={(values?.permissions ?? selected.permissions).includes(p)} />
                      <code>{p}</code>
                    </label>
                  ))}
                </div>
                {result?.fields?.permissions ? <p className="mt-1 text-sm text-red-700">{result.fields.permissions}</p> : null}
              </fieldset>
                </>
              ) : (
                <>
                  <input type="hidden" name="role" value={selected.role} />
                  {selected.permissions.map((p) => (
                    <input key={p} type="hidden" name="permissions" value={p} />
                  ))}
                  <p className="text-sm text-stone-600">
                    Role: {ROLE_LABELS[selected.role]}. Only an admin can change roles and permissions; you can assign modules.
                  </p>
                </>
              )}
              <fieldset>
                <legend className="text-sm font-medium">Assigned modules</legend>
                <div className="mt-2 grid gap-1 sm:grid-cols-2 lg:grid-cols-3">
                  {ADMIN_MODULES.map((m) => (
                    <label key={m.id} className="flex items-center gap-2 text-sm">
                      <input type="checkbox" name="assignedModules" value={m.id} defaultChecked={(values?.assignedModules ?? selected.assignedModules).includes(m.id)} />
                      {m.label}
                    </label>
                  ))}
                </div>
                {result?.fields?.assignedModules ? <p className="mt-1 text-sm text-red-700">{result.fields.assignedModules}</p> : null}
              </fieldset>
              <button type="submit" disabled={busy} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
                Save access
              </button>
            </Form>
          ) : (
            <p className="mt-4 text-sm text-stone-600">
              Role: {ROLE_LABELS[selected.role]}. Only an admin can change roles and permissions.
            </p>
          )}
          <h3 className="mt-8 font-semibold">Recent changes</h3>
          {audit.length === 0 ? (
            <p className="mt-2 text-sm text-stone-600">No changes recorded.</p>
          ) : (
            <ol className="mt-2 space-y-2 text-sm">
              {audit.map((a) => (
                <li key={a.id} className="rounded-md border border-stone-100 p-2">
                  <time dateTime={a.createdAt}>{new Date(a.createdAt).toLocaleString('en-IN', { timeZone: 'UTC' })} UTC</time> by {a.actor}
                  <div className="text-stone-600">Before: {formatAccess(a.before)}</div>
                  <div className="text-stone-600">After: {formatAccess(a.after)}</div>
                </li>
              ))}
            </ol>
          )}
        </section>
      ) : null}
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Users and roles' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/admin" backLabel="Staff home" />
}
