import { data, Form, isRouteErrorResponse, Link, redirect, useNavigation } from 'react-router'
import { AddressLines, FlashMessage, FormError, OrderHeader, OrderLines, OrderTimeline, OrderTotals, paymentMethodLabel } from '#app/components/orders/order-parts.tsx'
import { formatDateTime } from '#app/domain/dates.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { formatMoney } from '#app/domain/money.ts'
import { CUSTOMER_CANCELLABLE, formatOrderNumber, STATUS_LABELS } from '#app/domain/order.ts'
import { expectedDelivery, SHIPPING_OPTIONS } from '#app/domain/shipping.ts'
import { usePublicEnv } from '#app/root.tsx'
import { cancelByCustomer, getOrderForCustomer } from '#app/services/orders.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import type { Route } from './+types/_shop.account.orders.$orderId'

const MAX_REASON = 200

export async function loader({ request, params }: Route.LoaderArgs) {
  const user = await requireUser(request)
  // Another user's order is indistinguishable from one that does not exist.
  const order = await getOrderForCustomer(user.id, params.orderId)
  if (!order) throw data('We could not find that order in your account.', { status: 404 })
  const { env } = getRuntime()
  const at = (iso: string) => formatDateTime(iso, env.LOCALE, env.SHOP_TIMEZONE)
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  const headers = new Headers({ 'Cache-Control': 'private, no-store' })
  if (flash) headers.append('Set-Cookie', await commitSession(session))
  return data(
    {
      order: {
        ...order,
        createdLabel: at(order.createdAt),
        paidLabel: order.paidAt ? at(order.paidAt) : null,
        arrives: expectedDelivery(order, env.SHOP_TIMEZONE, env.LOCALE),
        // Shoppers see what happened and when, not which staff member did it.
        events: order.events.map((e) => ({ status: e.status, at: e.at, atLabel: at(e.at), ...(e.note ? { note: e.note } : {}) })),
      },
      cancellable: CUSTOMER_CANCELLABLE.includes(order.status),
      flash,
    },
    { headers },
  )
}

export async function action({ request, params }: Route.ActionArgs) {
  const user = await requireUser(request)
  const form = await request.formData()
  if (form.get('intent') !== 'cancel') return data({ error: 'Unknown action.' }, { status: 400 })
  const reason = String(form.get('reason') ?? '').trim()
  if (reason.length > MAX_REASON) return data({ error: `Keep the reason under ${MAX_REASON} characters.` }, { status: 400 })
  try {
    const order = await cancelByCustomer(user.id, params.orderId, { reason: reason || undefined, requestId: request.headers.get('X-Request-Id') })
    const session = await getSession(request)
    const refund = order.payment?.status === 'refund_pending' ? ' Your payment will be refunded to its original method.' : ''
    session.flash('flash', { kind: 'success', message: `Order ${formatOrderNumber(order.number)} was cancelled.${refund}` })
    return redirect(`/account/orders/${order.id}`, { headers: { 'Set-Cookie': await commitSession(session) } })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    if (err.code === 'NOT_FOUND') throw data('We could not find that order in your account.', { status: 404 })
    return data({ error: err.message }, { status: STATUS_BY_CODE[err.code] })
  }
}

