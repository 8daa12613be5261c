import { data } from 'react-router'
import { CatalogBrowser } from '#app/components/catalog-browser.tsx'
import { catalogPageHref, parseCatalogPageParams } from '#app/domain/catalog-query.ts'
import { usePublicEnv } from '#app/root.tsx'
import { listCategories, listSizes, searchProducts } from '#app/services/catalog.server.ts'
import { redirectToCanonicalListing } from '#app/utils/listing-url.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.search'

export async function loader({ request }: Route.LoaderArgs) {
  const params = new URL(request.url).searchParams
  const values = Object.fromEntries(params)
  const parsed = parseCatalogPageParams(params)
  if (parsed.success) redirectToCanonicalListing(request, catalogPageHref('/search', parsed.query))
  const [categories, sizes] = await Promise.all([listCategories(), listSizes()])
  if (!parsed.success) return data({ values, errors: parsed.fields, query: null, result: null, categories, sizes }, { status: 400 })
  const result = await searchProducts(parsed.query)
  return { values, errors: null, query: parsed.query, result, categories, sizes }
}

export default function SearchPage({ loaderData }: Route.ComponentProps) {
  const { LOCALE } = usePublicEnv()
  const { values, errors, query, result, categories, sizes } = loaderData
  const q = query?.q ?? values.q
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-bold tracking-tight">{q ? `Results for “${q}”` : 'All products'}</h1>
      <CatalogBrowser
        basePath="/search"
        query={query}
        values={values}
        errors={errors}
        result={result}
        categories={categories}
        sizes={sizes}
        showSearch
        locale={LOCALE}
        resultsLabel="Search results"
      />
    </div>
  )
}

export function meta({ data: loaderData, matches }: Route.MetaArgs) {
  const shop = (matches[0]?.loaderData as { env?: { SHOP_NAME: string } } | undefined)?.env?.SHOP_NAME ?? 'Store'
  const q = loaderData?.query?.q
  return [{ title: q ? `“${q}” · ${shop}` : `All products · ${shop}` }, { name: 'robots', content: 'noindex, follow' }]
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
