import { randomBytes } from 'node:crypto'
import { data, Form, Link, redirect, useLoaderData, useNavigation } from 'react-router'
import { AddressFields } from '#app/components/orders/address-fields.tsx'
import { AddressLines, FlashMessage, FormError, OrderTotals, paymentMethodLabel } from '#app/components/orders/order-parts.tsx'
import { allowedStep, CHECKOUT_STEP_LABELS, CHECKOUT_STEPS, PaymentStepSchema, ShippingStepSchema, type CheckoutState, type CheckoutStep } from '#app/domain/checkout.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { formatMoney } from '#app/domain/money.ts'
import { formatOrderNumber, PAYMENT_METHODS, SHIPPING_ADDRESS_FIELDS, ShippingAddressSchema, type OrderView, type PaymentMethod, type ShippingAddressValues as AddressValues } from '#app/domain/order.ts'
import { ONLINE_PAYMENT_UNAVAILABLE } from '#app/domain/payment.ts'
import { DEFAULT_SHIPPING_METHOD, formatDeliveryWindow, shippingQuotes, type ShippingMethod } from '#app/domain/shipping.ts'
import { usePublicEnv } from '#app/root.tsx'
import { deleteAddress, getAddress, listAddresses, saveAddress, toShippingAddress } from '#app/services/addresses.server.ts'
import { findCheckoutOrder, placeCheckoutOrder, reviewCheckout, type StockProblem } from '#app/services/checkout.server.ts'
import { assertPaymentMethodAvailable, razorpayEnabled } from '#app/services/payments.server.ts'
import { fieldErrors } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.checkout'

type ActionFailure =
  | { intent: 'new-address'; error?: string; values: AddressValues & { save: boolean }; fields: Record<string, string> }
  | { intent: 'other'; error: string }
  | { intent: 'place'; error: string; problems?: StockProblem[] }

const stepUrl = (step: CheckoutStep) => (step === 'address' ? '/checkout' : `/checkout?step=${step}`)

/** Where an order goes after it is placed: online payment still to make, or the order's page. */
function afterPlacement(order: OrderView): string {
  return order.paymentMethod === 'razorpay' && order.status === 'pending_payment' && !order.isPaid ? `/checkout/payment/${order.id}` : `/account/orders/${order.id}`
}

export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireUser(request)
  const { env } = getRuntime()
  const session = await getSession(request)
  const state = session.get('checkout')
  const requested = new URL(request.url).searchParams.get('step')
  const step = allowedStep(requested, state)
  if (requested !== null && requested !== step) throw redirect(stepUrl(step))

  const { cart, problems } = await reviewCheckout(user.id, env.CURRENCY, state?.shippingMethod)
  if (cart.lines.length === 0) {
    session.flash('flash', { kind: 'error', message: 'Your cart is empty. Add something before checking out.' })
    throw redirect('/cart', { headers: { 'Set-Cookie': await commitSession(session) } })
  }
  const flash = session.get('flash') ?? null
  const addresses = step === 'address' ? await listAddresses(user.id) : []
  // Every option, priced for this cart and dated from today; the chosen one is shown on later steps.
  const shipping = shippingQuotes(cart.totals.itemsPrice, new Date(), env.SHOP_TIMEZONE).map(({ window, ...quote }) => ({ ...quote, arrives: formatDeliveryWindow(window, env.LOCALE) }))
  const headers = new Headers({ 'Cache-Control': 'private, no-store' })
  if (flash) headers.append('Set-Cookie', await commitSession(session))
  return data(
    {
      step,
      flash,
      addresses,
      address: state?.address ?? null,
      addressId: state?.addressId ?? null,
      shipping,
      shippingMethod: state?.shippingMethod ?? null,
      paymentMethod: state?.paymentMethod ?? null,
      onlinePayment: razorpayEnabled(),
      cart,
      problems,
      // The review form's one-time token: the order's idempotency key, so submitting it twice places one order.
      token: step === 'review' ? randomBytes(18).toString('base64url') : null,
    },
    { headers },
  )
}

