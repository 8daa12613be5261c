import { describe, expect, it } from 'vitest'
import { catalogPageHref, parseCatalogPageParams } from '#app/domain/catalog-query.ts'
import { redirectToCanonicalListing } from './listing-url.server.ts'

/** Where a GET of `path` is sent (null: it is answered as is), as the search and category loaders do it. */
function redirectOf(path: string, method = 'GET'): string | null {
  const url = new URL(path, 'http://shop.test')
  const category = url.pathname.startsWith('/c/') ? url.pathname.slice(3) : undefined
  const parsed = parseCatalogPageParams(url.searchParams, { category })
  if (!parsed.success) throw new Error(`invalid query: ${path}`)
  try {
    redirectToCanonicalListing(new Request(url, { method }), catalogPageHref(url.pathname, parsed.query, Boolean(category)))
    return null
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown
    expect(thrown.status).toBe(302)
    return thrown.headers.get('Location')
  }
}

describe('redirectToCanonicalListing', () => {
  it.each([
    ['/search?q=&category=&min=&max=&size=&sort=', '/search'],
    ['/search?q=kurta&category=&min=&max=&size=&sort=', '/search?q=kurta'],
    ['/search?q=&category=womens-kurtas&min=&max=&size=M&sort=', '/search?category=womens-kurtas&size=M'],
    ['/search?q=%20%20blue%20%20kurta%20', '/search?q=blue+kurta'],
    ['/search?sort=price_asc&q=kurta', '/search?q=kurta&sort=price_asc'],
    ['/search?page=1&sort=popular', '/search?sort=popular'],
    ['/search?sort=newest', '/search'],
    ['/search?size=M&size=L', '/search?size=M'],
    ['/search?limit=5&q=kurta', '/search?q=kurta'],
    ['/search?min=&max=500&utm_source=mail', '/search?max=500'],
    ['/c/mens-shirts?min=1000&max=2000&size=&sort=', '/c/mens-shirts?min=1000&max=2000'],
    ['/c/mens-shirts?category=sarees&page=2', '/c/mens-shirts?page=2'],
  ])('sends %s to %s', (from, to) => {
    expect(redirectOf(from)).toBe(to)
    // The clean URL is answered as is.
    expect(redirectOf(to)).toBeNull()
  })

  it.each(['/search', '/search?q=blue+kurta', '/search?q=blue%20kurta', '/search?q=kurta&sort=newest', '/c/mens-shirts?page=3', '/search?q=kurta&utm_source=mail', '/search?_routes=root'])(
    'answers %s as is',
    (path) => {
      expect(redirectOf(path)).toBeNull()
    },
  )

  it('only redirects reads', () => {
    expect(redirectOf('/search?q=&sort=', 'POST')).toBeNull()
    expect(redirectOf('/search?q=&sort=', 'HEAD')).toBe('/search')
  })
})
