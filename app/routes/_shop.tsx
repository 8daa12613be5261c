import { Form, Link, Outlet } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { useCartCount } from '#app/components/use-shop.ts'
import { useOptionalUser } from '#app/components/use-user.ts'
import { usePublicEnv } from '#app/root.tsx'
import { getCartItemCount } from '#app/services/cart.server.ts'
import { getWishlistProductIds } from '#app/services/wishlist.server.ts'
import { getOptionalUser } from '#app/utils/auth.server.ts'
import { getCartOwner } from '#app/utils/cart-cookie.server.ts'
import type { Route } from './+types/_shop'

/** The header's cart count and the ids behind the wishlist hearts (app/components/use-shop.ts). */
export async function loader({ request }: Route.LoaderArgs) {
  const user = await getOptionalUser(request)
  const owner = await getCartOwner(request, user)
  const [cartCount, wishlist] = await Promise.all([owner ? getCartItemCount(owner) : 0, user ? getWishlistProductIds(user.id) : []])
  return { cartCount, wishlist }
}

export default function ShopLayout() {
  return (
    <ShopFrame>
      <Outlet />
    </ShopFrame>
  )
}

/** A shop page that failed (its own loader or the layout's): the message, still with the header and footer. */
export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return (
    <ShopFrame>
      <RouteError error={error} backTo="/" backLabel="Back to the shop" />
    </ShopFrame>
  )
}

/** Skip link, header, the page in <main id="main">, footer. */
function ShopFrame({ children }: { children: React.ReactNode }) {
  const env = usePublicEnv()
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-4 focus:py-2 focus:font-medium focus:text-brand-700 focus:shadow focus:outline-none focus:ring-2 focus:ring-brand-600"
      >
        Skip to content
      </a>
      <header className="border-b border-stone-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center justify-between px-4 py-4">
          <Link to="/" className="text-xl font-bold tracking-tight text-brand-700">
            {env.SHOP_NAME}
          </Link>
          <nav aria-label="Main" className="flex gap-6 text-sm font-medium">
            <Link to="/">Shop</Link>
          </nav>
          <Form method="get" action="/search" role="search" className="flex items-center gap-2">
            <label htmlFor="site-search" className="sr-only">
              Search products
            </label>
            <input
              id="site-search"
              type="search"
              name="q"
              maxLength={100}
              placeholder="Search kurtas, shirts…"
              className="w-40 rounded-md border border-stone-400 px-3 py-1.5 text-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600 sm:w-64"
            />
            <button type="submit" className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:ring-offset-2">
              Search
            </button>
          </Form>
          <CartLink />
          <UserMenu />
        </div>
      </header>
      {/* tabIndex: the skip link moves keyboard focus here, not only the scroll position. */}
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-4 py-8 focus:outline-none">
        {children}
      </main>
      <footer className="border-t border-stone-200 bg-white">
        <div className="mx-auto max-w-7xl px-4 py-6 text-sm text-stone-500">
          © {new Date().getFullYear()} {env.SHOP_NAME}. Prices include all taxes where shown.
        </div>
      </footer>
    </div>
  )
}

/** The cart with its item count (a plain link: works without JS). */
function CartLink() {
  const count = useCartCount()
  return (
    <Link to="/cart" className="text-sm font-medium" aria-label={`Cart, ${count} ${count === 1 ? 'item' : 'items'}`}>
      Cart <span className="ml-1 rounded-full bg-brand-50 px-2 py-0.5 text-brand-700">{count}</span>
    </Link>
  )
}

/** "Sign in", or the user's name with their account link and a sign-out button (a POST form, works without JS). */
function UserMenu() {
  const user = useOptionalUser()
  if (!user) {
    return (
      <Link to="/login" className="text-sm font-medium text-brand-700">
        Sign in
      </Link>
    )
  }
  return (
    <div className="flex items-center gap-4 text-sm">
      <span className="text-stone-600">{user.name || 'Signed in'}</span>
      <Link to="/account" className="font-medium">
        Account
      </Link>
      <Form method="post" action="/logout">
        <button type="submit" className="font-medium text-stone-600 hover:text-stone-900">
          Sign out
        </button>
      </Form>
    </div>
  )
}
