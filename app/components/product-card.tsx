import { Link } from 'react-router'
import { discountPercent, formatMoney } from '#app/domain/money.ts'
import type { ProductView } from '#app/domain/product.ts'
import { WishlistButton } from './wishlist-button.tsx'

/**
 * A product in a grid. `actions` is the slot for per-product forms (Add to wishlist,
 * Add to cart): it renders below the price, above the card's full-size link overlay, so
 * its buttons stay clickable and focusable.
 */
export function ProductCard({ product, locale, actions }: { product: ProductView; locale: string; actions?: React.ReactNode }) {
  const image = product.images.find((m) => m.type === 'image')
  const off = discountPercent(product.price, product.mrp)
  return (
    <article className="group relative flex flex-col overflow-hidden rounded-lg border border-stone-200 bg-white focus-within:ring-2 focus-within:ring-brand-600">
      <div className="aspect-[4/5] bg-stone-100">
        {image ? <img src={image.url} alt="" loading="lazy" className="h-full w-full object-cover" width={400} height={500} /> : null}
      </div>
      <div className="flex flex-1 flex-col gap-1 p-3">
        <p className="text-xs uppercase tracking-wide text-stone-600">{product.brand}</p>
        <h3 className="text-sm font-medium">
          <Link to={`/products/${product.slug}`} className="after:absolute after:inset-0 focus:outline-none">
            {product.name}
          </Link>
        </h3>
        <p className="mt-auto flex flex-wrap items-baseline gap-2 text-sm">
          <span className="font-semibold">{formatMoney(product.price, product.currency, locale)}</span>
          {off > 0 ? (
            <>
              <span className="text-stone-600 line-through">
                <span className="sr-only">MRP </span>
                {formatMoney(product.mrp, product.currency, locale)}
              </span>
              <span className="text-green-800">{off}% off</span>
            </>
          ) : null}
        </p>
        {product.totalStock === 0 ? <p className="text-xs font-medium text-red-700">Out of stock</p> : null}
        <div className="relative z-10 mt-2 flex gap-2">
          <WishlistButton productId={product.id} productName={product.name} />
          {actions}
        </div>
      </div>
    </article>
  )
}
