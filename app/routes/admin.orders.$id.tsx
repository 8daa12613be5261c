import { data, Form, redirect, useNavigation } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { AddressLines, FlashMessage, FormError, OrderHeader, OrderLines, OrderTimeline, OrderTotals, paymentMethodLabel } from '#app/components/orders/order-parts.tsx'
import { formatDateTime } from '#app/domain/dates.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { formatOrderNumber, staffTargets, STATUS_LABELS, StatusChangeSchema } from '#app/domain/order.ts'
import { expectedDelivery, SHIPPING_OPTIONS } from '#app/domain/shipping.ts'
import { hasPermission } from '#app/domain/permissions.ts'
import { usePublicEnv } from '#app/root.tsx'
import { changeStatus, getOrder, markPaid } from '#app/services/orders.server.ts'
import { getRefundState } from '#app/services/payments.server.ts'
import { getUserForAdmin } from '#app/services/users.server.ts'
import { fieldErrors } from '#app/utils/api.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import type { Route } from './+types/admin.orders.$id'

const MAX_NOTE = 500

const REFUND_LABELS = {
  refund_pending: 'Refund requested: being sent to Razorpay',
  refunded: 'Refunded through Razorpay',
  refund_failed: 'Refund failed',
} as const

interface ActionFailure {
  intent: 'status' | 'mark-paid'
  error: string
  fields?: Record<string, string>
  values?: { status: string; note: string }
}

export async function loader({ request, params }: Route.LoaderArgs) {
  const user = await requirePermission(request, 'order:read')
  const order = await getOrder(params.id)
  if (!order) throw data('There is no order with this id.', { status: 404 })
  const { env } = getRuntime()
  const at = (iso: string) => formatDateTime(iso, env.LOCALE, env.SHOP_TIMEZONE)
  const [customer, refund] = await Promise.all([getUserForAdmin(order.userId), getRefundState(order.id)])
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  return data(
    {
      order: {
        ...order,
        createdLabel: at(order.createdAt),
        paidLabel: order.paidAt ? at(order.paidAt) : null,
        arrives: expectedDelivery(order, env.SHOP_TIMEZONE, env.LOCALE),
        events: order.events.map((e) => ({ ...e, atLabel: at(e.at) })),
      },
      customer: customer ? { name: customer.name, phone: customer.phone, email: customer.email } : null,
      refund: refund ? { ...refund, lastAttemptLabel: refund.lastAttemptAt ? at(refund.lastAttemptAt) : null } : null,
      // Only the moves this staff member may make from here; the service checks again.
      targets: staffTargets(user, order),
      canMarkPaid: hasPermission(user, 'payment:update') && !order.isPaid && order.status !== 'cancelled' && order.status !== 'returned',
      flash,
    },
    { headers: flash ? { 'Set-Cookie': await commitSession(session) } : undefined },
  )
}

export async function action({ request, params }: Route.ActionArgs) {
  const form = await request.formData()
  const intent = form.get('intent')
  const note = String(form.get('note') ?? '').trim()
  const requestId = request.headers.get('X-Request-Id')
  let message: string
  try {
    if (intent === 'status') {
      const user = await requirePermission(request, 'order:update')
      const values = { status: String(form.get('status') ?? ''), note }
      const parsed = StatusChangeSchema.safeParse({ status: values.status, note: note || undefined })
      if (!parsed.success) return data<ActionFailure>({ intent, error: 'Check the status change.', fields: fieldErrors(parsed.error), values }, { status: 400 })
      const order = await changeStatus(user, params.id, parsed.data.status, { note: parsed.data.note, requestId })
      message = `Order ${formatOrderNumber(order.number)} is now ${STATUS_LABELS[order.status].toLowerCase()}.`
    } else if (intent === 'mark-paid') {
      const user = await requirePermission(request, 'payment:update')
      if (note.length > MAX_NOTE) return data<ActionFailure>({ intent, error: `The note is too long (at most ${MAX_NOTE} characters).` }, { status: 400 })
      const order = await markPaid(params.id, { actorId: user.id, note: note || undefined, requestId })
      message = `Payment recorded for order ${formatOrderNumber(order.number)}.`
    } else {
      return data<ActionFailure>({ intent: 'status', error: 'Unknown action.' }, { status: 400 })
    }
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    if (err.code === 'NOT_FOUND') throw data('There is no order with this id.', { status: 404 })
    return data<ActionFailure>(
      { intent: intent === 'mark-paid' ? 'mark-paid' : 'status', error: err.message, values: { status: String(form.get('status') ?? ''), note } },
      { status: STATUS_BY_CODE[err.code] },
    )
  }
  const session = await getSession(request)
  session.flash('flash', { kind: 'success', message })
  return redirect(`/admin/orders/${params.id}`, { headers: { 'Set-Cookie': await commitSession(session) } })
}

