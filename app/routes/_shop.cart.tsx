import { data, Form, Link, redirect, useNavigation } from 'react-router'
import type { AddToCartData } from '#app/components/add-to-cart-form.tsx'
import { MAX_LINE_QUANTITY, type CartLineView } from '#app/domain/cart.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { formatMoney } from '#app/domain/money.ts'
import { TAX_BAND_THRESHOLD } from '#app/domain/pricing.ts'
import { FREE_SHIPPING_FROM } from '#app/domain/shipping.ts'
import { usePublicEnv } from '#app/root.tsx'
import { addToCart, getCart, removeLine, updateQuantity } from '#app/services/cart.server.ts'
import { getOptionalUser } from '#app/utils/auth.server.ts'
import { getCartOwner, getOrCreateCartOwner } from '#app/utils/cart-cookie.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, getSession, safeRedirect } from '#app/utils/session.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.cart'

interface CartActionError {
  ok: false
  intent: string
  lineId?: string
  error: string
  fields?: Record<string, string>
}

export async function loader({ request }: Route.LoaderArgs) {
  const user = await getOptionalUser(request)
  const owner = await getCartOwner(request, user)
  const { env } = getRuntime()
  const cart = owner ? await getCart(owner, env.CURRENCY) : emptyCart(env.CURRENCY)
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  const headers = new Headers({ 'Cache-Control': 'private, no-store' })
  if (flash) headers.append('Set-Cookie', await commitSession(session))
  return data({ cart, flash }, { headers })
}

function emptyCart(currency: string) {
  return { id: null, lines: [] as CartLineView[], itemCount: 0, currency, totals: { itemsPrice: 0, taxPrice: 0, shippingPrice: 0, totalPrice: 0 }, ready: false }
}

// intent=add (from product pages), update, remove. Without JS: post/redirect/get with a flash;
// a fetcher (`via=fetcher`, JS on) gets JSON for the add form instead.
export async function action({ request }: Route.ActionArgs) {
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const viaFetcher = form.get('via') === 'fetcher'
  const user = await getOptionalUser(request)
  const lineId = String(form.get('lineId') ?? '')
  const headers = new Headers()
  let message: string
  try {
    if (intent === 'add') {
      const { owner, setCookie } = await getOrCreateCartOwner(request, user)
      const quantity = Number(form.get('quantity') ?? 1)
      await addToCart(owner, { productId: String(form.get('productId') ?? ''), size: String(form.get('size') ?? ''), quantity })
      if (setCookie) headers.append('Set-Cookie', setCookie)
      message = quantity > 1 ? `Added ${quantity} pieces to your cart.` : 'Added to your cart.'
    } else if (intent === 'update' || intent === 'remove') {
      const owner = await getCartOwner(request, user)
      if (!owner) throw new DomainError('NOT_FOUND', 'That item is no longer in your cart.')
      if (intent === 'update') {
        await updateQuantity(owner, lineId, Number(form.get('quantity')))
        message = 'Quantity updated.'
      } else {
        await removeLine(owner, lineId)
        message = 'Removed from your cart.'
      }
    } else {
      return data<CartActionError>({ ok: false, intent, error: 'Unknown action.' }, { status: 400 })
    }
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    const fields = (err.details?.fields ?? undefined) as Record<string, string> | undefined
    return data<CartActionError>({ ok: false, intent, lineId, error: err.message, fields }, { status: STATUS_BY_CODE[err.code] })
  }
  if (viaFetcher) return data<AddToCartData>({ ok: true, message }, { headers })
  const session = await getSession(request)
  session.flash('flash', { kind: 'success', message })
  headers.append('Set-Cookie', await commitSession(session))
  return redirect(safeRedirect(form.get('redirectTo'), '/cart'), { headers })
}

