import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from 'react-router'
import type { Route } from './+types/root'
import { effectivePermissions } from '#app/domain/permissions.ts'
import { getOptionalUser } from '#app/utils/auth.server.ts'
import { getPublicEnv } from '#app/utils/env.server.ts'
import { useNonce } from '#app/utils/nonce-provider.ts'
import './app.css'

export async function loader({ request }: Route.LoaderArgs) {
  const user = await getOptionalUser(request)
  return {
    env: getPublicEnv(),
    // Only what the UI needs to decide what to show; the server checks every action itself.
    user: user ? { id: user.id, name: user.name, role: user.role, avatar: user.avatar, permissions: effectivePermissions(user) } : null,
  }
}

export function Layout({ children }: { children: React.ReactNode }) {
  // The CSP nonce for React Router's inline scripts (set on the server, '' in the browser).
  const nonce = useNonce() || undefined
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <Meta />
        {/* Styles need no nonce (style-src allows inline); an empty one keeps the server's
            out of <Links>, which the browser could not match when hydrating. */}
        <Links nonce="" />
      </head>
      <body className="min-h-screen">
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

/** Shop name, currency and locale as the root loader provided them. */
export function usePublicEnv() {
  const data = useRouteLoaderData<typeof loader>('root')
  return data?.env ?? { SHOP_NAME: 'Store', CURRENCY: 'INR', LOCALE: 'en-IN' }
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  let title = 'Something went wrong'
  let message = 'We could not show this page. Please try again in a moment.'
  let status = 500
  if (isRouteErrorResponse(error)) {
    status = error.status
    if (error.status === 404) {
      title = 'Page not found'
      message = 'The page you are looking for does not exist or has moved.'
    } else if (error.status === 403) {
      title = 'Not allowed'
      message = 'Your account does not have access to this page.'
    } else if (error.status === 503) {
      title = 'Temporarily unavailable'
      message = 'The store is starting up or under maintenance. Please retry shortly.'
    } else if (typeof error.data === 'string' && error.status < 500) {
      message = error.data
    }
  }
  return (
    <main className="mx-auto max-w-xl px-6 py-24 text-center">
      <p className="text-sm font-semibold text-brand-600">{status}</p>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">{title}</h1>
      <p className="mt-4 text-stone-600">{message}</p>
      <a href="/" className="mt-8 inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Back to the shop
      </a>
    </main>
  )
}