export default function OrderPage({ loaderData, actionData }: Route.ComponentProps) {
  const { order, cancellable, flash } = loaderData
  const { LOCALE } = usePublicEnv()
  const busy = useNavigation().state !== 'idle'
  const awaitingPayment = order.paymentMethod === 'razorpay' && order.status === 'pending_payment' && !order.isPaid
  // Cancelling refunds a payment made through Razorpay (one staff recorded by hand is refunded by hand).
  const refundsOnCancel = order.paymentMethod === 'razorpay' && order.payment?.status === 'captured' && Boolean(order.payment.providerPaymentId)
  return (
    <div className="space-y-6">
      <OrderHeader order={order} backTo="/account/orders" />
      <FlashMessage flash={flash} />
      <FormError message={actionData?.error} />
      {awaitingPayment ? (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          We are waiting for your payment.{' '}
          <Link to={`/checkout/payment/${order.id}`} className="font-medium underline">
            Pay now
          </Link>
        </p>
      ) : null}

      <div className="grid gap-6 lg:grid-cols-[1fr_18rem]">
        <div className="space-y-6">
          <section aria-labelledby="items-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="items-title" className="mb-2 text-lg font-semibold">
              Items
            </h2>
            <OrderLines items={order.items} currency={order.currency} locale={LOCALE} />
          </section>
          <section aria-labelledby="timeline-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="timeline-title" className="mb-3 text-lg font-semibold">
              Timeline
            </h2>
            <OrderTimeline events={order.events} />
          </section>
        </div>
        <div className="space-y-6">
          <section aria-labelledby="total-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="total-title" className="mb-2 text-lg font-semibold">
              Total
            </h2>
            <OrderTotals totals={order} currency={order.currency} locale={LOCALE} shippingMethod={order.shippingMethod} />
          </section>
          <section aria-labelledby="delivery-title" className="space-y-1 rounded-lg border border-stone-200 bg-white p-4 text-sm">
            <h2 id="delivery-title" className="mb-1 text-lg font-semibold">
              Delivery
            </h2>
            <p>{SHIPPING_OPTIONS[order.shippingMethod].label}</p>
            {order.arrives ? <p>Expected {order.arrives}</p> : null}
          </section>
          <section aria-labelledby="payment-title" className="space-y-1 rounded-lg border border-stone-200 bg-white p-4 text-sm">
            <h2 id="payment-title" className="mb-1 text-lg font-semibold">
              Payment
            </h2>
            <p>{paymentMethodLabel(order.paymentMethod)}</p>
            <p>{order.isPaid ? `Paid${order.paidLabel ? ` on ${order.paidLabel}` : ''}` : order.paymentMethod === 'cod' ? 'To pay on delivery' : 'Not paid yet'}</p>
            {order.payment?.status === 'refunded' ? (
              <p>{`${formatMoney(order.payment.amount, order.currency, LOCALE)} refunded to your original payment method. It can take 5–7 working days to reach your account.`}</p>
            ) : order.payment?.status === 'refund_pending' || order.payment?.status === 'refund_failed' ? (
              <p>{`We are refunding ${formatMoney(order.payment.amount, order.currency, LOCALE)} to your original payment method.`}</p>
            ) : null}
          </section>
          <section aria-labelledby="address-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="address-title" className="mb-1 text-lg font-semibold">
              Shipping address
            </h2>
            <AddressLines address={order.shippingAddress} />
          </section>
          {cancellable ? (
            <section aria-labelledby="cancel-title" className="rounded-lg border border-stone-200 bg-white p-4">
              <h2 id="cancel-title" className="text-lg font-semibold">
                Cancel this order
              </h2>
              <p className="mt-1 text-sm text-stone-600">
                You can cancel until the order ships{refundsOnCancel ? '; your online payment is then refunded to its original method automatically' : ''}.
              </p>
              <Form method="post" className="mt-3 space-y-3">
                <input type="hidden" name="intent" value="cancel" />
                <div>
                  <label htmlFor="cancel-reason" className="block text-sm font-medium">
                    Reason <span className="font-normal text-stone-500">(optional)</span>
                  </label>
                  <input id="cancel-reason" name="reason" type="text" maxLength={MAX_REASON} className="mt-1 block w-full rounded-md border border-stone-300 px-3 py-2 text-sm" />
                </div>
                <button type="submit" disabled={busy} className="rounded-md border border-red-300 px-4 py-2 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-60">
                  Cancel order
                </button>
              </Form>
            </section>
          ) : order.status === 'shipped' || order.status === 'out_for_delivery' ? (
            <p className="text-sm text-stone-600">This order is {STATUS_LABELS[order.status].toLowerCase()} and can no longer be cancelled online.</p>
          ) : null}
        </div>
      </div>
    </div>
  )
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Order ${formatOrderNumber(data.order.number)}` : 'Order not found' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const notFound = isRouteErrorResponse(error) && error.status === 404
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">{notFound ? 'Order not found' : 'Something went wrong'}</h1>
      <p className="text-stone-600">{notFound ? 'We could not find that order in your account. Check the link, or pick it from your orders.' : 'This order could not be shown. Please try again in a moment.'}</p>
      <Link to="/account/orders" className="inline-block font-medium text-brand-700 underline">
        Your orders
      </Link>
    </div>
  )
}
