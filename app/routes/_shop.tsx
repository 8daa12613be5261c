import { Link, Outlet } from 'react-router'
import { usePublicEnv } from '#app/root.tsx'

export default function ShopLayout() {
  const env = usePublicEnv()
  return (
    <div className="flex min-h-screen flex-col">
      <header className="border-b border-stone-200 bg-white">
        <div className="mx-auto flex max-w-7xl items-center justify-between px-4 py-4">
          <Link to="/" className="text-xl font-bold tracking-tight text-brand-700">
            {env.SHOP_NAME}
          </Link>
          <nav aria-label="Main" className="flex gap-6 text-sm font-medium">
            <Link to="/">Shop</Link>
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-4 py-8">
        <Outlet />
      </main>
      <footer className="border-t border-stone-200 bg-white">
        <div className="mx-auto max-w-7xl px-4 py-6 text-sm text-stone-500">
          © {new Date().getFullYear()} {env.SHOP_NAME}. Prices include all taxes where shown.
        </div>
      </footer>
    </div>
  )
}