export async function action({ request }: Route.ActionArgs) {
  const user = await requireUser(request)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const session = await getSession(request)
  const state: CheckoutState = session.get('checkout') ?? {}
  const requestId = request.headers.get('X-Request-Id')
  const go = async (to: string, next: CheckoutState | null, flash?: string) => {
    if (next) session.set('checkout', next)
    else session.unset('checkout')
    if (flash) session.flash('flash', { kind: 'success', message: flash })
    return redirect(to, { headers: { 'Set-Cookie': await commitSession(session) } })
  }

  try {
    if (intent === 'use-address') {
      const saved = await getAddress(user.id, String(form.get('addressId') ?? ''))
      if (!saved) return data<ActionFailure>({ intent: 'other', error: 'That address is no longer in your address book. Choose another.' }, { status: 404 })
      return await go(stepUrl('shipping'), { ...state, address: toShippingAddress(saved), addressId: saved.id })
    }
    if (intent === 'new-address') {
      const values = Object.fromEntries(SHIPPING_ADDRESS_FIELDS.map((k) => [k, String(form.get(k) ?? '')])) as AddressValues
      const save = form.get('save') === 'on'
      const parsed = ShippingAddressSchema.safeParse(values)
      if (!parsed.success) return data<ActionFailure>({ intent, values: { ...values, save }, fields: fieldErrors(parsed.error) }, { status: 400 })
      let addressId: string | null = null
      if (save) {
        try {
          addressId = (await saveAddress(user.id, parsed.data)).id
        } catch (err) {
          if (!(err instanceof DomainError)) throw err
          return data<ActionFailure>({ intent, error: err.message, values: { ...values, save }, fields: {} }, { status: STATUS_BY_CODE[err.code] })
        }
      }
      return await go(stepUrl('shipping'), { ...state, address: parsed.data, addressId })
    }
    if (intent === 'delete-address') {
      const addressId = String(form.get('addressId') ?? '')
      await deleteAddress(user.id, addressId)
      const choices = { shippingMethod: state.shippingMethod, paymentMethod: state.paymentMethod }
      return await go('/checkout', state.addressId === addressId ? choices : state, 'The address was deleted.')
    }
    if (intent === 'shipping') {
      if (!state.address) return await go('/checkout', state)
      const parsed = ShippingStepSchema.safeParse({ shippingMethod: form.get('shippingMethod') })
      if (!parsed.success) return data<ActionFailure>({ intent: 'other', error: parsed.error.issues[0]?.message ?? 'Choose how fast you want it delivered.' }, { status: 400 })
      return await go(stepUrl('payment'), { ...state, shippingMethod: parsed.data.shippingMethod })
    }
    if (intent === 'payment') {
      const missing = allowedStep('payment', state)
      if (missing !== 'payment') return await go(stepUrl(missing), state)
      const parsed = PaymentStepSchema.safeParse({ paymentMethod: form.get('paymentMethod') })
      if (!parsed.success) return data<ActionFailure>({ intent: 'other', error: parsed.error.issues[0]?.message ?? 'Choose how you will pay.' }, { status: 400 })
      assertPaymentMethodAvailable(parsed.data.paymentMethod)
      return await go(stepUrl('review'), { ...state, paymentMethod: parsed.data.paymentMethod })
    }
    if (intent === 'place') {
      const token = String(form.get('token') ?? '')
      if (!state.address || !state.shippingMethod || !state.paymentMethod) {
        // Submitted again after its order was placed (and the checkout state cleared): the same order.
        const placed = await findCheckoutOrder(user.id, token)
        if (placed) return await go(afterPlacement(placed), null)
        return await go(stepUrl(allowedStep('review', state)), state)
      }
      // (A token whose order was already placed gets that order back from the service.)
      const { env } = getRuntime()
      const { order, created } = await placeCheckoutOrder(
        user.id,
        { address: state.address, shippingMethod: state.shippingMethod, paymentMethod: state.paymentMethod, token },
        { requestId, currency: env.CURRENCY },
      )
      const to = afterPlacement(order)
      // The payment page tells its own story; the order page shows the flash.
      const flash = to.startsWith('/account/') && created ? `Order ${formatOrderNumber(order.number)} placed.` : undefined
      return await go(to, null, flash)
    }
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    const status = STATUS_BY_CODE[err.code]
    if (intent === 'place') {
      const problems = err.code === 'OUT_OF_STOCK' && Array.isArray(err.details?.items) ? (err.details.items as StockProblem[]) : undefined
      return data<ActionFailure>({ intent, error: problems ? 'Some items are no longer available in the quantity you chose. Nothing was ordered.' : err.message, problems }, { status })
    }
    return data<ActionFailure>({ intent: 'other', error: err.message }, { status })
  }
  return data<ActionFailure>({ intent: 'other', error: 'Unknown action.' }, { status: 400 })
}

