import { Form, Link, redirect } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { StatusBadge } from '#app/components/orders/order-parts.tsx'
import { formatDateTime, startOfDay } from '#app/domain/dates.ts'
import { formatMoney } from '#app/domain/money.ts'
import { formatOrderNumber, ORDER_STATUSES, PAYMENT_METHOD_LABELS, PAYMENT_METHODS, STATUS_LABELS, type OrderStatus, type PaymentMethod } from '#app/domain/order.ts'
import { usePublicEnv } from '#app/root.tsx'
import { listOrders } from '#app/services/orders.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { PageLinks } from '#app/components/page-links.tsx'
import type { Route } from './+types/admin.orders._index'

const PAGE_SIZE = 25

interface Filters {
  status: OrderStatus | ''
  payment: PaymentMethod | ''
  paid: 'yes' | 'no' | ''
  from: string
  to: string
  q: string
}

const oneOf = <T extends string>(list: readonly T[], value: string | null): T | '' => ((list as readonly string[]).includes(value ?? '') ? (value as T) : '')

/** The filters as the URL holds them; anything unknown is dropped, never an error. */
function readFilters(url: URL, timeZone: string): Filters {
  const p = url.searchParams
  const day = (v: string | null) => (v && startOfDay(v, timeZone) ? v : '')
  return {
    status: oneOf(ORDER_STATUSES, p.get('status')),
    payment: oneOf(PAYMENT_METHODS, p.get('payment')),
    paid: oneOf(['yes', 'no'] as const, p.get('paid')),
    from: day(p.get('from')),
    to: day(p.get('to')),
    q: (p.get('q') ?? '').trim().slice(0, 100),
  }
}

/** The list URL for these filters and page (empty values left out, so every state is a plain link). */
function listUrl(f: Partial<Filters>, page = 1): string {
  const params = new URLSearchParams()
  if (f.q) params.set('q', f.q)
  if (f.status) params.set('status', f.status)
  if (f.payment) params.set('payment', f.payment)
  if (f.paid) params.set('paid', f.paid)
  if (f.from) params.set('from', f.from)
  if (f.to) params.set('to', f.to)
  if (page > 1) params.set('page', String(page))
  const s = params.toString()
  return s ? `/admin/orders?${s}` : '/admin/orders'
}

export async function loader({ request }: Route.LoaderArgs) {
  await requirePermission(request, 'order:read')
  const { env } = getRuntime()
  const url = new URL(request.url)
  const filters = readFilters(url, env.SHOP_TIMEZONE)
  const pageParam = Number(url.searchParams.get('page') ?? '1')
  const page = Number.isInteger(pageParam) && pageParam >= 1 && pageParam <= 10_000 ? pageParam : 1
  // The filter form sends every field, empty or not: answer with the short, shareable URL of that state.
  const canonical = listUrl(filters, page)
  if (url.search && `${url.pathname}${url.search}` !== canonical) throw redirect(canonical)
  const result = await listOrders({
    status: filters.status || undefined,
    paymentMethod: filters.payment || undefined,
    isPaid: filters.paid ? filters.paid === 'yes' : undefined,
    // Days are the shop's days; "to" includes the whole of that day.
    from: filters.from ? (startOfDay(filters.from, env.SHOP_TIMEZONE) ?? undefined) : undefined,
    to: filters.to ? (startOfDay(filters.to, env.SHOP_TIMEZONE, 1) ?? undefined) : undefined,
    q: filters.q || undefined,
    page,
    limit: PAGE_SIZE,
  })
  const orders = result.items.map((o) => ({ ...o, createdLabel: formatDateTime(o.createdAt, env.LOCALE, env.SHOP_TIMEZONE) }))
  // Past STAFF_COUNT_LIMIT matches the list is not counted to the end: the page count is unknown, "Older" shows while there is more.
  const pages = result.totalIsLowerBound ? null : Math.max(1, Math.ceil(result.total / PAGE_SIZE))
  return { orders, total: result.total, hasMore: result.hasMore, page, pages, filters }
}

const fieldClass = 'mt-1 rounded-md border border-stone-300 bg-white px-3 py-2'

