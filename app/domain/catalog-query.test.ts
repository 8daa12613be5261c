import { describe, expect, it } from 'vitest'
import { catalogPageHref, normaliseCatalogQuery, parseCatalogPageParams, parseCatalogQuery, PAGE_SIZE } from './catalog-query.ts'

const api = (qs: string) => parseCatalogQuery(new URLSearchParams(qs))
const page = (qs: string, fixed?: { category?: string }) => parseCatalogPageParams(new URLSearchParams(qs), fixed)

describe('parseCatalogQuery (API, minor units)', () => {
  it('applies defaults to an empty query', () => {
    expect(api('')).toEqual({ success: true, query: { page: 1, limit: 20 } })
  })

  it('accepts every parameter at its bounds', () => {
    const r = api('page=3&limit=100&q=%20blue%20%20kurta%20&category=womens-kurtas&minPrice=0&maxPrice=150000&size=XL&sort=price_desc')
    expect(r).toEqual({
      success: true,
      query: { page: 3, limit: 100, q: 'blue kurta', category: 'womens-kurtas', minPrice: 0, maxPrice: 150000, size: 'XL', sort: 'price_desc' },
    })
    expect(api('limit=1&minPrice=500&maxPrice=500')).toMatchObject({ success: true, query: { limit: 1, minPrice: 500, maxPrice: 500 } })
  })

  it('treats blank values as absent', () => {
    expect(api('q=&category=&size=&sort=&minPrice=&page=')).toEqual({ success: true, query: { page: 1, limit: 20 } })
  })

  it.each([
    ['page=abc', 'page'],
    ['page=0', 'page'],
    ['page=1.5', 'page'],
    ['page=0x10', 'page'],
    ['page=1e3', 'page'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=1000', 'limit'],
    ['minPrice=-1', 'minPrice'],
    ['maxPrice=Infinity', 'maxPrice'],
    ['minPrice=500&maxPrice=100', 'maxPrice'],
    ['sort=cheap', 'sort'],
    ['size=ABCDEFGHIJK', 'size'],
    ['size=M%00', 'size'],
    ['size=%3Cb%3E', 'size'],
    ['q=blue%00kurta', 'q'],
    ['q=%1B%5B31m', 'q'],
    [`q=${'a'.repeat(101)}`, 'q'],
    ['category=Not%20A%20Slug', 'category'],
  ])('rejects %s (field %s) with a message', (qs, field) => {
    const r = api(qs)
    expect(r.success).toBe(false)
    if (!r.success) {
      expect(Object.keys(r.fields)).toContain(field)
      expect(r.fields[field]).toMatch(/\w/)
    }
  })

  it('reports every bad field at once', () => {
    const r = api('page=abc&limit=1000&sort=cheap')
    expect(r.success).toBe(false)
    if (!r.success) expect(Object.keys(r.fields).sort()).toEqual(['limit', 'page', 'sort'])
  })

  it('turns pasted tabs and line breaks in search text into spaces, and takes sizes with spaces or dashes', () => {
    expect(api('q=blue%09kurta%0D%0Asilk&size=Free%20Size')).toEqual({ success: true, query: { page: 1, limit: 20, q: 'blue kurta silk', size: 'Free Size' } })
    expect(api('size=10-11Y')).toMatchObject({ success: true, query: { size: '10-11Y' } })
  })
})

describe('parseCatalogPageParams (pages, rupees)', () => {
  it('converts rupees to minor units and fixes the page size', () => {
    expect(page('min=500&max=1500&size=M&sort=popular&page=2')).toEqual({
      success: true,
      query: { page: 2, limit: PAGE_SIZE, minPrice: 50000, maxPrice: 150000, size: 'M', sort: 'popular' },
    })
  })

  it('ignores a limit in the URL and takes the category from the path', () => {
    expect(page('limit=5&category=other', { category: 'mens-shirts' })).toEqual({ success: true, query: { page: 1, limit: PAGE_SIZE, category: 'mens-shirts' } })
  })

  it('reports rupee fields under their own names with friendly messages', () => {
    const r = page('min=abc&max=-5')
    expect(r.success).toBe(false)
    if (!r.success) {
      expect(r.fields.min).toMatch(/whole number of rupees/)
      expect(r.fields.max).toMatch(/whole number of rupees/)
    }
    const swapped = page('min=900&max=100')
    expect(swapped.success).toBe(false)
    if (!swapped.success) expect(swapped.fields.max).toMatch(/not be below the minimum/)
  })
})

describe('URLs and cache keys', () => {
  it('gives one canonical link per state (defaults left out, prices in rupees)', () => {
    expect(catalogPageHref('/search', { page: 1, limit: 24 })).toBe('/search')
    expect(catalogPageHref('/search', { q: 'kurta', page: 2, limit: 24, minPrice: 50000, size: 'M', sort: 'price_asc' })).toBe('/search?q=kurta&min=500&size=M&sort=price_asc&page=2')
    expect(catalogPageHref('/c/mens-shirts', { category: 'mens-shirts', page: 3, limit: 24 }, true)).toBe('/c/mens-shirts?page=3')
    // Newest first is the default order without search text, not with it (best match is).
    expect(catalogPageHref('/search', { page: 1, limit: 24, sort: 'newest' })).toBe('/search')
    expect(catalogPageHref('/search', { page: 1, limit: 24, q: 'kurta', sort: 'newest' })).toBe('/search?q=kurta&sort=newest')
  })

  it('normalises equivalent queries to the same key and different ones apart', () => {
    const a = parseCatalogQuery(new URLSearchParams('sort=popular&q=Kurta&page=1'))
    const b = parseCatalogQuery(new URLSearchParams('q=kurta&sort=popular'))
    const c = parseCatalogQuery(new URLSearchParams('q=kurta&sort=popular&size=M'))
    if (!a.success || !b.success || !c.success) throw new Error('expected valid queries')
    expect(normaliseCatalogQuery(a.query)).toBe(normaliseCatalogQuery(b.query))
    expect(normaliseCatalogQuery(c.query)).not.toBe(normaliseCatalogQuery(b.query))
  })
})
