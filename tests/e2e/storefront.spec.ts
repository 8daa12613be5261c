/**
 * The shopper's first steps: browse the home page, open a product, come back, and get a
 * helpful 404. Runs in both projects: with JavaScript (client-side navigation, hydration)
 * and without (server-rendered documents only).
 */
import { expect, RUPEES, test } from './fixtures.ts'

test.describe('storefront', () => {
  test('home page shows the shop name and product cards', async ({ page, shopName }) => {
    await page.goto('/')

    await expect(page).toHaveTitle(new RegExp(shopName))
    await expect(page.getByRole('banner').getByRole('link', { name: shopName })).toBeVisible()

    const cards = page.getByRole('region', { name: 'New arrivals' }).getByRole('article')
    await expect(cards.first()).toBeVisible()
    expect(await cards.count()).toBeGreaterThan(1)
    const card = cards.first()
    await expect(card.getByRole('link')).toHaveAttribute('href', /^\/products\/[\w-]+$/)
    await expect(card.getByText(RUPEES).first()).toBeVisible()
  })

  test('a product card opens its product page and back returns home', async ({ page }) => {
    await page.goto('/')
    const card = page.getByRole('region', { name: 'New arrivals' }).getByRole('article').first()
    const link = card.getByRole('link')
    const name = (await link.innerText()).trim()
    const price = (await card.getByText(RUPEES).first().innerText()).trim()
    expect(name).not.toBe('')

    await link.click()

    await expect(page).toHaveURL(/\/products\/[\w-]+$/)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name)
    await expect(page.getByText(price, { exact: true }).first()).toBeVisible()
    const sizes = page.getByRole('group', { name: 'Sizes' }).getByRole('listitem')
    await expect(sizes.first()).toBeVisible()
    for (const size of await sizes.all()) await expect(size).toHaveText(/^\S.*(in stock|out of stock)/)

    await page.goBack()

    await expect(page).toHaveURL('/')
    await expect(page.getByRole('heading', { name: 'New arrivals' })).toBeVisible()
    await expect(page.getByRole('link', { name, exact: true }).first()).toBeVisible()
  })

  test('the home page has one main heading and a skip link to its content', async ({ page, shopName }) => {
    await page.goto('/')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(shopName)

    // The first Tab reaches the skip link, shown while it has focus; it moves focus to the page's content.
    await page.keyboard.press('Tab')
    const skip = page.getByRole('link', { name: 'Skip to content' })
    await expect(skip).toBeFocused()
    await expect(skip).toBeInViewport()
    await page.keyboard.press('Enter')
    await expect(page.getByRole('main')).toBeFocused()
  })

  test('pages describe themselves to link previews and search engines', async ({ page, request, baseURL }) => {
    const meta = (property: string) => page.locator(`meta[property="${property}"]`)
    const canonical = page.locator('link[rel="canonical"]')

    await page.goto('/')
    await expect(canonical).toHaveAttribute('href', `${baseURL}/`)
    await expect(meta('og:url')).toHaveAttribute('content', `${baseURL}/`)
    await expect(meta('og:title')).toHaveAttribute('content', /\S/)
    await expect(meta('og:description')).toHaveAttribute('content', /\S/)
    await expect(page.locator('meta[name="twitter:card"]')).toHaveAttribute('content', 'summary_large_image')
    // The image is one link previews can show: an absolute URL of a PNG (the seed's SVGs are not).
    const image = (await meta('og:image').getAttribute('content')) ?? ''
    expect(image).toMatch(new RegExp(`^${baseURL}/.+\\.png$`))
    const response = await request.get(image)
    expect(response.status()).toBe(200)
    expect(response.headers()['content-type']).toBe('image/png')

    // A category's filtered views point at the category; a later page is a page of its own.
    await page.goto('/c/mens-shirts?size=M')
    await expect(canonical).toHaveAttribute('href', `${baseURL}/c/mens-shirts`)
    await expect(meta('og:url')).toHaveAttribute('content', `${baseURL}/c/mens-shirts`)
    await expect(meta('og:image')).toHaveAttribute('content', new RegExp(`^${baseURL}/.+\\.png$`))
    await page.goto('/c/mens-shirts?size=M&page=2')
    await expect(canonical).toHaveAttribute('href', `${baseURL}/c/mens-shirts?page=2`)

    // Search results are for visitors, not for the index.
    await page.goto('/search?q=kurta')
    await expect(page.locator('meta[name="robots"]')).toHaveAttribute('content', /noindex/)
  })

  for (const url of ['/no-such-page', '/products/no-such-product']) {
    test(`${url} shows the 404 page with a link back to the shop`, async ({ page, shopName, consoleGuard }) => {
      consoleGuard.allowNotFound(url)
      const response = await page.goto(url)

      expect(response?.status()).toBe(404)
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(/not found/i)

      await page.getByRole('link', { name: /back to the shop/i }).click()

      await expect(page).toHaveURL('/')
      await expect(page.getByRole('banner').getByRole('link', { name: shopName })).toBeVisible()
    })
  }
})
