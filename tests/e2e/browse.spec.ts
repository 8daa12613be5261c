/**
 * Browsing the catalogue: search (with a typo), filter by category and size, sort,
 * paginate with working back/forward, and open a product. Runs with and without
 * JavaScript: every state is a GET form or a link, so both must behave the same.
 */
import type { Page } from '@playwright/test'
import { expect, RUPEES, test } from './fixtures.ts'

const rupees = (text: string) => Number(text.replace(/[₹,]/g, ''))

/** Selling prices of the product cards in a results region, in page order. */
async function cardPrices(page: Page, region: string): Promise<number[]> {
  const cards = page.getByRole('region', { name: region }).getByRole('article')
  const prices: number[] = []
  for (const card of await cards.all()) prices.push(rupees((await card.getByText(RUPEES).first().innerText()).trim()))
  return prices
}

test.describe('browse', () => {
  test('search from the header tolerates a typo', async ({ page }) => {
    await page.goto('/')
    await page.getByRole('search').getByRole('searchbox', { name: 'Search products' }).fill('kurtha')
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click()

    await expect(page).toHaveURL(/\/search\?q=kurtha$/)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Results for “kurtha”')
    const results = page.getByRole('region', { name: 'Search results' })
    await expect(results.getByRole('status')).toHaveText(/^\d+ products?/)
    const links = results.getByRole('article').getByRole('link')
    await expect(links.first()).toBeVisible()
    for (const name of await links.allInnerTexts()) expect(name.toLowerCase()).toContain('kurta')
  })

  test('filter by category and size, then sort by price', async ({ page }) => {
    await page.goto('/search')
    await page.getByLabel('Category').selectOption({ label: "Women's Kurtas" })
    await page.getByLabel('Size in stock').selectOption('M')
    await page.getByRole('button', { name: 'Apply filters' }).click()

    // The form's empty fields (search text, prices, sort) are left out of the address.
    await expect(page).toHaveURL('/search?category=womens-kurtas&size=M')
    const results = page.getByRole('region', { name: 'Search results' })
    await expect(results.getByRole('status')).toHaveText(/^\d+ products?/)
    await expect(results.getByRole('article').first()).toBeVisible()
    // The form keeps the choices.
    await expect(page.getByLabel('Category')).toHaveValue('womens-kurtas')
    await expect(page.getByLabel('Size in stock')).toHaveValue('M')

    await page.getByLabel('Sort by').selectOption({ label: 'Price: low to high' })
    await page.getByRole('button', { name: 'Apply filters' }).click()

    await expect(page).toHaveURL('/search?category=womens-kurtas&size=M&sort=price_asc')
    await expect(page.getByLabel('Sort by')).toHaveValue('price_asc')
    const prices = await cardPrices(page, 'Search results')
    expect(prices.length).toBeGreaterThan(1)
    expect(prices).toEqual([...prices].sort((a, b) => a - b))

    // Every product listed has size M in stock.
    await results.getByRole('article').first().getByRole('link').click()
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    await expect(page.getByRole('group', { name: 'Sizes' }).getByRole('radio', { name: /^M, \d+ in stock/ })).toBeEnabled()
  })

  test('a category page from the home page, with a price range', async ({ page }) => {
    await page.goto('/')
    await page.getByRole('region', { name: 'Categories' }).getByRole('link', { name: "Men's Shirts" }).click()

    await expect(page).toHaveURL('/c/mens-shirts')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("Men's Shirts")
    await page.getByLabel('Minimum price').fill('1000')
    await page.getByLabel('Maximum price').fill('2000')
    await page.getByRole('button', { name: 'Apply filters' }).click()

    await expect(page).toHaveURL('/c/mens-shirts?min=1000&max=2000')
    const prices = await cardPrices(page, "Men's Shirts products")
    expect(prices.length).toBeGreaterThan(0)
    for (const p of prices) {
      expect(p).toBeGreaterThanOrEqual(1000)
      expect(p).toBeLessThanOrEqual(2000)
    }
  })

  test('pagination keeps the filters and back/forward restore each page', async ({ page }) => {
    await page.goto('/search?sort=price_desc')
    const pagination = page.getByRole('navigation', { name: 'Pagination' })
    await expect(pagination.getByText(/^Page 1 of \d+$/)).toBeVisible()
    const firstPage = await page.getByRole('region', { name: 'Search results' }).getByRole('article').getByRole('link').allInnerTexts()

    await pagination.getByRole('link', { name: 'Next page' }).click()

    await expect(page).toHaveURL('/search?sort=price_desc&page=2')
    await expect(pagination.getByText(/^Page 2 of \d+$/)).toBeVisible()
    const secondPage = await page.getByRole('region', { name: 'Search results' }).getByRole('article').getByRole('link').allInnerTexts()
    expect(secondPage.length).toBeGreaterThan(0)
    expect(secondPage.filter((n) => firstPage.includes(n))).toEqual([])
    const p1 = await cardPrices(page, 'Search results')
    expect(p1).toEqual([...p1].sort((a, b) => b - a))

    await page.goBack()
    await expect(page).toHaveURL('/search?sort=price_desc')
    await expect(pagination.getByText(/^Page 1 of \d+$/)).toBeVisible()
    await expect(page.getByLabel('Sort by')).toHaveValue('price_desc')

    await page.goForward()
    await expect(page).toHaveURL('/search?sort=price_desc&page=2')
    await expect(pagination.getByText(/^Page 2 of \d+$/)).toBeVisible()

    await pagination.getByRole('link', { name: 'Page 3' }).click()
    await expect(page).toHaveURL('/search?sort=price_desc&page=3')
    await expect(pagination.getByRole('link', { name: 'Previous page' })).toHaveAttribute('href', '/search?sort=price_desc&page=2')
  })

  test('a product page: gallery, price, size picker, related products and metadata', async ({ page }) => {
    await page.goto('/c/womens-kurtas')
    const card = page.getByRole('region', { name: "Women's Kurtas products" }).getByRole('article').first()
    const name = (await card.getByRole('link').innerText()).trim()
    await card.getByRole('link').click()

    await expect(page).toHaveURL(/\/products\/[\w-]+$/)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name)
    await expect(page).toHaveTitle(new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    await expect(page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: `${name}, view 1` })).toBeVisible()
    await expect(page.getByText(RUPEES).first()).toBeVisible()

    const sizes = page.getByRole('group', { name: 'Sizes' }).getByRole('radio')
    expect(await sizes.count()).toBeGreaterThan(1)
    for (const radio of await sizes.all()) {
      const label = (await radio.getAttribute('value')) ?? ''
      expect(label).not.toBe('')
      const outOfStock = (await page.getByRole('radio', { name: new RegExp(`^${label}, out of stock`) }).count()) > 0
      if (outOfStock) await expect(radio).toBeDisabled()
      else await expect(radio).toBeEnabled()
    }
    await expect(page.getByRole('complementary', { name: 'Buy' })).toBeAttached()
    await expect(page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: "Women's Kurtas" })).toHaveAttribute('href', '/c/womens-kurtas')

    const related = page.getByRole('region', { name: 'You may also like' }).getByRole('article')
    await expect(related.first()).toBeVisible()
    await related.first().getByRole('link').click()
    await expect(page.getByRole('heading', { level: 1 })).not.toHaveText(name)
    await expect(page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: "Women's Kurtas" })).toBeVisible()
  })
})
