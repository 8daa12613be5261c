import { Link } from 'react-router'
import { ProductCard } from '#app/components/product-card.tsx'
import type { ProductView } from '#app/domain/product.ts'
import { usePublicEnv } from '#app/root.tsx'
import { getHomeRows, listCategories } from '#app/services/catalog.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import { publicOrigin } from '#app/utils/public-url.server.ts'
import { absoluteUrl, previewImage, shareMeta } from '#app/utils/share-meta.ts'
import type { Route } from './+types/_shop._index'

export async function loader({ request }: Route.LoaderArgs) {
  const [rows, categories] = await Promise.all([getHomeRows(), listCategories()])
  return { ...rows, categoryLinks: categories.map((c) => ({ slug: c.slug, name: c.name })), origin: publicOrigin(request) }
}

export default function Home({ loaderData }: Route.ComponentProps) {
  const { LOCALE, SHOP_NAME } = usePublicEnv()
  const { featured, latest, categories, categoryLinks } = loaderData
  return (
    <div className="space-y-12">
      <header>
        <h1 className="text-3xl font-bold tracking-tight">{SHOP_NAME}</h1>
        <p className="mt-2 text-stone-700">Clothing and accessories: what is featured, what is new, and every category.</p>
      </header>
      <section aria-labelledby="categories-title">
        <h2 id="categories-title" className="sr-only">
          Categories
        </h2>
        <ul className="flex flex-wrap gap-2">
          {categoryLinks.map((c) => (
            <li key={c.slug}>
              <Link
                to={`/c/${c.slug}`}
                className="inline-block rounded-full border border-stone-300 bg-white px-3 py-1 text-sm hover:border-brand-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600"
              >
                {c.name}
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {featured.length > 0 ? <Row id="featured-title" title="Featured" items={featured} locale={LOCALE} /> : null}
      {latest.length === 0 ? (
        <section aria-labelledby="latest-title">
          <h2 id="latest-title" className="mb-4 text-2xl font-bold tracking-tight">
            New arrivals
          </h2>
          <p className="text-stone-700">No products yet. Staff can add some in the admin area.</p>
        </section>
      ) : (
        <Row id="latest-title" title="New arrivals" items={latest} locale={LOCALE} more={{ to: '/search', label: 'See all new arrivals' }} />
      )}
      {categories.map((row) => (
        <Row
          key={row.category.slug}
          id={`cat-${row.category.slug}-title`}
          title={row.category.name}
          items={row.items}
          locale={LOCALE}
          more={{ to: `/c/${row.category.slug}`, label: `See all ${row.total} in ${row.category.name}` }}
        />
      ))}
    </div>
  )
}

function Row({ id, title, items, locale, more }: { id: string; title: string; items: ProductView[]; locale: string; more?: { to: string; label: string } }) {
  return (
    <section aria-labelledby={id}>
      <div className="mb-4 flex items-baseline justify-between gap-4">
        <h2 id={id} className="text-2xl font-bold tracking-tight">
          {title}
        </h2>
        {more ? (
          <Link to={more.to} className="text-sm font-medium text-brand-700 underline-offset-2 hover:underline">
            {more.label}
          </Link>
        ) : null}
      </div>
      <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
        {items.map((p) => (
          <li key={p.id}>
            <ProductCard product={p} locale={locale} />
          </li>
        ))}
      </ul>
    </section>
  )
}

export function meta({ data: loaderData, matches }: Route.MetaArgs) {
  const shop = (matches[0]?.loaderData as { env?: { SHOP_NAME: string } } | undefined)?.env?.SHOP_NAME ?? 'Store'
  const title = `${shop} — clothing and accessories`
  if (!loaderData) return [{ title }]
  const { origin, featured, latest } = loaderData
  const image = [...featured, ...latest].map((p) => previewImage(p.images)).find(Boolean)
  return [
    { title },
    ...shareMeta({ url: `${origin}/`, title, description: `Shop the latest at ${shop}: featured picks, new arrivals and every category.`, siteName: shop, image: image && absoluteUrl(origin, image) }),
  ]
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
