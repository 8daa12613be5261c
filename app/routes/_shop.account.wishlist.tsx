import { Form, Link } from 'react-router'
import { discountPercent, formatMoney } from '#app/domain/money.ts'
import { usePublicEnv } from '#app/root.tsx'
import { listWishlist } from '#app/services/wishlist.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.account.wishlist'

export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireUser(request)
  return { items: await listWishlist(user.id) }
}

export default function WishlistPage({ loaderData }: Route.ComponentProps) {
  const { items } = loaderData
  const { LOCALE } = usePublicEnv()
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Wishlist</h1>
      {items.length === 0 ? (
        <div className="rounded-lg border border-dashed border-stone-300 p-10 text-center">
          <p className="text-lg font-medium">Your wishlist is empty.</p>
          <p className="mt-1 text-stone-600">Tap the heart on any product to save it here.</p>
          <Link to="/" className="mt-4 inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            Browse the shop
          </Link>
        </div>
      ) : (
        <ul aria-label="Saved products" className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
          {items.map((p) => {
            const image = p.images.find((m) => m.type === 'image')
            const off = discountPercent(p.price, p.mrp)
            return (
              <li key={p.id} aria-label={p.name} className="flex items-center gap-4 p-4">
                <div className="h-24 w-20 shrink-0 overflow-hidden rounded-md bg-stone-100">
                  {image ? <img src={image.url} alt="" className="h-full w-full object-cover" width={80} height={96} loading="lazy" /> : null}
                </div>
                <div className="flex-1">
                  <p className="text-xs uppercase tracking-wide text-stone-600">{p.brand}</p>
                  <Link to={`/products/${p.slug}`} className="font-medium hover:underline">
                    {p.name}
                  </Link>
                  <p className="text-sm">
                    <span className="font-semibold">{formatMoney(p.price, p.currency, LOCALE)}</span>
                    {off > 0 ? <span className="ml-2 text-green-800">{off}% off</span> : null}
                  </p>
                  {p.totalStock === 0 ? <p className="text-sm font-medium text-red-700">Out of stock</p> : null}
                </div>
                <Form method="post" action="/wishlist">
                  <input type="hidden" name="intent" value="remove" />
                  <input type="hidden" name="productId" value={p.id} />
                  <input type="hidden" name="redirectTo" value="/account/wishlist" />
                  <button type="submit" className="rounded-md border border-stone-300 px-3 py-1 text-sm font-medium hover:bg-stone-100" aria-label={`Remove ${p.name} from wishlist`}>
                    Remove
                  </button>
                </Form>
              </li>
            )
          })}
        </ul>
      )}
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Wishlist' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/account" backLabel="Your account" />
}
