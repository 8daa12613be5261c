/**
 * A signed-in shopper saves a product to the wishlist, finds it under /account/wishlist,
 * adds it to the cart, changes the quantity and removes it. Runs with JavaScript (the
 * heart flips before the server answers) and without (form posts, redirect back).
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'

/** Opens the first product on the home page that has a size with at least 2 in stock; returns its name and that size's radio label. */
async function openStockedProduct(page: Page): Promise<{ name: string; size: string }> {
  await page.goto('/')
  const cards = page.getByRole('article').filter({ hasNotText: 'Out of stock' })
  const count = await cards.count()
  for (let i = 0; i < count; i++) {
    await page.goto('/')
    const link = cards.nth(i).getByRole('link')
    const name = (await link.innerText()).trim()
    await link.click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name)
    const radio = page.getByRole('radio', { name: /, ([2-9]|\d{2,}) in stock/ }).first()
    if ((await radio.count()) === 0) continue
    const label = (await radio.getAttribute('value')) ?? ''
    await radio.check({ force: true })
    return { name, size: label }
  }
  throw new Error('no product on the home page has a size with 2 or more in stock')
}

test('wishlist and cart: save, list, add, change quantity, remove', async ({ page, login, javaScriptEnabled }, testInfo) => {
  // The longest shopper flow (sign-in, wishlist, cart) on two shared cores.
  test.setTimeout(60_000)
  // One phone per project: codes are throttled per number.
  const phone = javaScriptEnabled ? '9812399001' : '9812399002'
  await login(phone)

  const { name, size } = await openStockedProduct(page)
  const buy = page.getByRole('complementary', { name: 'Buy' })
  const heart = buy.getByRole('button', { name: `Save ${name} to wishlist` })
  await expect(heart).toHaveAttribute('aria-pressed', 'false')

  if (javaScriptEnabled) {
    // Hold the request: the heart must flip before the server has answered.
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    await page.route(
      (url) => url.pathname.startsWith('/wishlist'),
      async (route) => {
        if (route.request().method() === 'POST') await held
        await route.continue()
      },
    )
    const answered = page.waitForResponse((res) => new URL(res.url()).pathname.startsWith('/wishlist') && res.request().method() === 'POST')
    await heart.click()
    await expect(heart).toHaveAttribute('aria-pressed', 'true')
    release()
    expect((await answered).status()).toBe(200)
    await page.unroute((url) => url.pathname.startsWith('/wishlist'))
  } else {
    await heart.click()
    await expect(page).toHaveURL(/\/products\/[\w-]+$/)
  }
  await expect(heart).toHaveAttribute('aria-pressed', 'true')
  // The server kept it: a fresh load shows it saved.
  await page.reload()
  await expect(buy.getByRole('button', { name: `Save ${name} to wishlist` })).toHaveAttribute('aria-pressed', 'true')

  await page.getByRole('banner').getByRole('link', { name: 'Account' }).click()
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Wishlist' }).click()
  await expect(page).toHaveURL('/account/wishlist')
  const saved = page.getByRole('list', { name: 'Saved products' }).getByRole('listitem', { name })
  await expect(saved).toBeVisible()
  await saved.getByRole('link', { name }).click()

  // Add to cart (the size picker belongs to the purchase form).
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name)
  await page.getByRole('radio', { name: new RegExp(`^${size.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*,`) }).check({ force: true })
  await buy.getByRole('button', { name: 'Add to cart' }).click()
  if (javaScriptEnabled) {
    await expect(buy.getByRole('status')).toContainText('Added to your cart.')
    await expect(page.getByRole('banner').getByRole('link', { name: 'Cart, 1 item' })).toBeVisible()
    await page.getByRole('banner').getByRole('link', { name: 'Cart, 1 item' }).click()
  } else {
    await expect(page.getByRole('status')).toHaveText('Added to your cart.')
  }
  await expect(page).toHaveURL('/cart')

  const line = page.getByRole('list', { name: 'Items in your cart' }).getByRole('listitem', { name: `${name}, size ${size}` })
  await expect(line).toBeVisible()
  await line.getByRole('combobox', { name: 'Quantity' }).selectOption('2')
  await line.getByRole('button', { name: 'Update' }).click()
  await expect(page.getByRole('status')).toHaveText('Quantity updated.')
  await expect(line.getByRole('combobox', { name: 'Quantity' })).toHaveValue('2')
  await expect(page.getByRole('banner').getByRole('link', { name: 'Cart, 2 items' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Order summary' })).toContainText('Total')

  await line.getByRole('button', { name: `Remove ${name} (size ${size})` }).click()
  await expect(page.getByText('Your cart is empty.')).toBeVisible()
  await expect(page.getByRole('banner').getByRole('link', { name: 'Cart, 0 items' })).toBeVisible()
  testInfo.annotations.push({ type: 'product', description: `${name} (${size})` })
})

test('a guest clicking the heart is asked to sign in and comes back to the product', async ({ page }) => {
  await page.goto('/')
  const card = page.getByRole('article').first()
  const name = (await card.getByRole('link').innerText()).trim()
  await card.getByRole('button', { name: `Save ${name} to wishlist` }).click()
  await expect(page).toHaveURL('/login?redirectTo=%2F')
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
})
