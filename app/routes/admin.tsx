import { isRouteErrorResponse, Link, NavLink, Outlet } from 'react-router'
import { useOptionalUser, usePermission } from '#app/components/use-user.ts'
import { STAFF_ROLES } from '#app/domain/permissions.ts'
import { ADMIN_MODULES, type AdminModule } from '#app/domain/user-access.ts'
import { usePublicEnv } from '#app/root.tsx'
import { requireRole } from '#app/utils/auth.server.ts'
import type { Route } from './+types/admin'

// The staff area: one layout behind a staff role; each page checks its own permission.
export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireRole(request, ...STAFF_ROLES)
  return { assignedModules: user.assignedModules }
}

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md px-3 py-2 ${isActive ? 'bg-brand-50 text-brand-700' : 'text-stone-700 hover:bg-stone-100'}`

/** A module's nav entry, shown only to users who may use it (the page checks again). */
function ModuleLink({ module, assigned }: { module: AdminModule; assigned: boolean }) {
  const allowed = usePermission(module.permission)
  if (!allowed || !module.path) return null
  return (
    <li>
      <NavLink to={module.path} className={linkClass}>
        {module.label}
        {assigned ? <span className="sr-only"> (assigned to you)</span> : null}
        {assigned ? <span aria-hidden className="ml-1 text-brand-600">•</span> : null}
      </NavLink>
    </li>
  )
}

function AdminShell({ children, assignedModules = [] }: { children: React.ReactNode; assignedModules?: readonly string[] }) {
  const env = usePublicEnv()
  const user = useOptionalUser()
  return (
    <div className="flex min-h-screen flex-col bg-stone-50">
      <header className="border-b border-stone-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center justify-between px-4 py-3">
          <Link to="/admin" className="text-lg font-bold tracking-tight text-brand-700">
            {env.SHOP_NAME} · Staff
          </Link>
          <div className="flex items-center gap-4 text-sm">
            <Link to="/">View shop</Link>
            {user ? (
              <form method="post" action="/logout">
                <button type="submit" className="text-stone-600 underline">
                  Sign out
                </button>
              </form>
            ) : null}
          </div>
        </div>
      </header>
      <div className="mx-auto grid w-full max-w-7xl flex-1 gap-8 px-4 py-8 md:grid-cols-[13rem_1fr]">
        <nav aria-label="Staff">
          <ul className="space-y-1 text-sm font-medium">
            <li>
              <NavLink to="/admin" end className={linkClass}>
                Overview
              </NavLink>
            </li>
            {ADMIN_MODULES.map((m) => (
              <ModuleLink key={m.id} module={m} assigned={assignedModules.includes(m.id)} />
            ))}
          </ul>
        </nav>
        <main id="main">{children}</main>
      </div>
    </div>
  )
}

export default function AdminLayout({ loaderData }: Route.ComponentProps) {
  return (
    <AdminShell assignedModules={loaderData.assignedModules}>
      <Outlet />
    </AdminShell>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Staff' }, { name: 'robots', content: 'noindex' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  let title = 'Something went wrong'
  let message = 'This page could not be shown. Please try again in a moment.'
  if (isRouteErrorResponse(error)) {
    if (error.status === 403) {
      title = 'Not allowed'
      message = 'Your account does not have access to this part of the staff area. Ask an admin if you need it.'
    } else if (error.status === 404) {
      title = 'Not found'
      message = 'There is nothing here. It may have been removed, or the address is mistyped.'
    } else if (typeof error.data === 'string' && error.status < 500) {
      message = error.data
    }
  }
  return (
    <div className="mx-auto max-w-xl px-6 py-24 text-center">
      <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      <p className="mt-4 text-stone-600">{message}</p>
      <p className="mt-8 flex justify-center gap-4">
        <Link to="/admin" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Staff home
        </Link>
        <Link to="/" className="rounded-md border border-stone-300 px-4 py-2 font-medium">
          Back to the shop
        </Link>
      </p>
    </div>
  )
}
