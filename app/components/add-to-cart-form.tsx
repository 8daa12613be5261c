import { Link, useFetcher } from 'react-router'
import { MAX_LINE_QUANTITY } from '#app/domain/cart.ts'
import { useHydrated } from './use-hydrated.ts'

/** What POST /cart (intent=add) answers a fetcher; without JS it redirects to the cart. */
export type AddToCartData = { ok: true; message: string } | { ok: false; error: string; fields?: Record<string, string> }

/**
 * Quantity and "Add to cart" for the product page. The size radios are rendered by the
 * page and join this form through `form={formId}`. Without JS the post lands on /cart.
 */
export function AddToCartForm({ productId, formId, inStock }: { productId: string; formId: string; inStock: boolean }) {
  const fetcher = useFetcher<AddToCartData>({ key: `add-to-cart:${productId}` })
  const hydrated = useHydrated()
  const busy = fetcher.state !== 'idle'
  const result = fetcher.state === 'idle' ? fetcher.data : undefined
  return (
    <fetcher.Form method="post" action="/cart" id={formId} aria-label="Add to cart" className="flex flex-wrap items-end gap-3">
      <input type="hidden" name="intent" value="add" />
      <input type="hidden" name="productId" value={productId} />
      {hydrated ? <input type="hidden" name="via" value="fetcher" /> : null}
      <div>
        <label htmlFor={`${formId}-quantity`} className="block text-sm font-medium">
          Quantity
        </label>
        <select id={`${formId}-quantity`} name="quantity" defaultValue="1" className="mt-1 rounded-md border border-stone-300 bg-white px-3 py-2">
          {Array.from({ length: MAX_LINE_QUANTITY }, (_, i) => (
            <option key={i + 1} value={i + 1}>
              {i + 1}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={!inStock || busy} className="rounded-md bg-brand-600 px-5 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
        {inStock ? 'Add to cart' : 'Out of stock'}
      </button>
      {result ? (
        result.ok ? (
          <p role="status" className="basis-full text-sm text-green-800">
            {result.message}{' '}
            <Link to="/cart" className="font-medium underline">
              View cart
            </Link>
          </p>
        ) : (
          <p role="alert" className="basis-full text-sm text-red-700">
            {result.error}
          </p>
        )
      ) : null}
    </fetcher.Form>
  )
}