const primaryButton = 'rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60'

export default function CheckoutPage({ loaderData, actionData }: Route.ComponentProps) {
  const { step, flash } = loaderData
  const failure = actionData as ActionFailure | undefined
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Checkout</h1>
      <StepNav step={step} />
      <FlashMessage flash={flash} />
      {failure?.intent === 'other' ? <FormError message={failure.error} /> : null}
      {step === 'address' ? <AddressStep failure={failure?.intent === 'new-address' ? failure : undefined} /> : null}
      {step === 'shipping' ? <ShippingStep /> : null}
      {step === 'payment' ? <PaymentStep /> : null}
      {step === 'review' ? <ReviewStep failure={failure?.intent === 'place' ? failure : undefined} /> : null}
    </div>
  )
}

function StepNav({ step }: { step: CheckoutStep }) {
  const current = CHECKOUT_STEPS.indexOf(step)
  return (
    <nav aria-label="Checkout steps">
      <ol className="flex flex-wrap gap-2 text-sm">
        {CHECKOUT_STEPS.map((s, i) => (
          <li key={s} className="flex items-center gap-2">
            {i > 0 ? <span aria-hidden className="text-stone-400">→</span> : null}
            {i < current ? (
              <Link to={stepUrl(s)} className="text-brand-700 underline">
                {i + 1}. {CHECKOUT_STEP_LABELS[s]}
              </Link>
            ) : (
              <span aria-current={i === current ? 'step' : undefined} className={i === current ? 'font-semibold' : 'text-stone-500'}>
                {i + 1}. {CHECKOUT_STEP_LABELS[s]}
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  )
}

/** The page's loader data, for the step components below. */
function useCheckoutData() {
  return useLoaderData<typeof loader>()
}

function AddressStep({ failure }: { failure?: Extract<ActionFailure, { intent: 'new-address' }> }) {
  const { addresses, addressId, address } = useCheckoutData()
  const busy = useNavigation().state !== 'idle'
  const fields = failure?.fields ?? {}
  const values: Partial<AddressValues> = failure?.values ?? (address && !addressId ? { ...address, line2: address.line2 ?? '' } : {})
  return (
    <div className="space-y-8">
      {addresses.length > 0 ? (
        <section aria-labelledby="saved-title" className="space-y-3">
          <h2 id="saved-title" className="text-lg font-semibold">
            Your saved addresses
          </h2>
          <ul aria-label="Saved addresses" className="grid gap-3 sm:grid-cols-2">
            {addresses.map((a) => (
              <li key={a.id} aria-label={`${a.name}, ${a.line1}`} className={`space-y-3 rounded-lg border bg-white p-4 ${a.id === addressId ? 'border-brand-600' : 'border-stone-200'}`}>
                <AddressLines address={a} />
                {a.isDefault ? <p className="text-xs font-medium text-brand-700">Default address</p> : null}
                <div className="flex items-center gap-4">
                  <Form method="post">
                    <input type="hidden" name="intent" value="use-address" />
                    <input type="hidden" name="addressId" value={a.id} />
                    <button type="submit" disabled={busy} className={primaryButton}>
                      Deliver here
                    </button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="intent" value="delete-address" />
                    <input type="hidden" name="addressId" value={a.id} />
                    <button type="submit" disabled={busy} className="text-sm font-medium text-red-700 underline disabled:opacity-60" aria-label={`Delete the address ${a.line1}`}>
                      Delete
                    </button>
                  </Form>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="new-address-title" className="space-y-4 rounded-lg border border-stone-200 bg-white p-4">
        <h2 id="new-address-title" className="text-lg font-semibold">
          {addresses.length > 0 ? 'Or deliver to a new address' : 'Where should we deliver?'}
        </h2>
        <Form method="post" aria-labelledby="new-address-title" className="space-y-4" noValidate>
          <input type="hidden" name="intent" value="new-address" />
          <FormError message={failure?.error} />
          {failure && Object.keys(failure.fields).length > 0 ? (
            <p role="alert" className="text-sm text-red-700">
              Please correct the highlighted fields.
            </p>
          ) : null}
          <AddressFields values={values} errors={fields} idPrefix="address-" messageIdPrefix="" />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="save" defaultChecked={failure ? failure.values.save : true} /> Save this address for next time
          </label>
          <button type="submit" disabled={busy} className={primaryButton}>
            Use this address
          </button>
        </Form>
      </section>
    </div>
  )
}

/** Where the order goes, and what it costs so far (the steps after the address; before a delivery option is chosen, without delivery). */
function DeliverySummary({ children }: { children?: React.ReactNode }) {
  const { address, cart, step } = useCheckoutData()
  const { LOCALE } = usePublicEnv()
  const money = (minor: number) => formatMoney(minor, cart.currency, LOCALE)
  return (
    <aside aria-label="Delivery" className="h-fit space-y-3 rounded-lg border border-stone-200 bg-white p-4">
      <h2 className="font-semibold">Delivering to</h2>
      {address ? <AddressLines address={address} /> : null}
      <Link to="/checkout" className="text-sm text-brand-700 underline">
        Change address
      </Link>
      {children}
      <p className="border-t border-stone-200 pt-3 text-sm">
        {step === 'shipping' ? (
          <>
            Items with GST <span className="font-semibold">{money(cart.totals.itemsPrice + cart.totals.taxPrice)}</span>, plus delivery
          </>
        ) : (
          <>
            Total <span className="font-semibold">{money(cart.totals.totalPrice)}</span>
          </>
        )}
      </p>
    </aside>
  )
}

function ShippingStep() {
  const { shipping, shippingMethod, cart } = useCheckoutData()
  const { LOCALE } = usePublicEnv()
  const busy = useNavigation().state !== 'idle'
  const money = (minor: number) => formatMoney(minor, cart.currency, LOCALE)
  const chosen: ShippingMethod = shippingMethod ?? DEFAULT_SHIPPING_METHOD
  return (
    <div className="grid gap-8 md:grid-cols-[1fr_18rem]">
      <Form method="post" className="space-y-4">
        <input type="hidden" name="intent" value="shipping" />
        <fieldset className="space-y-3">
          <legend className="text-lg font-semibold">Delivery option</legend>
          {shipping.map((o) => (
            <label key={o.method} className="flex items-start gap-3 rounded-lg border border-stone-200 bg-white p-4 has-checked:border-brand-600">
              <input
                type="radio"
                name="shippingMethod"
                value={o.method}
                defaultChecked={o.method === chosen}
                required
                aria-labelledby={`shipping-${o.method}-name`}
                aria-describedby={`shipping-${o.method}-note`}
                className="mt-1"
              />
              <span className="flex-1">
                <span id={`shipping-${o.method}-name`} className="flex justify-between gap-4 font-medium">
                  <span>{o.label}</span>
                  <span className="sr-only">, </span>
                  <span>{o.fee === 0 ? 'Free' : money(o.fee)}</span>
                </span>
                <span id={`shipping-${o.method}-note`} className="block text-sm text-stone-600">
                  Arrives {o.arrives}
                  {o.fee > 0 && o.freeFrom !== null ? `. Free on orders of ${money(o.freeFrom)} or more.` : '.'}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <p className="text-xs text-stone-600">Delivery days are business days (Monday to Friday).</p>
        <button type="submit" disabled={busy} className={primaryButton}>
          Continue to payment
        </button>
      </Form>
      <DeliverySummary />
    </div>
  )
}

function PaymentStep() {
  const { paymentMethod, onlinePayment, shipping, shippingMethod } = useCheckoutData()
  const busy = useNavigation().state !== 'idle'
  const delivery = shipping.find((o) => o.method === shippingMethod)
  const chosen: PaymentMethod = paymentMethod === 'razorpay' && onlinePayment ? 'razorpay' : 'cod'
  return (
    <div className="grid gap-8 md:grid-cols-[1fr_18rem]">
      <Form method="post" className="space-y-4">
        <input type="hidden" name="intent" value="payment" />
        <fieldset className="space-y-3">
          <legend className="text-lg font-semibold">Payment method</legend>
          {PAYMENT_METHODS.map((m) => {
            const off = m === 'razorpay' && !onlinePayment
            return (
              <label key={m} className={`flex items-start gap-3 rounded-lg border border-stone-200 bg-white p-4 ${off ? 'text-stone-500' : ''}`}>
                <input type="radio" name="paymentMethod" value={m} defaultChecked={m === chosen} disabled={off} required className="mt-1" />
                <span>
                  <span className="block font-medium">{paymentMethodLabel(m)}</span>
                  <span className="block text-sm text-stone-600">
                    {off ? `${ONLINE_PAYMENT_UNAVAILABLE}.` : m === 'cod' ? 'Pay in cash or UPI when the parcel arrives.' : 'Pay online now; the order ships once the payment is confirmed.'}
                  </span>
                </span>
              </label>
            )
          })}
        </fieldset>
        <button type="submit" disabled={busy} className={primaryButton}>
          Continue to review
        </button>
      </Form>
      <DeliverySummary>
        {delivery ? (
          <p className="border-t border-stone-200 pt-3 text-sm">
            {delivery.label}, arrives {delivery.arrives}.{' '}
            <Link to={stepUrl('shipping')} className="text-brand-700 underline">
              Change
            </Link>
          </p>
        ) : null}
      </DeliverySummary>
    </div>
  )
}

function problemText(p: StockProblem): string {
  const what = p.name ? `${p.name} (size ${p.size})` : `An item (size ${p.size})`
  if (p.available === 0) return `${what}: none left. Remove it from your cart.`
  return `${what}: only ${p.available} left, you asked for ${p.requested}.`
}

function ReviewStep({ failure }: { failure?: Extract<ActionFailure, { intent: 'place' }> }) {
  const { cart, problems: loaderProblems, address, shipping, shippingMethod, paymentMethod, token } = useCheckoutData()
  const { LOCALE } = usePublicEnv()
  const busy = useNavigation().state !== 'idle'
  const money = (minor: number) => formatMoney(minor, cart.currency, LOCALE)
  const problems = failure?.problems ?? loaderProblems
  const delivery = shipping.find((o) => o.method === shippingMethod)
  return (
    <div className="grid gap-8 md:grid-cols-[1fr_20rem]">
      <div className="space-y-6">
        {failure ? <FormError message={failure.error} /> : null}
        {problems.length > 0 ? (
          <section aria-labelledby="stock-title" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" role={failure ? undefined : 'alert'}>
            <h2 id="stock-title" className="font-semibold">
              Not enough stock
            </h2>
            <ul className="mt-2 list-disc space-y-1 pl-5">
              {problems.map((p) => (
                <li key={`${p.productId}|${p.size}`}>{problemText(p)}</li>
              ))}
            </ul>
            <p className="mt-2">
              <Link to="/cart" className="font-medium underline">
                Update your cart
              </Link>
            </p>
          </section>
        ) : null}
        <section aria-labelledby="items-title" className="rounded-lg border border-stone-200 bg-white p-4">
          <h2 id="items-title" className="text-lg font-semibold">
            Items
          </h2>
          <ul aria-label="Items in your order" className="mt-2 divide-y divide-stone-100">
            {cart.lines.map((l) => (
              <li key={l.id} aria-label={`${l.name}, size ${l.size}`} className="flex justify-between gap-4 py-2 text-sm">
                <span>
                  <Link to={`/products/${l.slug}`} className="font-medium hover:underline">
                    {l.name}
                  </Link>
                  <span className="block text-stone-600">
                    Size {l.size} · {l.quantity} × {money(l.unitPrice)}
                  </span>
                </span>
                <span className="font-medium">{l.unavailable ? 'Not available' : money(l.lineTotal)}</span>
              </li>
            ))}
          </ul>
          <p className="mt-2 text-sm">
            <Link to="/cart" className="text-brand-700 underline">
              Edit cart
            </Link>
          </p>
        </section>
        <div className="grid gap-4 sm:grid-cols-2">
          <section aria-labelledby="ship-title" className="space-y-2 rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="ship-title" className="font-semibold">
              Shipping address
            </h2>
            {address ? <AddressLines address={address} /> : null}
            <Link to="/checkout" className="text-sm text-brand-700 underline">
              Change address
            </Link>
          </section>
          <section aria-labelledby="delivery-title" className="space-y-2 rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="delivery-title" className="font-semibold">
              Delivery
            </h2>
            {delivery ? (
              <p className="text-sm">
                <span className="font-medium">{delivery.label}</span> · {delivery.fee === 0 ? 'Free' : money(delivery.fee)}
                <br />
                Arrives {delivery.arrives}
              </p>
            ) : null}
            <Link to={stepUrl('shipping')} className="text-sm text-brand-700 underline">
              Change delivery option
            </Link>
          </section>
          <section aria-labelledby="pay-title" className="space-y-2 rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="pay-title" className="font-semibold">
              Payment
            </h2>
            <p className="text-sm">{paymentMethod ? paymentMethodLabel(paymentMethod) : null}</p>
            <Link to={stepUrl('payment')} className="text-sm text-brand-700 underline">
              Change payment method
            </Link>
          </section>
        </div>
      </div>
      <section aria-labelledby="summary-title" className="h-fit space-y-4 rounded-lg border border-stone-200 bg-white p-4">
        <h2 id="summary-title" className="text-lg font-semibold">
          Order summary
        </h2>
        <OrderTotals totals={cart.totals} currency={cart.currency} locale={LOCALE} itemCount={cart.itemCount} shippingMethod={shippingMethod ?? undefined} />
        <Form method="post">
          <input type="hidden" name="intent" value="place" />
          {token ? <input type="hidden" name="token" value={token} /> : null}
          <button type="submit" disabled={busy || problems.length > 0} className={`${primaryButton} w-full`}>
            {paymentMethod === 'razorpay' ? 'Place order and pay' : 'Place order'}
          </button>
        </Form>
        {problems.length > 0 ? <p className="text-sm text-amber-800">Fix the items above to place your order.</p> : null}
        <p className="text-xs text-stone-600">Prices, GST and shipping are worked out by the shop when you place the order.</p>
      </section>
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Checkout' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/cart" backLabel="Back to your cart" />
}
