import { useState } from 'react'
import { data, Form, isRouteErrorResponse, Link, redirect, useNavigation, useSubmit } from 'react-router'
import { FlashMessage, FormError, OrderLines, OrderTotals } from '#app/components/orders/order-parts.tsx'
import { useHydrated } from '#app/components/use-hydrated.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { formatMoney } from '#app/domain/money.ts'
import { ONLINE_PAYMENT_UNAVAILABLE, RAZORPAY_CHECKOUT_SCRIPT, RazorpayResponseSchema, type RazorpayCheckoutData } from '#app/domain/payment.ts'
import { usePublicEnv } from '#app/root.tsx'
import { getOrderForCustomer } from '#app/services/orders.server.ts'
import { abandonRazorpayPayment, confirmRazorpayPayment, razorpayEnabled, startRazorpayPayment } from '#app/services/payments.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { useNonce } from '#app/utils/nonce-provider.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import type { Route } from './+types/_shop.checkout.payment.$orderId'

interface ActionError {
  intent: string
  error: string
}

/** Razorpay Checkout as checkout.js defines it on window (only what this page uses). */
interface RazorpaySuccess {
  razorpay_order_id: string
  razorpay_payment_id: string
  razorpay_signature: string
}
interface RazorpayInstance {
  open(): void
  on(event: 'payment.failed', handler: (response: { error?: { description?: string } }) => void): void
}
declare global {
  interface Window {
    Razorpay?: new (options: Record<string, unknown>) => RazorpayInstance
  }
}

const orderPage = (id: string) => `/account/orders/${id}`

export async function loader({ request, params }: Route.LoaderArgs) {
  const user = await requireUser(request)
  const order = await getOrderForCustomer(user.id, params.orderId)
  if (!order) throw data('Order not found', { status: 404 })
  const session = await getSession(request)
  if (order.paymentMethod !== 'razorpay' || order.isPaid || order.status !== 'pending_payment') {
    const message = order.isPaid
      ? `Order #${order.number} is already paid.`
      : order.status === 'cancelled'
        ? `Order #${order.number} was cancelled, so it can no longer be paid.`
        : `Order #${order.number} has nothing to pay online.`
    session.flash('flash', { kind: order.isPaid ? 'success' : 'error', message })
    throw redirect(orderPage(order.id), { headers: { 'Set-Cookie': await commitSession(session) } })
  }

  let checkout: RazorpayCheckoutData | null = null
  let unavailable: string | null = null
  if (!razorpayEnabled()) {
    unavailable = `${ONLINE_PAYMENT_UNAVAILABLE}: cancel this order below and order again.`
  } else {
    try {
      checkout = await startRazorpayPayment(user.id, order.id)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      unavailable = err.message
    }
  }

  const { env } = getRuntime()
  const deadline = new Date(Date.parse(order.createdAt) + env.PAYMENT_TIMEOUT_MINUTES * 60_000)
  // Within the day a time is enough; a longer timeout needs the date too.
  const payBy = new Intl.DateTimeFormat(env.LOCALE, { ...(env.PAYMENT_TIMEOUT_MINUTES >= 12 * 60 ? { dateStyle: 'medium' } : {}), timeStyle: 'short', timeZone: env.SHOP_TIMEZONE }).format(deadline)
  const flash = session.get('flash') ?? null
  const headers = new Headers({ 'Cache-Control': 'private, no-store' })
  if (flash) headers.append('Set-Cookie', await commitSession(session))
  return data(
    {
      order: {
        id: order.id,
        number: order.number,
        currency: order.currency,
        itemsPrice: order.itemsPrice,
        taxPrice: order.taxPrice,
        shippingPrice: order.shippingPrice,
        shippingMethod: order.shippingMethod,
        totalPrice: order.totalPrice,
        items: order.items,
      },
      checkout,
      unavailable,
      payBy,
      timeoutMinutes: env.PAYMENT_TIMEOUT_MINUTES,
      flash,
    },
    { headers },
  )
}

// intent=verify: Checkout's success response (posted by the page's script) → paid, to the order page.
// intent=cancel: give up paying online → cancelled, items back in the cart.
export async function action({ request, params }: Route.ActionArgs) {
  const user = await requireUser(request)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const requestId = request.headers.get('X-Request-Id')
  const session = await getSession(request)
  try {
    if (intent === 'verify') {
      const parsed = RazorpayResponseSchema.safeParse({
        razorpay_order_id: form.get('razorpay_order_id') ?? undefined,
        razorpay_payment_id: form.get('razorpay_payment_id') ?? undefined,
        razorpay_signature: form.get('razorpay_signature') ?? undefined,
      })
      if (!parsed.success) {
        return data<ActionError>({ intent, error: 'The payment details did not arrive complete, so nothing was recorded. Please try again.' }, { status: 400 })
      }
      const order = await confirmRazorpayPayment(user.id, { orderId: params.orderId, ...parsed.data }, { requestId })
      session.flash('flash', { kind: 'success', message: `Payment received for order #${order.number}. Thank you! We are preparing your order.` })
      return redirect(orderPage(order.id), { headers: { 'Set-Cookie': await commitSession(session) } })
    }
    if (intent === 'cancel') {
      const { order, restoredLines } = await abandonRazorpayPayment(user.id, params.orderId, { requestId })
      session.flash('flash', {
        kind: 'success',
        message: restoredLines
          ? `Order #${order.number} is cancelled. Its items are back in your cart: check out again and choose cash on delivery.`
          : `Order #${order.number} is cancelled. You can order again and choose cash on delivery.`,
      })
      return redirect(restoredLines ? '/cart' : orderPage(order.id), { headers: { 'Set-Cookie': await commitSession(session) } })
    }
    return data<ActionError>({ intent, error: 'Unknown action.' }, { status: 400 })
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    if (err.code === 'NOT_FOUND') throw data('Order not found', { status: 404 })
    return data<ActionError>({ intent, error: err.message }, { status: STATUS_BY_CODE[err.code] })
  }
}

