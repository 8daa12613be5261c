import { Link } from 'react-router'
import { ProductCard } from '#app/components/product-card.tsx'
import { usePublicEnv } from '#app/root.tsx'
import { listCategories, listProducts } from '#app/services/catalog.server.ts'
import type { Route } from './+types/_shop._index'

export async function loader() {
  const [featured, latest, categories] = await Promise.all([
    listProducts({ featured: true, limit: 8 }),
    listProducts({ limit: 24 }),
    listCategories(),
  ])
  return { featured: featured.items, latest: latest.items, total: latest.total, categories }
}

export default function Home({ loaderData }: Route.ComponentProps) {
  const { LOCALE } = usePublicEnv()
  return (
    <div className="space-y-12">
      <section aria-labelledby="categories-title">
        <h2 id="categories-title" className="sr-only">
          Categories
        </h2>
        <ul className="flex flex-wrap gap-2">
          {loaderData.categories.map((c) => (
            <li key={c.id}>
              <span className="inline-block rounded-full border border-stone-300 bg-white px-3 py-1 text-sm">{c.name}</span>
            </li>
          ))}
        </ul>
      </section>
      {loaderData.featured.length > 0 ? (
        <section aria-labelledby="featured-title">
          <h2 id="featured-title" className="mb-4 text-2xl font-bold tracking-tight">
            Featured
          </h2>
          <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
            {loaderData.featured.map((p) => (
              <li key={p.id}>
                <ProductCard product={p} locale={LOCALE} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="latest-title">
        <h2 id="latest-title" className="mb-4 text-2xl font-bold tracking-tight">
          New arrivals
        </h2>
        {loaderData.latest.length === 0 ? (
          <p className="text-stone-600">No products yet. Staff can add some in the admin area.</p>
        ) : (
          <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
            {loaderData.latest.map((p) => (
              <li key={p.id}>
                <ProductCard product={p} locale={LOCALE} />
              </li>
            ))}
          </ul>
        )}
        <p className="mt-6 text-sm text-stone-500">
          {loaderData.total} products in the catalogue. <Link to="/">Back to top</Link>
        </p>
      </section>
    </div>
  )
}

export function meta({ matches }: Route.MetaArgs) {
  const shop = (matches[0]?.loaderData as { env?: { SHOP_NAME: string } } | undefined)?.env?.SHOP_NAME ?? 'Store'
  return [{ title: `${shop} — clothing and accessories` }, { name: 'description', content: `Shop the latest at ${shop}.` }]
}