export default function AdminOrders({ loaderData }: Route.ComponentProps) {
  const { orders, total, hasMore, page, pages, filters } = loaderData
  const { LOCALE } = usePublicEnv()
  const filtered = Boolean(filters.q || filters.status || filters.payment || filters.paid || filters.from || filters.to)
  return (
    <div>
      <h1 className="text-2xl font-bold tracking-tight">Orders</h1>

      <nav aria-label="Order status" className="mt-4">
        <ul className="flex flex-wrap gap-2 text-sm">
          {(['', ...ORDER_STATUSES] as const).map((s) => {
            const current = filters.status === s
            return (
              <li key={s || 'all'}>
                <Link
                  to={listUrl({ ...filters, status: s })}
                  aria-current={current ? 'page' : undefined}
                  className={`inline-block rounded-full px-3 py-1 ring-1 ring-inset ${current ? 'bg-brand-600 text-white ring-brand-600' : 'bg-white text-stone-700 ring-stone-300 hover:bg-stone-100'}`}
                >
                  {s ? STATUS_LABELS[s] : 'All'}
                </Link>
              </li>
            )
          })}
        </ul>
      </nav>

      <Form method="get" role="search" aria-label="Filter orders" className="mt-4 flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="q" className="block text-sm font-medium">
            Search
          </label>
          <input id="q" name="q" type="search" defaultValue={filters.q} maxLength={100} placeholder="Order number, id or phone" aria-describedby="q-hint" className={`${fieldClass} w-64`} />
          <p id="q-hint" className="sr-only">
            An order number such as #1042, an order id, or the customer&apos;s phone: the whole number in any format, or its last four or more digits.
          </p>
        </div>
        <div>
          <label htmlFor="status" className="block text-sm font-medium">
            Status
          </label>
          <select id="status" name="status" defaultValue={filters.status} className={fieldClass}>
            <option value="">Any</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="payment" className="block text-sm font-medium">
            Payment method
          </label>
          <select id="payment" name="payment" defaultValue={filters.payment} className={fieldClass}>
            <option value="">Any</option>
            {PAYMENT_METHODS.map((m) => (
              <option key={m} value={m}>
                {m === 'cod' ? 'Cash on delivery' : 'Razorpay'}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="paid" className="block text-sm font-medium">
            Paid
          </label>
          <select id="paid" name="paid" defaultValue={filters.paid} className={fieldClass}>
            <option value="">Any</option>
            <option value="yes">Paid</option>
            <option value="no">Not paid</option>
          </select>
        </div>
        <div>
          <label htmlFor="from" className="block text-sm font-medium">
            From
          </label>
          <input id="from" name="from" type="date" defaultValue={filters.from} className={fieldClass} />
        </div>
        <div>
          <label htmlFor="to" className="block text-sm font-medium">
            To
          </label>
          <input id="to" name="to" type="date" defaultValue={filters.to} className={fieldClass} />
        </div>
        <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Filter
        </button>
        {filtered ? (
          <Link to="/admin/orders" className="pb-2 text-sm text-brand-700 underline">
            Clear filters
          </Link>
        ) : null}
      </Form>

      <p className="mt-4 text-sm text-stone-600" role="status">
        {total === 0
          ? 'No orders match.'
          : pages === null
            ? `${total.toLocaleString(LOCALE)}+ orders; page ${page}.`
            : `${total} order${total === 1 ? '' : 's'}; page ${page} of ${pages}.`}
      </p>
      {total > 0 ? (
        <div className="mt-2 overflow-x-auto rounded-lg border border-stone-200 bg-white">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Orders, newest first</caption>
            <thead className="bg-stone-100 text-stone-700">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Order
                </th>
                <th scope="col" className="px-3 py-2">
                  Placed
                </th>
                <th scope="col" className="px-3 py-2">
                  Customer
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Items
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Total
                </th>
                <th scope="col" className="px-3 py-2">
                  Payment
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id} className="border-t border-stone-100">
                  <td className="px-3 py-2">
                    <Link to={`/admin/orders/${o.id}`} className="font-medium text-brand-700 underline">
                      Order {formatOrderNumber(o.number)}
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    <time dateTime={o.createdAt}>{o.createdLabel}</time>
                  </td>
                  <td className="px-3 py-2">
                    {o.customer.name || 'Unnamed'}
                    {o.customer.phone ? <span className="block text-xs text-stone-500">{o.customer.phone}</span> : null}
                  </td>
                  <td className="px-3 py-2 text-right">{o.itemCount}</td>
                  <td className="px-3 py-2 text-right">{formatMoney(o.totalPrice, o.currency, LOCALE)}</td>
                  <td className="px-3 py-2">
                    {o.paymentMethod === 'cod' ? 'COD' : PAYMENT_METHOD_LABELS[o.paymentMethod].split(' ')[0]}
                    <span className={`block text-xs ${o.isPaid ? 'text-green-800' : 'text-stone-500'}`}>{o.isPaid ? 'Paid' : 'Not paid'}</span>
                  </td>
                  <td className="px-3 py-2">
                    <StatusBadge status={o.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <PageLinks page={page} pages={pages} hasMore={hasMore} href={(p) => listUrl(filters, p)} previous="← Newer" next="Older →" />
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Orders · Staff' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/admin" backLabel="Staff home" />
}
