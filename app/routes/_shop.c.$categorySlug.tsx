import { data } from 'react-router'
import { CatalogBrowser } from '#app/components/catalog-browser.tsx'
import { catalogPageHref, parseCatalogPageParams } from '#app/domain/catalog-query.ts'
import { usePublicEnv } from '#app/root.tsx'
import { getCategory, listSizes, searchProducts } from '#app/services/catalog.server.ts'
import { redirectToCanonicalListing } from '#app/utils/listing-url.server.ts'
import { publicOrigin } from '#app/utils/public-url.server.ts'
import { absoluteUrl, previewImage, shareMeta } from '#app/utils/share-meta.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.c.$categorySlug'

export async function loader({ request, params }: Route.LoaderArgs) {
  const category = await getCategory(params.categorySlug)
  if (!category) throw data('Category not found', { status: 404 })
  const url = new URL(request.url)
  const values = Object.fromEntries(url.searchParams)
  const parsed = parseCatalogPageParams(url.searchParams, { category: category.slug })
  const basePath = `/c/${category.slug}`
  if (parsed.success) redirectToCanonicalListing(request, catalogPageHref(basePath, parsed.query, true))
  const sizes = await listSizes(category.slug)
  const origin = publicOrigin(request)
  // Filtered views point search engines at the category's page of the same number.
  const canonical = `${origin}${catalogPageHref(basePath, { page: parsed.success ? parsed.query.page : 1 })}`
  if (!parsed.success) return data({ category, values, errors: parsed.fields, query: null, result: null, sizes, canonical, origin }, { status: 400 })
  const result = await searchProducts(parsed.query)
  return { category, values, errors: null, query: parsed.query, result, sizes, canonical, origin }
}

export default function CategoryPage({ loaderData }: Route.ComponentProps) {
  const { LOCALE } = usePublicEnv()
  const { category, values, errors, query, result, sizes } = loaderData
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-3xl font-bold tracking-tight">{category.name}</h1>
        {category.description ? <p className="mt-2 max-w-2xl text-stone-700">{category.description}</p> : null}
      </header>
      <CatalogBrowser
        basePath={`/c/${category.slug}`}
        query={query}
        values={values}
        errors={errors}
        result={result}
        sizes={sizes}
        locale={LOCALE}
        resultsLabel={`${category.name} products`}
      />
    </div>
  )
}

export function meta({ data: loaderData, matches }: Route.MetaArgs) {
  const shop = (matches[0]?.loaderData as { env?: { SHOP_NAME: string } } | undefined)?.env?.SHOP_NAME ?? 'Store'
  if (!loaderData) return [{ title: `Category not found · ${shop}` }]
  const { category, canonical, origin, query, result } = loaderData
  const page = query && query.page > 1 ? ` · page ${query.page}` : ''
  const image = result?.items.map((p) => previewImage(p.images)).find(Boolean)
  return [
    { title: `${category.name}${page} · ${shop}` },
    ...shareMeta({
      url: canonical,
      title: `${category.name} · ${shop}`,
      description: category.description || `Shop ${category.name} at ${shop}.`,
      siteName: shop,
      image: image && absoluteUrl(origin, image),
    }),
  ]
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
