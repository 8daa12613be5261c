import { data, redirect } from 'react-router'
import type { WishlistActionData } from '#app/components/wishlist-button.tsx'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { addToWishlist, removeFromWishlist } from '#app/services/wishlist.server.ts'
import { getOptionalUser } from '#app/utils/auth.server.ts'
import { safeRedirect } from '#app/utils/session.server.ts'
import type { Route } from './+types/wishlist'

export function loader() {
  return redirect('/account/wishlist')
}

// The hearts post here: `productId`, `intent` (add | remove), `redirectTo`, and `via=fetcher` when JS is on.
export async function action({ request }: Route.ActionArgs) {
  const form = await request.formData()
  const redirectTo = safeRedirect(form.get('redirectTo'), '/account/wishlist')
  const user = await getOptionalUser(request)
  if (!user) return redirect(`/login?${new URLSearchParams({ redirectTo })}`)
  const viaFetcher = form.get('via') === 'fetcher'
  const productId = String(form.get('productId') ?? '')
  const intent = form.get('intent') === 'remove' ? 'remove' : 'add'
  try {
    if (intent === 'add') await addToWishlist(user.id, productId)
    else await removeFromWishlist(user.id, productId)
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    const status = STATUS_BY_CODE[err.code]
    if (viaFetcher) return data<WishlistActionData>({ ok: false, error: err.message }, { status })
    return new Response(errorPage(err.message, redirectTo), { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } })
  }
  if (viaFetcher) return data<WishlistActionData>({ ok: true, wishlisted: intent === 'add' })
  return redirect(redirectTo)
}

/** Without JS the refusal needs a page of its own; it links back to where the shopper was. */
function errorPage(message: string, back: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Wishlist</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>Could not update your wishlist</h1><p role="alert">${esc(message)}</p><p><a href="${esc(back)}">Go back</a></p></body></html>`
}
