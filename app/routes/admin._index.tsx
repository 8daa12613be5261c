import { Link } from 'react-router'
import { effectivePermissions, STAFF_ROLES } from '#app/domain/permissions.ts'
import { ADMIN_MODULES } from '#app/domain/user-access.ts'
import { requireRole } from '#app/utils/auth.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/admin._index'

const ROLE_LABELS = { user: 'Customer', admin: 'Admin', account_manager: 'Account manager', warehouse: 'Warehouse', accountant: 'Accountant' } as const

// Loaders run in parallel, so the layout's staff check does not protect this one: it checks too.
export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireRole(request, ...STAFF_ROLES)
  const permissions = effectivePermissions(user)
  const modules = ADMIN_MODULES.filter((m) => permissions.includes(m.permission)).map((m) => ({
    id: m.id,
    label: m.label,
    path: m.path ?? null,
    assigned: user.assignedModules.includes(m.id),
  }))
  return { name: user.name, role: user.role, roleLabel: ROLE_LABELS[user.role], modules }
}

export default function AdminHome({ loaderData }: Route.ComponentProps) {
  const { name, roleLabel, modules } = loaderData
  return (
    <div>
      <h1 className="text-2xl font-bold tracking-tight">Hello{name ? `, ${name}` : ''}</h1>
      <p className="mt-2 text-stone-600">
        You are signed in as <strong>{roleLabel}</strong>.
      </p>
      <h2 className="mt-8 text-lg font-semibold">Your work areas</h2>
      {modules.length === 0 ? (
        <p className="mt-2 text-stone-600">No work areas yet. Ask an admin for access.</p>
      ) : (
        <ul className="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {modules.map((m) => (
            <li key={m.id} className="rounded-lg border border-stone-200 bg-white p-4">
              {m.path ? (
                <Link to={m.path} className="font-medium text-brand-700 underline">
                  {m.label}
                </Link>
              ) : (
                <span className="font-medium">{m.label}</span>
              )}
              {m.assigned ? <span className="ml-2 rounded bg-brand-50 px-1.5 py-0.5 text-xs text-brand-700">assigned</span> : null}
              {m.path ? null : <p className="mt-1 text-sm text-stone-500">Coming soon</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Staff home' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