export default function AdminOrder({ loaderData, actionData }: Route.ComponentProps) {
  const { order, customer, refund, targets, canMarkPaid, flash } = loaderData
  const failure = actionData as ActionFailure | undefined
  const { LOCALE } = usePublicEnv()
  const busy = useNavigation().state !== 'idle'
  const statusError = failure?.intent === 'status' ? failure : undefined
  const paidError = failure?.intent === 'mark-paid' ? failure : undefined
  return (
    <div className="space-y-6">
      <OrderHeader order={order} backTo="/admin/orders" showId />
      <FlashMessage flash={flash} />

      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="space-y-6">
          <section aria-labelledby="items-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="items-title" className="mb-2 text-lg font-semibold">
              Items
            </h2>
            <OrderLines items={order.items} currency={order.currency} locale={LOCALE} />
            <div className="mt-4 border-t border-stone-200 pt-4">
              <OrderTotals totals={order} currency={order.currency} locale={LOCALE} shippingMethod={order.shippingMethod} />
            </div>
          </section>
          <section aria-labelledby="timeline-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="timeline-title" className="mb-3 text-lg font-semibold">
              Timeline
            </h2>
            <OrderTimeline events={order.events} showActors />
          </section>
        </div>

        <div className="space-y-6">
          <section aria-labelledby="status-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="status-title" className="text-lg font-semibold">
              Change status
            </h2>
            {targets.length === 0 ? (
              <p className="mt-2 text-sm text-stone-600">There is no status change you can make to this order.</p>
            ) : (
              <Form method="post" className="mt-3 space-y-3" aria-labelledby="status-title">
                <input type="hidden" name="intent" value="status" />
                <FormError message={statusError?.error} />
                <div>
                  <label htmlFor="status" className="block text-sm font-medium">
                    New status
                  </label>
                  <select
                    id="status"
                    name="status"
                    required
                    defaultValue={statusError?.values?.status ?? targets[0]}
                    aria-invalid={statusError?.fields?.status ? true : undefined}
                    className="mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2"
                  >
                    {targets.map((s) => (
                      <option key={s} value={s}>
                        {STATUS_LABELS[s]}
                      </option>
                    ))}
                  </select>
                </div>
                <div>
                  <label htmlFor="status-note" className="block text-sm font-medium">
                    Note <span className="font-normal text-stone-500">(optional)</span>
                  </label>
                  <textarea
                    id="status-note"
                    name="note"
                    rows={2}
                    maxLength={MAX_NOTE}
                    defaultValue={statusError?.values?.note ?? ''}
                    aria-invalid={statusError?.fields?.note ? true : undefined}
                    aria-describedby={statusError?.fields?.note ? 'status-note-error' : undefined}
                    className="mt-1 block w-full rounded-md border border-stone-300 px-3 py-2 text-sm"
                  />
                  {statusError?.fields?.note ? (
                    <p id="status-note-error" className="mt-1 text-sm text-red-700">
                      {statusError.fields.note}
                    </p>
                  ) : null}
                </div>
                <button type="submit" disabled={busy} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
                  Update status
                </button>
              </Form>
            )}
          </section>

          <section aria-labelledby="payment-title" className="space-y-2 rounded-lg border border-stone-200 bg-white p-4 text-sm">
            <h2 id="payment-title" className="text-lg font-semibold">
              Payment
            </h2>
            <p>{paymentMethodLabel(order.paymentMethod)}</p>
            <p>{order.isPaid ? `Paid${order.paidLabel ? ` on ${order.paidLabel}` : ''}` : 'Not paid'}</p>
            {order.payment?.providerPaymentId ? <p className="font-mono text-xs">{order.payment.providerPaymentId}</p> : null}
            {refund ? (
              <div className="space-y-1 border-t border-stone-200 pt-2">
                <p className={refund.status === 'refund_failed' ? 'font-medium text-red-700' : 'font-medium'}>{REFUND_LABELS[refund.status]}</p>
                {refund.refundId ? <p className="font-mono text-xs">{refund.refundId}</p> : null}
                {refund.status === 'refund_failed' ? (
                  <p>
                    {`${refund.error ?? 'Unknown error'} (attempt ${refund.attempts} of ${refund.maxAttempts}${refund.lastAttemptLabel ? `, ${refund.lastAttemptLabel}` : ''}). `}
                    {refund.attempts >= refund.maxAttempts ? 'No more automatic attempts: refund it in the Razorpay dashboard.' : 'It is retried automatically.'}
                  </p>
                ) : null}
              </div>
            ) : null}
            {canMarkPaid ? (
              <Form method="post" className="space-y-3 border-t border-stone-200 pt-3" aria-label="Record a payment">
                <input type="hidden" name="intent" value="mark-paid" />
                <FormError message={paidError?.error} />
                <div>
                  <label htmlFor="paid-note" className="block text-sm font-medium">
                    Payment note <span className="font-normal text-stone-500">(optional)</span>
                  </label>
                  <input id="paid-note" name="note" type="text" maxLength={MAX_NOTE} placeholder="e.g. Cash collected by courier" className="mt-1 block w-full rounded-md border border-stone-300 px-3 py-2" />
                </div>
                <button type="submit" disabled={busy} className="rounded-md border border-stone-300 px-4 py-2 font-medium hover:bg-stone-100 disabled:opacity-60">
                  Mark as paid
                </button>
              </Form>
            ) : null}
          </section>

          <section aria-labelledby="customer-title" className="space-y-1 rounded-lg border border-stone-200 bg-white p-4 text-sm">
            <h2 id="customer-title" className="text-lg font-semibold">
              Customer
            </h2>
            {customer ? (
              <>
                <p className="font-medium">{customer.name || 'Unnamed'}</p>
                {customer.phone ? <p>{customer.phone}</p> : null}
                {customer.email ? <p>{customer.email}</p> : null}
              </>
            ) : (
              <p>Account no longer exists.</p>
            )}
          </section>

          <section aria-labelledby="address-title" className="rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="address-title" className="mb-1 text-lg font-semibold">
              Shipping address
            </h2>
            <AddressLines address={order.shippingAddress} />
          </section>

          <section aria-labelledby="delivery-title" className="space-y-1 rounded-lg border border-stone-200 bg-white p-4 text-sm">
            <h2 id="delivery-title" className="text-lg font-semibold">
              Delivery
            </h2>
            <p className="font-medium">{SHIPPING_OPTIONS[order.shippingMethod].label}</p>
            {order.arrives ? <p>Expected {order.arrives}, as the customer was told</p> : null}
          </section>
        </div>
      </div>
    </div>
  )
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Order ${formatOrderNumber(data.order.number)} · Staff` : 'Order · Staff' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/admin/orders" backLabel="All orders" />
}
