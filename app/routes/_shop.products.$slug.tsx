import { data } from 'react-router'
import { discountPercent, formatMoney } from '#app/domain/money.ts'
import { usePublicEnv } from '#app/root.tsx'
import { getProduct } from '#app/services/catalog.server.ts'
import type { Route } from './+types/_shop.products.$slug'

export async function loader({ params }: Route.LoaderArgs) {
  const product = await getProduct(params.slug)
  if (!product) throw data('Product not found', { status: 404 })
  return { product }
}

export default function ProductPage({ loaderData }: Route.ComponentProps) {
  const { product } = loaderData
  const { LOCALE } = usePublicEnv()
  const off = discountPercent(product.price, product.mrp)
  return (
    <div className="grid gap-8 md:grid-cols-2">
      <section aria-label="Gallery" className="grid gap-3">
        {product.images.map((m, i) =>
          m.type === 'video' ? (
            <video key={m.url} src={m.url} controls className="w-full rounded-lg bg-stone-100" />
          ) : (
            <img key={m.url} src={m.url} alt={`${product.name}, view ${i + 1}`} className="w-full rounded-lg bg-stone-100" width={800} height={1000} />
          ),
        )}
      </section>
      <section aria-labelledby="product-title" className="space-y-4">
        <p className="text-sm uppercase tracking-wide text-stone-500">
          {product.brand} · {product.category.name}
        </p>
        <h1 id="product-title" className="text-3xl font-bold tracking-tight">
          {product.name}
        </h1>
        <p className="flex items-baseline gap-3 text-xl">
          <span className="font-semibold">{formatMoney(product.price, product.currency, LOCALE)}</span>
          {off > 0 ? (
            <>
              <span className="text-base text-stone-500">
                MRP <s>{formatMoney(product.mrp, product.currency, LOCALE)}</s>
              </span>
              <span className="text-base font-medium text-green-700">{off}% off</span>
            </>
          ) : null}
        </p>
        <p className="text-stone-700">{product.description}</p>
        <fieldset>
          <legend className="mb-2 text-sm font-medium">Sizes</legend>
          <ul className="flex flex-wrap gap-2">
            {product.sizes.map((s) => (
              <li key={s.size} className={`rounded-md border px-3 py-2 text-sm ${s.stock > 0 ? 'border-stone-400 bg-white' : 'border-stone-200 text-stone-400 line-through'}`}>
                {s.size}
                <span className="sr-only">{s.stock > 0 ? `, ${s.stock} in stock` : ', out of stock'}</span>
                {s.stock > 0 && s.stock <= 3 ? <span className="ml-1 text-xs text-amber-700">only {s.stock} left</span> : null}
              </li>
            ))}
          </ul>
        </fieldset>
        <p className={product.totalStock > 0 ? 'text-green-700' : 'font-medium text-red-700'}>{product.totalStock > 0 ? 'In stock' : 'Out of stock'}</p>
      </section>
    </div>
  )
}

export function meta({ data: loaderData }: Route.MetaArgs) {
  if (!loaderData) return [{ title: 'Product not found' }]
  const p = loaderData.product
  const description = p.description.slice(0, 160)
  return [
    { title: `${p.name} · ${p.brand}` },
    { name: 'description', content: description },
    { property: 'og:title', content: p.name },
    { property: 'og:description', content: description },
    { property: 'og:type', content: 'product' },
    ...(p.images[0] ? [{ property: 'og:image', content: p.images[0].url }] : []),
  ]
}
