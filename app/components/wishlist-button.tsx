import { useFetcher, useLocation } from 'react-router'
import { useHydrated } from './use-hydrated.ts'
import { useWishlistIds } from './use-shop.ts'
import { useOptionalUser } from './use-user.ts'

/** What POST /wishlist answers a fetcher (without JS it redirects back instead). */
export type WishlistActionData = { ok: true; wishlisted: boolean } | { ok: false; error: string }

/**
 * The heart. Without JS a plain form post to /wishlist that redirects back to this page;
 * with JS a fetcher that flips at once (from the submitted intent) and falls back to the
 * server's state, with a message, if the server refuses. Guests are sent to sign in.
 */
export function WishlistButton({ productId, productName, className = '' }: { productId: string; productName: string; className?: string }) {
  const fetcher = useFetcher<WishlistActionData>({ key: `wishlist:${productId}` })
  const saved = useWishlistIds().includes(productId)
  const user = useOptionalUser()
  const hydrated = useHydrated()
  const location = useLocation()
  const pending = user && fetcher.formData ? fetcher.formData.get('intent') === 'add' : null
  const pressed = pending ?? saved
  const error = fetcher.state === 'idle' && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null
  return (
    <fetcher.Form method="post" action="/wishlist" className={`flex flex-col items-start ${className}`}>
      <input type="hidden" name="productId" value={productId} />
      <input type="hidden" name="intent" value={pressed ? 'remove' : 'add'} />
      <input type="hidden" name="redirectTo" value={`${location.pathname}${location.search}`} />
      {hydrated ? <input type="hidden" name="via" value="fetcher" /> : null}
      <button
        type="submit"
        aria-pressed={pressed}
        aria-label={`Save ${productName} to wishlist`}
        title={pressed ? 'Saved to your wishlist' : 'Save to wishlist'}
        className="inline-flex h-9 w-9 items-center justify-center rounded-full border border-stone-300 bg-white text-rose-600 shadow-sm hover:border-rose-400 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill={pressed ? 'currentColor' : 'none'} stroke="currentColor" strokeWidth="2">
          <path d="M12 21s-7.5-4.6-9.5-9.3C1.2 8.4 3.4 5 6.8 5c2 0 3.4 1.1 4.2 2.4h2C13.8 6.1 15.2 5 17.2 5c3.4 0 5.6 3.4 4.3 6.7C19.5 16.4 12 21 12 21z" />
        </svg>
      </button>
      {error ? (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </fetcher.Form>
  )
}