export default function PaymentPage({ loaderData, actionData }: Route.ComponentProps) {
  const { order, checkout, unavailable, payBy, timeoutMinutes, flash } = loaderData
  const { LOCALE } = usePublicEnv()
  const hydrated = useHydrated()
  const nonce = useNonce() || undefined
  const submit = useSubmit()
  const navigation = useNavigation()
  const [clientError, setClientError] = useState<string | null>(null)
  const money = (minor: number) => formatMoney(minor, order.currency, LOCALE)
  const pending = navigation.state !== 'idle' ? String(navigation.formData?.get('intent') ?? '') : ''
  const failure = actionData as ActionError | undefined
  const error = clientError ?? failure?.error ?? null

  function pay() {
    if (!checkout) return
    const Razorpay = window.Razorpay
    if (!Razorpay) {
      setClientError('The payment window could not be loaded. Check your connection and try again, or cancel this order and choose cash on delivery.')
      return
    }
    setClientError(null)
    const rzp = new Razorpay({
      key: checkout.keyId,
      order_id: checkout.razorpayOrderId,
      amount: checkout.amount,
      currency: checkout.currency,
      name: checkout.name,
      description: checkout.description,
      prefill: checkout.prefill,
      notes: { orderNumber: String(checkout.orderNumber) },
      theme: { color: '#c2410c' },
      handler: (response: RazorpaySuccess) => {
        void submit(
          {
            intent: 'verify',
            razorpay_order_id: response.razorpay_order_id,
            razorpay_payment_id: response.razorpay_payment_id,
            razorpay_signature: response.razorpay_signature,
          },
          { method: 'post' },
        )
      },
    })
    rzp.on('payment.failed', (response) => {
      const reason = response.error?.description
      setClientError(`The payment did not go through${reason ? `: ${reason}` : ''}. You can try again, or use another method.`)
    })
    rzp.open()
  }

  return (
    <div className="mx-auto max-w-xl space-y-6">
      {/* Checkout's script, with this response's CSP nonce; browsers without JavaScript never load it. */}
      {checkout ? <script src={RAZORPAY_CHECKOUT_SCRIPT} async nonce={nonce} /> : null}
      <h1 className="text-2xl font-bold tracking-tight">{`Pay for order #${order.number}`}</h1>
      {error ? <FormError message={error} /> : <FlashMessage flash={flash} />}

      <section aria-labelledby="summary-heading" className="rounded-lg border border-stone-200 bg-white p-6">
        <h2 id="summary-heading" className="sr-only">
          Order summary
        </h2>
        <OrderLines items={order.items} currency={order.currency} locale={LOCALE} />
        <div className="mt-4 border-t border-stone-200 pt-4">
          <OrderTotals totals={order} currency={order.currency} locale={LOCALE} shippingMethod={order.shippingMethod} />
        </div>
      </section>

      {checkout ? (
        <section aria-label="Pay online" className="space-y-3">
          <button
            type="button"
            onClick={pay}
            disabled={!hydrated || pending === 'verify'}
            className="w-full rounded-md bg-brand-600 px-4 py-3 text-lg font-semibold text-white hover:bg-brand-700 disabled:opacity-60"
          >
            {pending === 'verify' ? 'Confirming your payment…' : `Pay ${money(order.totalPrice)} now`}
          </button>
          <p className="text-sm text-stone-600">
            Card, UPI or netbanking through Razorpay. Please pay by {payBy}: an order unpaid after {timeoutMinutes} minutes is cancelled and its items released.
          </p>
          <noscript>
            <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Online payment needs JavaScript, which is turned off in this browser. Turn it on and reload this page to pay, or cancel this order below and order
              again with cash on delivery.
            </p>
          </noscript>
        </section>
      ) : (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {unavailable}
        </p>
      )}

      <Form method="post" className="rounded-lg border border-stone-200 bg-white p-6" aria-label="Cancel this order">
        <input type="hidden" name="intent" value="cancel" />
        <h2 className="font-semibold">Can’t pay online?</h2>
        <p className="mt-1 text-sm text-stone-600">Cancel this order: its items go back to your cart, and you can check out again with cash on delivery.</p>
        <button
          type="submit"
          disabled={pending === 'cancel'}
          className="mt-4 rounded-md border border-stone-300 px-4 py-2 font-medium text-stone-800 hover:bg-stone-50 disabled:opacity-60"
        >
          {`Cancel order #${order.number}`}
        </button>
      </Form>
    </div>
  )
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `Pay for order #${data.order.number}` : 'Payment' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const notFound = isRouteErrorResponse(error) && error.status === 404
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-2xl font-bold tracking-tight">{notFound ? 'Order not found' : 'We could not show this payment'}</h1>
      <p className="mt-4 text-stone-600">
        {notFound ? 'There is no order of yours at this address.' : 'Something went wrong. Please try again in a moment.'}
      </p>
      <Link to="/account" className="mt-8 inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Your account
      </Link>
    </div>
  )
}
