import { NavLink, Outlet } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/_shop.account'

export async function loader({ request }: Route.LoaderArgs) {
  await requireUser(request)
  return null
}

const navItems = [
  { to: '/account', label: 'Profile', end: true },
  { to: '/account/orders', label: 'Orders', end: false },
  { to: '/account/wishlist', label: 'Wishlist', end: false },
  { to: '/account/addresses', label: 'Addresses', end: false },
]

export default function AccountLayout() {
  return (
    <AccountFrame>
      <Outlet />
    </AccountFrame>
  )
}

/** The account area failed to load: the message, still with the account menu (inside the shop layout). */
export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return (
    <AccountFrame>
      <RouteError error={error} backTo="/" backLabel="Back to the shop" />
    </AccountFrame>
  )
}

function AccountFrame({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid gap-8 md:grid-cols-[12rem_1fr]">
      <nav aria-label="Account">
        <ul className="space-y-1 text-sm font-medium">
          {navItems.map((item) => (
            <li key={item.to}>
              <NavLink
                to={item.to}
                end={item.end}
                className={({ isActive }) => `block rounded-md px-3 py-2 ${isActive ? 'bg-brand-50 text-brand-700' : 'text-stone-700 hover:bg-stone-100'}`}
              >
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <section>{children}</section>
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Your account' }]