export default function CartPage({ loaderData, actionData }: Route.ComponentProps) {
  const { cart, flash } = loaderData
  const { LOCALE } = usePublicEnv()
  const busy = useNavigation().state === 'submitting'
  const money = (minor: number) => formatMoney(minor, cart.currency, LOCALE)
  const failure = actionData && !actionData.ok ? (actionData as CartActionError) : null
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Your cart</h1>
      {failure ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {failure.error}
        </p>
      ) : flash ? (
        <p role="status" className={`rounded-md px-3 py-2 text-sm ${flash.kind === 'success' ? 'bg-green-50 text-green-800' : 'bg-red-50 text-red-800'}`}>
          {flash.message}
        </p>
      ) : null}
      {cart.lines.length === 0 ? (
        <div className="rounded-lg border border-dashed border-stone-300 p-10 text-center">
          <p className="text-lg font-medium">Your cart is empty.</p>
          <Link to="/" className="mt-4 inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Continue shopping
          </Link>
        </div>
      ) : (
        <div className="grid gap-8 lg:grid-cols-[1fr_20rem]">
          <ul aria-label="Items in your cart" className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
            {cart.lines.map((line) => (
              <li key={line.id} aria-label={`${line.name}, size ${line.size}`} className="flex gap-4 p-4">
                <div className="h-24 w-20 shrink-0 overflow-hidden rounded-md bg-stone-100">
                  {line.image ? <img src={line.image} alt="" className="h-full w-full object-cover" width={80} height={96} loading="lazy" /> : null}
                </div>
                <div className="flex flex-1 flex-col gap-2">
                  <div className="flex flex-wrap justify-between gap-2">
                    <div>
                      <Link to={`/products/${line.slug}`} className="font-medium hover:underline">
                        {line.name}
                      </Link>
                      <p className="text-sm text-stone-600">
                        Size {line.size} · {money(line.unitPrice)} each
                      </p>
                    </div>
                    <p className="font-semibold" aria-label={`Line total ${money(line.lineTotal)}`}>
                      {money(line.lineTotal)}
                    </p>
                  </div>
                  <StockNote line={line} />
                  {failure && failure.lineId === line.id ? (
                    <p className="text-sm text-red-700" id={`line-${line.id}-error`}>
                      {failure.error}
                    </p>
                  ) : null}
                  <div className="flex flex-wrap items-end gap-3">
                    <Form method="post" className="flex items-end gap-2" aria-label={`Change quantity of ${line.name}`}>
                      <input type="hidden" name="intent" value="update" />
                      <input type="hidden" name="lineId" value={line.id} />
                      <div className="text-sm">
                        <label htmlFor={`quantity-${line.id}`} className="block font-medium">
                          Quantity
                        </label>
                        <select
                          id={`quantity-${line.id}`}
                          name="quantity"
                          defaultValue={String(line.quantity)}
                          key={line.quantity}
                          className="mt-1 rounded-md border border-stone-300 bg-white px-2 py-1"
                        >
                          {Array.from({ length: Math.max(MAX_LINE_QUANTITY, line.quantity) }, (_, i) => (
                            <option key={i + 1} value={i + 1}>
                              {i + 1}
                            </option>
                          ))}
                        </select>
                      </div>
                      <button type="submit" disabled={busy} className="rounded-md border border-stone-300 px-3 py-1 text-sm font-medium hover:bg-stone-100 disabled:opacity-60">
                        Update
                      </button>
                    </Form>
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="lineId" value={line.id} />
                      <button type="submit" disabled={busy} className="text-sm font-medium text-red-700 underline disabled:opacity-60" aria-label={`Remove ${line.name} (size ${line.size})`}>
                        Remove
                      </button>
                    </Form>
                  </div>
                </div>
              </li>
            ))}
          </ul>
          <section aria-labelledby="summary-title" className="h-fit space-y-4 rounded-lg border border-stone-200 bg-white p-4">
            <h2 id="summary-title" className="text-lg font-semibold">
              Order summary
            </h2>
            <dl className="grid grid-cols-[1fr_auto] gap-y-2 text-sm">
              <dt>
                Items ({cart.itemCount})
              </dt>
              <dd>{money(cart.totals.itemsPrice)}</dd>
              <dt>GST</dt>
              <dd>{money(cart.totals.taxPrice)}</dd>
              <dt>Shipping</dt>
              <dd>{cart.totals.shippingPrice === 0 ? 'Free' : money(cart.totals.shippingPrice)}</dd>
              <dt className="border-t border-stone-200 pt-2 text-base font-semibold">Total</dt>
              <dd className="border-t border-stone-200 pt-2 text-base font-semibold">{money(cart.totals.totalPrice)}</dd>
            </dl>
            <p className="text-xs text-stone-600">
              GST is 5% on items under {money(TAX_BAND_THRESHOLD)} and 12% on the rest. Standard delivery is free from {money(FREE_SHIPPING_FROM)}; express is chosen at checkout.
            </p>
            {!cart.ready ? <p className="text-sm text-amber-800">Some items need your attention before checkout.</p> : null}
            {cart.ready ? (
              // A guest is sent to sign in first; their cart joins their account there.
              <Link to="/checkout" className="block rounded-md bg-brand-600 px-4 py-2 text-center font-medium text-white hover:bg-brand-700">
                Check out
              </Link>
            ) : null}
          </section>
        </div>
      )}
    </div>
  )
}

function StockNote({ line }: { line: CartLineView }) {
  if (line.unavailable) return <p className="text-sm font-medium text-red-700">No longer available. Please remove it.</p>
  if (line.outOfStock) return <p className="text-sm font-medium text-red-700">Out of stock in size {line.size}. Please remove it.</p>
  if (line.exceedsStock) return <p className="text-sm font-medium text-amber-800">Only {line.available} left in size {line.size}. Lower the quantity.</p>
  if (line.available <= 3) return <p className="text-sm text-amber-800">Only {line.available} left.</p>
  return <p className="text-sm text-green-800">In stock</p>
}

export const meta: Route.MetaFunction = () => [{ title: 'Your cart' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
