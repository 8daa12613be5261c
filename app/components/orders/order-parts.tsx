/** Pieces of an order shared by checkout, the shopper's order pages and the staff order pages. */
import { Link } from 'react-router'
import { formatMoney } from '#app/domain/money.ts'
import { formatOrderNumber, PAYMENT_METHOD_LABELS, STATUS_LABELS, type OrderStatus, type PaymentMethod, type ShippingAddress } from '#app/domain/order.ts'
import type { Totals } from '#app/domain/pricing.ts'
import { SHIPPING_OPTIONS, type ShippingMethod } from '#app/domain/shipping.ts'

export interface Flash {
  kind: 'success' | 'error'
  message: string
}

/** A flash message from the previous request (post/redirect/get). */
export function FlashMessage({ flash }: { flash: Flash | null }) {
  if (!flash) return null
  return (
    <p role="status" className={`rounded-md border px-3 py-2 text-sm ${flash.kind === 'success' ? 'border-green-200 bg-green-50 text-green-800' : 'border-red-200 bg-red-50 text-red-800'}`}>
      {flash.message}
    </p>
  )
}

/** A form's error that concerns the whole form. */
export function FormError({ message, id }: { message: string | null | undefined; id?: string }) {
  if (!message) return null
  return (
    <p role="alert" id={id} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
    </p>
  )
}

const STATUS_STYLES: Record<OrderStatus, string> = {
  pending_payment: 'bg-amber-50 text-amber-800 ring-amber-200',
  processing: 'bg-sky-50 text-sky-800 ring-sky-200',
  shipped: 'bg-indigo-50 text-indigo-800 ring-indigo-200',
  out_for_delivery: 'bg-violet-50 text-violet-800 ring-violet-200',
  delivered: 'bg-green-50 text-green-800 ring-green-200',
  cancelled: 'bg-stone-100 text-stone-700 ring-stone-300',
  returned: 'bg-stone-100 text-stone-700 ring-stone-300',
}

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_STYLES[status]}`}>{STATUS_LABELS[status]}</span>
}

/** Items, tax, shipping (named by its delivery option when there is one) and total as the server computed them. */
export function OrderTotals({ totals, currency, locale, itemCount, shippingMethod }: { totals: Totals; currency: string; locale: string; itemCount?: number; shippingMethod?: ShippingMethod }) {
  const money = (minor: number) => formatMoney(minor, currency, locale)
  return (
    <dl className="grid grid-cols-[1fr_auto] gap-y-2 text-sm">
      <dt>{itemCount === undefined ? 'Items' : `Items (${itemCount})`}</dt>
      <dd className="text-right">{money(totals.itemsPrice)}</dd>
      <dt>GST</dt>
      <dd className="text-right">{money(totals.taxPrice)}</dd>
      <dt>{shippingMethod ? SHIPPING_OPTIONS[shippingMethod].label : 'Shipping'}</dt>
      <dd className="text-right">{totals.shippingPrice === 0 ? 'Free' : money(totals.shippingPrice)}</dd>
      <dt className="border-t border-stone-200 pr-6 pt-2 text-base font-semibold">Total</dt>
      <dd className="border-t border-stone-200 pt-2 text-right text-base font-semibold">{money(totals.totalPrice)}</dd>
    </dl>
  )
}

export function AddressLines({ address }: { address: ShippingAddress }) {
  return (
    <address className="text-sm not-italic leading-6">
      <span className="font-medium">{address.name}</span>
      <br />
      {address.line1}
      {address.line2 ? (
        <>
          <br />
          {address.line2}
        </>
      ) : null}
      <br />
      {address.city}, {address.state} {address.postalCode}
      {address.country !== 'IN' ? `, ${address.country}` : ''}
      <br />
      Phone: {address.phone}
    </address>
  )
}

export function paymentMethodLabel(method: PaymentMethod): string {
  return PAYMENT_METHOD_LABELS[method]
}

export interface OrderLine {
  productId: string
  name: string
  size: string
  quantity: number
  price: number
  slug: string | null
}

/** The order's lines with unit price and line total; product names link to their pages. */
export function OrderLines({ items, currency, locale, label = 'Items' }: { items: readonly OrderLine[]; currency: string; locale: string; label?: string }) {
  const money = (minor: number) => formatMoney(minor, currency, locale)
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">{label}</caption>
      <thead className="text-stone-600">
        <tr>
          <th scope="col" className="py-2 pr-3 font-medium">
            Item
          </th>
          <th scope="col" className="px-3 py-2 font-medium">
            Size
          </th>
          <th scope="col" className="px-3 py-2 text-right font-medium">
            Qty
          </th>
          <th scope="col" className="px-3 py-2 text-right font-medium">
            Price
          </th>
          <th scope="col" className="py-2 pl-3 text-right font-medium">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={`${i.productId}|${i.size}`} className="border-t border-stone-100">
            <td className="py-2 pr-3">
              {i.slug ? (
                <Link to={`/products/${i.slug}`} className="font-medium text-brand-700 hover:underline">
                  {i.name}
                </Link>
              ) : (
                <span className="font-medium">{i.name}</span>
              )}
            </td>
            <td className="px-3 py-2">{i.size}</td>
            <td className="px-3 py-2 text-right">{i.quantity}</td>
            <td className="px-3 py-2 text-right">{money(i.price)}</td>
            <td className="py-2 pl-3 text-right">{money(i.price * i.quantity)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export interface TimelineEvent {
  status: OrderStatus
  at: string
  /** `at` formatted by the loader in the shop's time zone */
  atLabel: string
  note?: string
  actor?: { id: string; name: string; role: string } | null
}

const ROLE_NAMES: Record<string, string> = { user: 'customer', admin: 'admin', account_manager: 'account manager', warehouse: 'warehouse', accountant: 'accountant' }

/** The order's events, oldest first; staff also see who made each change. */
export function OrderTimeline({ events, showActors = false }: { events: readonly TimelineEvent[]; showActors?: boolean }) {
  return (
    <ol aria-label="Order timeline" className="space-y-3 border-l-2 border-stone-200 pl-4">
      {events.map((e, index) => (
        <li key={`${e.at}-${index}`} className="text-sm">
          <p>
            <span className="font-medium">{STATUS_LABELS[e.status]}</span> · <time dateTime={e.at}>{e.atLabel}</time>
          </p>
          {e.note ? <p className="text-stone-700">{e.note}</p> : null}
          {showActors ? (
            <p className="text-xs text-stone-500">
              {e.actor ? `By ${e.actor.name || 'unnamed user'} (${ROLE_NAMES[e.actor.role] ?? e.actor.role})` : 'By the system'}
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  )
}

/** The order page's heading: a link back to the list, the order number, when it was placed and its status. */
export function OrderHeader({ order, backTo, showId = false }: { order: { id: string; number: number; status: OrderStatus; createdAt: string; createdLabel: string }; backTo: string; showId?: boolean }) {
  return (
    <div>
      <p className="text-sm">
        <Link to={backTo} className="text-brand-700 underline">
          ← All orders
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight">Order {formatOrderNumber(order.number)}</h1>
      <p className="mt-1 flex flex-wrap items-center gap-3 text-sm text-stone-600">
        <span>
          Placed <time dateTime={order.createdAt}>{order.createdLabel}</time>
        </span>
        <span>
          Status: <StatusBadge status={order.status} />
        </span>
        {showId ? <span className="font-mono text-xs">{order.id}</span> : null}
      </p>
    </div>
  )
}
