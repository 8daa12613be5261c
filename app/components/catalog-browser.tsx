import { Form, Link } from 'react-router'
import { catalogPageHref, CATALOG_SORTS, SORT_LABELS, type CatalogQuery } from '#app/domain/catalog-query.ts'
import type { ProductPage } from '#app/domain/product.ts'
import { ProductCard } from './product-card.tsx'

export interface CatalogBrowserProps {
  /** where the filter form and the page links go: `/search` or `/c/<slug>` */
  basePath: string
  /** the validated query, or null when the URL's filters were invalid */
  query: CatalogQuery | null
  /** the URL's raw values, to keep the shopper's input in the form */
  values: Record<string, string>
  /** field → message when the URL's filters were invalid */
  errors?: Record<string, string> | null
  result: ProductPage | null
  /** offered in a category select (the search page); omitted on a category page */
  categories?: { slug: string; name: string }[]
  sizes: string[]
  showSearch?: boolean
  locale: string
  /** label of the results region, e.g. "Search results" or the category name */
  resultsLabel: string
}

const field = 'mt-1 block w-full rounded-md border border-stone-400 bg-white px-3 py-2 text-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600'
const label = 'block text-sm font-medium text-stone-800'

/** Filters, sort, results and pagination as plain GET forms and links: every state has a URL and works without JS. */
export function CatalogBrowser(props: CatalogBrowserProps) {
  const { basePath, query, values, errors, result, categories, sizes, showSearch, locale, resultsLabel } = props
  const hasText = Boolean(values.q?.trim())
  const errorFor = (name: string) => errors?.[name]
  const describedBy = (name: string) => (errorFor(name) ? `${name}-error` : undefined)
  const formKey = JSON.stringify(values)
  return (
    <div className="grid gap-8 lg:grid-cols-[16rem_1fr]">
      <Form method="get" action={basePath} key={formKey} aria-label="Filters" className="space-y-4 self-start rounded-lg border border-stone-200 bg-white p-4">
        {errors ? (
          <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
            <p className="font-medium">Some filters are not valid; please correct them.</p>
          </div>
        ) : null}
        {showSearch ? (
          <div>
            <label htmlFor="filter-q" className={label}>
              Search
            </label>
            <input id="filter-q" type="search" name="q" defaultValue={values.q ?? ''} maxLength={100} className={field} aria-invalid={errorFor('q') ? true : undefined} aria-describedby={describedBy('q')} />
            <FieldError name="q" message={errorFor('q')} />
          </div>
        ) : null}
        {categories ? (
          <div>
            <label htmlFor="filter-category" className={label}>
              Category
            </label>
            <select id="filter-category" name="category" defaultValue={values.category ?? ''} className={field} aria-invalid={errorFor('category') ? true : undefined} aria-describedby={describedBy('category')}>
              <option value="">All categories</option>
              {categories.map((c) => (
                <option key={c.slug} value={c.slug}>
                  {c.name}
                </option>
              ))}
            </select>
            <FieldError name="category" message={errorFor('category')} />
          </div>
        ) : null}
        <fieldset>
          <legend className={label}>Price (₹)</legend>
          <div className="mt-1 grid grid-cols-2 gap-2">
            <div>
              <label htmlFor="filter-min" className="text-xs text-stone-700">
                Minimum price
              </label>
              <input id="filter-min" name="min" type="number" inputMode="numeric" min={0} step={1} defaultValue={values.min ?? ''} className={field} aria-invalid={errorFor('min') ? true : undefined} aria-describedby={describedBy('min')} />
            </div>
            <div>
              <label htmlFor="filter-max" className="text-xs text-stone-700">
                Maximum price
              </label>
              <input id="filter-max" name="max" type="number" inputMode="numeric" min={0} step={1} defaultValue={values.max ?? ''} className={field} aria-invalid={errorFor('max') ? true : undefined} aria-describedby={describedBy('max')} />
            </div>
          </div>
          <FieldError name="min" message={errorFor('min')} />
          <FieldError name="max" message={errorFor('max')} />
        </fieldset>
        <div>
          <label htmlFor="filter-size" className={label}>
            Size in stock
          </label>
          <select id="filter-size" name="size" defaultValue={values.size ?? ''} className={field} aria-invalid={errorFor('size') ? true : undefined} aria-describedby={describedBy('size')}>
            <option value="">Any size</option>
            {sizes.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            {values.size && !sizes.includes(values.size) ? <option value={values.size}>{values.size}</option> : null}
          </select>
          <FieldError name="size" message={errorFor('size')} />
        </div>
        <div>
          <label htmlFor="filter-sort" className={label}>
            Sort by
          </label>
          <select id="filter-sort" name="sort" defaultValue={values.sort ?? ''} className={field} aria-invalid={errorFor('sort') ? true : undefined} aria-describedby={describedBy('sort')}>
            <option value="">{hasText ? 'Best match' : SORT_LABELS.newest}</option>
            {CATALOG_SORTS.filter((s) => hasText || s !== 'newest').map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
          <FieldError name="sort" message={errorFor('sort')} />
        </div>
        <FieldError name="page" message={errorFor('page')} />
        <div className="flex items-center gap-3">
          <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:ring-offset-2">
            Apply filters
          </button>
          <Link to={showSearch && values.q ? catalogPageHref(basePath, { q: values.q }) : basePath} className="text-sm font-medium text-brand-700 underline-offset-2 hover:underline">
            Clear filters
          </Link>
        </div>
      </Form>

      <section aria-labelledby="results-title" className="space-y-6">
        <h2 id="results-title" className="sr-only">
          {resultsLabel}
        </h2>
        {result && query ? (
          <>
            <p role="status" className="text-sm text-stone-700">
              {result.total === 0 ? 'No products match.' : `${result.total} ${result.total === 1 ? 'product' : 'products'}`}
              {result.total > 0 && result.items.length === 0 ? ' — this page is past the last one.' : ''}
            </p>
            {result.items.length > 0 ? (
              <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3 xl:grid-cols-4">
                {result.items.map((p) => (
                  <li key={p.id}>
                    <ProductCard product={p} locale={locale} />
                  </li>
                ))}
              </ul>
            ) : (
              <p>
                <Link to={basePath} className="font-medium text-brand-700 underline">
                  Browse everything
                </Link>
              </p>
            )}
            <Pagination basePath={basePath} query={query} total={result.total} omitCategory={!categories} />
          </>
        ) : (
          <p className="text-stone-700">Correct the filters to see products.</p>
        )}
      </section>
    </div>
  )
}

function FieldError({ name, message }: { name: string; message?: string }) {
  if (!message) return null
  return (
    <p id={`${name}-error`} className="mt-1 text-sm text-red-700">
      {message}
    </p>
  )
}

/** Page links that keep every other filter; current page marked with aria-current. */
function Pagination({ basePath, query, total, omitCategory }: { basePath: string; query: CatalogQuery; total: number; omitCategory: boolean }) {
  const pages = Math.max(1, Math.ceil(total / query.limit))
  if (pages <= 1 && query.page <= 1) return null
  const href = (page: number) => catalogPageHref(basePath, { ...query, page }, omitCategory)
  const first = Math.max(1, Math.min(query.page - 2, pages - 4))
  const numbers = Array.from({ length: Math.min(5, pages) }, (_, i) => first + i).filter((n) => n <= pages)
  const link = 'inline-flex min-w-10 items-center justify-center rounded-md border border-stone-300 bg-white px-3 py-2 text-sm font-medium hover:bg-stone-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600'
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center gap-2">
      {query.page > 1 ? (
        <Link to={href(Math.min(query.page - 1, pages))} rel="prev" className={link}>
          Previous page
        </Link>
      ) : null}
      {numbers.map((n) =>
        n === query.page ? (
          <span key={n} aria-current="page" className={`${link} border-brand-600 bg-brand-600 text-white hover:bg-brand-600`}>
            <span className="sr-only">Page </span>
            {n}
          </span>
        ) : (
          <Link key={n} to={href(n)} className={link} aria-label={`Page ${n}`}>
            {n}
          </Link>
        ),
      )}
      {query.page < pages ? (
        <Link to={href(query.page + 1)} rel="next" className={link}>
          Next page
        </Link>
      ) : null}
      <span className="text-sm text-stone-600">
        Page {Math.min(query.page, pages)} of {pages}
      </span>
    </nav>
  )
}
