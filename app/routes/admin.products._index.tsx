import { data, Form, Link } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { usePermission } from '#app/components/use-user.ts'
import { formatMoney } from '#app/domain/money.ts'
import { LOW_STOCK_THRESHOLD, PRODUCT_STATUSES, type ProductStatus } from '#app/domain/product-input.ts'
import { hasControlChars, PLAIN_TEXT_MESSAGE } from '#app/domain/text.ts'
import { usePublicEnv } from '#app/root.tsx'
import { listProductsForStaff } from '#app/services/catalog-admin.server.ts'
import { listCategories } from '#app/services/catalog.server.ts'
import { requireCatalogStaff } from '#app/utils/catalog-guard.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import { PageLinks } from '#app/components/page-links.tsx'
import type { Route } from './+types/admin.products._index'

const PAGE_SIZE = 20

// Any catalogue permission may view (see catalog-guard.server.ts); the forms check their own.
export async function loader({ request }: Route.LoaderArgs) {
  await requireCatalogStaff(request)
  const url = new URL(request.url)
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100)
  if (hasControlChars(q)) throw data(`Search: ${PLAIN_TEXT_MESSAGE}`, { status: 400 })
  const category = url.searchParams.get('category') ?? ''
  const statusParam = url.searchParams.get('status') ?? ''
  const status = (PRODUCT_STATUSES as readonly string[]).includes(statusParam) ? (statusParam as ProductStatus) : undefined
  const lowStock = url.searchParams.get('stock') === 'low'
  const pageNum = Number(url.searchParams.get('page') ?? '1')
  const page = Number.isInteger(pageNum) && pageNum >= 1 && pageNum <= 10_000 ? pageNum : 1
  const [result, categories] = await Promise.all([listProductsForStaff({ q, categoryId: category || undefined, status, lowStock, page, limit: PAGE_SIZE }), listCategories()])
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  return data(
    { ...result, categories: categories.map((c) => ({ id: c.id, name: c.name })), filters: { q, category, status: status ?? '', lowStock }, flash },
    flash ? { headers: { 'Set-Cookie': await commitSession(session) } } : undefined,
  )
}

export default function AdminProducts({ loaderData }: Route.ComponentProps) {
  const { items, total, page, limit, categories, filters, flash } = loaderData
  const { LOCALE } = usePublicEnv()
  const canCreate = usePermission('product:create')
  const pages = Math.max(1, Math.ceil(total / limit))
  const pageLink = (p: number) => {
    const params = new URLSearchParams()
    if (filters.q) params.set('q', filters.q)
    if (filters.category) params.set('category', filters.category)
    if (filters.status) params.set('status', filters.status)
    if (filters.lowStock) params.set('stock', 'low')
    if (p > 1) params.set('page', String(p))
    const s = params.toString()
    return s ? `/admin/products?${s}` : '/admin/products'
  }
  return (
    <div>
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-2xl font-bold tracking-tight">Products</h1>
        {canCreate ? (
          <Link to="/admin/products/new" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
            New product
          </Link>
        ) : null}
      </div>
      {flash ? (
        <p role="status" className={`mt-4 rounded-md border px-3 py-2 text-sm ${flash.kind === 'success' ? 'border-green-200 bg-green-50 text-green-800' : 'border-red-200 bg-red-50 text-red-800'}`}>
          {flash.message}
        </p>
      ) : null}

      <Form method="get" role="search" className="mt-6 flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="q" className="block text-sm font-medium">
            Search
          </label>
          <input id="q" name="q" type="search" defaultValue={filters.q} placeholder="Name, slug or brand" className="mt-1 w-64 rounded-md border border-stone-300 px-3 py-2" />
        </div>
        <div>
          <label htmlFor="category" className="block text-sm font-medium">
            Category
          </label>
          <select id="category" name="category" defaultValue={filters.category} className="mt-1 rounded-md border border-stone-300 px-3 py-2">
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="status" className="block text-sm font-medium">
            Status
          </label>
          <select id="status" name="status" defaultValue={filters.status} className="mt-1 rounded-md border border-stone-300 px-3 py-2">
            <option value="">Any</option>
            {PRODUCT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input type="checkbox" name="stock" value="low" defaultChecked={filters.lowStock} /> Low stock (a size with {LOW_STOCK_THRESHOLD} or fewer)
        </label>
        <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Filter
        </button>
      </Form>

      <p className="mt-4 text-sm text-stone-600">{total === 0 ? 'No products match.' : `${total} product${total === 1 ? '' : 's'}; page ${page} of ${pages}.`}</p>
      {total > 0 ? (
        <div className="mt-2 overflow-x-auto rounded-lg border border-stone-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-stone-100 text-stone-700">
              <tr>
                <th scope="col" className="px-3 py-2">Product</th>
                <th scope="col" className="px-3 py-2">Category</th>
                <th scope="col" className="px-3 py-2">Status</th>
                <th scope="col" className="px-3 py-2 text-right">Price</th>
                <th scope="col" className="px-3 py-2 text-right">Stock</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id} className="border-t border-stone-100">
                  <td className="px-3 py-2">
                    <div className="flex items-center gap-3">
                      {p.thumbnail ? <img src={p.thumbnail} alt="" className="h-10 w-10 rounded object-cover" width={40} height={40} /> : <span className="h-10 w-10 rounded bg-stone-100" aria-hidden />}
                      <span>
                        <Link to={`/admin/products/${p.id}`} className="font-medium text-brand-700 underline">
                          {p.name}
                        </Link>
                        <span className="block text-xs text-stone-500">{p.brand}</span>
                      </span>
                    </div>
                  </td>
                  <td className="px-3 py-2">{p.category}</td>
                  <td className="px-3 py-2">{p.status}</td>
                  <td className="px-3 py-2 text-right">{formatMoney(p.price, p.currency, LOCALE)}</td>
                  <td className="px-3 py-2 text-right">
                    {p.totalStock}
                    {p.lowSizes.length ? <span className="block text-xs text-amber-700">low: {p.lowSizes.join(', ')}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <PageLinks page={page} pages={pages} href={pageLink} />
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Products · Staff' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/admin" backLabel="Staff home" />
}
