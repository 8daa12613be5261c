import { data, isRouteErrorResponse, Link } from 'react-router'
import { AddToCartForm } from '#app/components/add-to-cart-form.tsx'
import { ProductCard } from '#app/components/product-card.tsx'
import { WishlistButton } from '#app/components/wishlist-button.tsx'
import { discountPercent, formatMoney } from '#app/domain/money.ts'
import { PURCHASE_FORM_ID } from '#app/domain/product.ts'
import { usePublicEnv } from '#app/root.tsx'
import { getProduct, getRelatedProducts } from '#app/services/catalog.server.ts'
import { publicOrigin } from '#app/utils/public-url.server.ts'
import { absoluteUrl, previewImage, shareMeta } from '#app/utils/share-meta.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.products.$slug'

export async function loader({ params, request }: Route.LoaderArgs) {
  const product = await getProduct(params.slug)
  if (!product) throw data('Product not found', { status: 404 })
  const related = await getRelatedProducts(product)
  const origin = publicOrigin(request)
  return { product, related, canonical: `${origin}/products/${product.slug}`, origin }
}

export default function ProductPage({ loaderData }: Route.ComponentProps) {
  const { product, related } = loaderData
  const { LOCALE } = usePublicEnv()
  const off = discountPercent(product.price, product.mrp)
  const firstInStock = product.sizes.find((s) => s.stock > 0)?.size
  return (
    <div className="space-y-12">
      <nav aria-label="Breadcrumb" className="text-sm text-stone-700">
        <ol className="flex flex-wrap gap-2">
          <li>
            <Link to="/" className="underline-offset-2 hover:underline">
              Home
            </Link>
            <span aria-hidden="true"> /</span>
          </li>
          <li>
            <Link to={`/c/${product.category}`} className="underline-offset-2 hover:underline">
              {product.categoryName}
            </Link>
            <span aria-hidden="true"> /</span>
          </li>
          <li aria-current="page">{product.name}</li>
        </ol>
      </nav>
      <div className="grid gap-8 md:grid-cols-2">
        <section aria-label="Gallery" className="grid gap-3">
          {product.images.length === 0 ? <div className="aspect-[4/5] rounded-lg bg-stone-100" role="img" aria-label="No photo yet" /> : null}
          {product.images.map((m, i) =>
            m.type === 'video' ? (
              <video key={m.url} src={m.url} controls preload="metadata" className="w-full rounded-lg bg-stone-100" aria-label={`${product.name}, video ${i + 1}`} />
            ) : (
              <img
                key={m.url}
                src={m.url}
                alt={`${product.name}, view ${i + 1}`}
                className="w-full rounded-lg bg-stone-100"
                width={800}
                height={1000}
                loading={i === 0 ? 'eager' : 'lazy'}
              />
            ),
          )}
        </section>
        <section aria-labelledby="product-title" className="space-y-4">
          <p className="text-sm uppercase tracking-wide text-stone-600">
            {product.brand} · {product.categoryName}
          </p>
          <h1 id="product-title" className="text-3xl font-bold tracking-tight">
            {product.name}
          </h1>
          <p className="flex flex-wrap items-baseline gap-3 text-xl">
            <span className="font-semibold">{formatMoney(product.price, product.currency, LOCALE)}</span>
            {off > 0 ? (
              <>
                <span className="text-base text-stone-600">
                  MRP <s>{formatMoney(product.mrp, product.currency, LOCALE)}</s>
                </span>
                <span className="text-base font-medium text-green-800">{off}% off</span>
              </>
            ) : null}
          </p>
          <p className="text-sm text-stone-600">Inclusive of all taxes</p>
          {/* The size radios belong to the purchase form (form="add-to-cart") wherever it is rendered. */}
          <fieldset>
            <legend className="mb-2 text-sm font-medium">Sizes</legend>
            <ul className="flex flex-wrap gap-2">
              {product.sizes.map((s) => {
                const id = `size-${s.size}`
                const inStock = s.stock > 0
                return (
                  <li key={s.size}>
                    <input
                      type="radio"
                      id={id}
                      name="size"
                      value={s.size}
                      form={PURCHASE_FORM_ID}
                      disabled={!inStock}
                      defaultChecked={s.size === firstInStock}
                      aria-label={`${s.size}, ${inStock ? `${s.stock} in stock` : 'out of stock'}`}
                      className="peer sr-only"
                    />
                    <label
                      htmlFor={id}
                      className={`inline-block cursor-pointer rounded-md border px-3 py-2 text-sm peer-checked:border-brand-600 peer-checked:bg-brand-50 peer-checked:ring-2 peer-checked:ring-brand-600 peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand-600 ${inStock ? 'border-stone-400 bg-white' : 'cursor-not-allowed border-stone-200 text-stone-500 line-through'}`}
                    >
                      {s.size}
                      <span className="sr-only">{inStock ? `, ${s.stock} in stock` : ', out of stock'}</span>
                      {inStock && s.stock <= 3 ? <span className="ml-1 text-xs text-amber-800">only {s.stock} left</span> : null}
                    </label>
                  </li>
                )
              })}
            </ul>
          </fieldset>
          <p className={product.totalStock > 0 ? 'text-green-800' : 'font-medium text-red-700'}>{product.totalStock > 0 ? 'In stock' : 'Out of stock'}</p>
          {/* Purchase actions (Add to cart, Add to wishlist) go in this aside; the cart form must have id="add-to-cart". */}
          <aside aria-label="Buy" className="flex flex-wrap items-end gap-3" data-slot="product-actions">
            <AddToCartForm productId={product.id} formId={PURCHASE_FORM_ID} inStock={product.totalStock > 0} />
            <WishlistButton productId={product.id} productName={product.name} />
          </aside>
          <div className="prose prose-stone max-w-none">
            <h2 className="text-lg font-semibold">Details</h2>
            <p className="whitespace-pre-line text-stone-800">{product.description}</p>
          </div>
        </section>
      </div>
      {related.length > 0 ? (
        <section aria-labelledby="related-title">
          <h2 id="related-title" className="mb-4 text-2xl font-bold tracking-tight">
            You may also like
          </h2>
          <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
            {related.map((p) => (
              <li key={p.id}>
                <ProductCard product={p} locale={LOCALE} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  )
}

export function meta({ data: loaderData, error, matches }: Route.MetaArgs) {
  const shop = (matches[0]?.loaderData as { env?: { SHOP_NAME: string } } | undefined)?.env?.SHOP_NAME ?? 'Store'
  if (!loaderData) {
    const missing = isRouteErrorResponse(error) && error.status === 404
    return [{ title: `${missing ? 'Product not found' : 'Something went wrong'} · ${shop}` }]
  }
  const { product: p, canonical, origin } = loaderData
  const description = p.description.slice(0, 160)
  const images = p.images.filter((m) => m.type === 'image').map((m) => absoluteUrl(origin, m.url))
  const preview = previewImage(p.images)
  return [
    { title: `${p.name} · ${p.brand} · ${shop}` },
    ...shareMeta({ url: canonical, title: p.name, description, siteName: shop, type: 'product', image: preview && absoluteUrl(origin, preview) }),
    { property: 'product:price:amount', content: (p.price / 100).toFixed(2) },
    { property: 'product:price:currency', content: p.currency },
    {
      'script:ld+json': {
        '@context': 'https://schema.org',
        '@type': 'Product',
        name: p.name,
        description: p.description,
        sku: p.id,
        brand: { '@type': 'Brand', name: p.brand },
        category: p.categoryName,
        image: images,
        url: canonical,
        offers: {
          '@type': 'Offer',
          url: canonical,
          priceCurrency: p.currency,
          price: (p.price / 100).toFixed(2),
          availability: p.totalStock > 0 ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
          itemCondition: 'https://schema.org/NewCondition',
        },
      },
    },
  ]
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
