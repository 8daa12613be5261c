import { data, Link } from 'react-router'
import { FlashMessage, StatusBadge } from '#app/components/orders/order-parts.tsx'
import { formatDate } from '#app/domain/dates.ts'
import { formatMoney } from '#app/domain/money.ts'
import { formatOrderNumber } from '#app/domain/order.ts'
import { usePublicEnv } from '#app/root.tsx'
import { listCustomerOrders } from '#app/services/orders.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import { PageLinks } from '#app/components/page-links.tsx'
import type { Route } from './+types/_shop.account.orders._index'

const PAGE_SIZE = 10

export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireUser(request)
  const { env } = getRuntime()
  const pageParam = Number(new URL(request.url).searchParams.get('page') ?? '1')
  const page = Number.isInteger(pageParam) && pageParam >= 1 && pageParam <= 10_000 ? pageParam : 1
  const result = await listCustomerOrders(user.id, { page, limit: PAGE_SIZE })
  const orders = result.items.map((o) => ({
    id: o.id,
    number: o.number,
    status: o.status,
    totalPrice: o.totalPrice,
    currency: o.currency,
    pieces: o.items.reduce((n, i) => n + i.quantity, 0),
    firstItem: o.items[0]?.name ?? null,
    createdAt: o.createdAt,
    createdLabel: formatDate(o.createdAt, env.LOCALE, env.SHOP_TIMEZONE),
  }))
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  const headers = new Headers({ 'Cache-Control': 'private, no-store' })
  if (flash) headers.append('Set-Cookie', await commitSession(session))
  return data({ orders, page: result.page, pages: Math.max(1, Math.ceil(result.total / result.limit)), total: result.total, flash }, { headers })
}

export default function OrdersPage({ loaderData }: Route.ComponentProps) {
  const { orders, page, pages, total, flash } = loaderData
  const { LOCALE } = usePublicEnv()
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Orders</h1>
      <FlashMessage flash={flash} />
      {total === 0 ? (
        <div className="rounded-lg border border-dashed border-stone-300 p-10 text-center">
          <p className="text-lg font-medium">You have not ordered anything yet.</p>
          <Link to="/" className="mt-4 inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Start shopping
          </Link>
        </div>
      ) : (
        <>
          <ul aria-label="Your orders" className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
            {orders.map((o) => (
              <li key={o.id} aria-label={`Order ${formatOrderNumber(o.number)}`} className="flex flex-wrap items-center justify-between gap-4 p-4">
                <div>
                  <Link to={`/account/orders/${o.id}`} className="font-medium text-brand-700 underline">
                    Order {formatOrderNumber(o.number)}
                  </Link>
                  <p className="text-sm text-stone-600">
                    Placed <time dateTime={o.createdAt}>{o.createdLabel}</time> · {o.pieces} {o.pieces === 1 ? 'item' : 'items'}
                    {o.firstItem ? ` · ${o.firstItem}${o.pieces > 1 ? ' and more' : ''}` : ''}
                  </p>
                </div>
                <div className="flex items-center gap-4">
                  <StatusBadge status={o.status} />
                  <span className="font-semibold">{formatMoney(o.totalPrice, o.currency, LOCALE)}</span>
                </div>
              </li>
            ))}
          </ul>
          <PageLinks page={page} pages={pages} href={(p) => (p === 1 ? '/account/orders' : `/account/orders?page=${p}`)} previous="← Newer orders" next="Older orders →" />
        </>
      )}
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Your orders' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/account" backLabel="Your account" />
}
