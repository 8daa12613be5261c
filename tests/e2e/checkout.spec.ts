/**
 * Checkout and orders, end to end, with JavaScript (client navigation) and without (plain
 * form posts, post/redirect/get): a shopper checks out with a new address, a delivery option
 * (express without JavaScript) and cash on delivery, finds the order under /account/orders and
 * cancels it; a double-submitted
 * checkout form places one order; staff find an order and move it on (the warehouse ships
 * it, the accountant records the payment), and the timeline shows who did it.
 *
 * Sign-in codes are throttled per number (one per 30 s), so every test and project signs
 * in with its own phone; the warehouse test runs with JavaScript and the accountant test
 * without, so no staff phone is used by two projects at once.
 */
import type { Page } from '@playwright/test'
import { DEV_OTP_CODE, expect, RUPEES, test } from './fixtures.ts'

const ORDER_PAGE = /\/account\/orders\/[0-9a-f-]{36}$/

interface PickedSize {
  path: string
  name: string
  size: string
  stock: number
}

/**
 * Opens products from the home page, starting at card `offset` (negative: counted from the
 * end, going backwards), until one has a size whose stock matches `inStock`; selects that size.
 */
async function openProductWithSize(page: Page, inStock: RegExp, offset: number): Promise<PickedSize> {
  await page.goto('/')
  const cards = page.getByRole('article').filter({ hasNotText: 'Out of stock' })
  const count = await cards.count()
  for (let n = 0; n < count; n++) {
    const i = offset >= 0 ? (offset + n) % count : (((count + offset - n) % count) + count) % count
    if (n > 0) await page.goto('/')
    const link = cards.nth(i).getByRole('link')
    const name = (await link.innerText()).trim()
    await link.click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name)
    const radio = page.getByRole('radio', { name: inStock }).first()
    if ((await radio.count()) === 0) continue
    const size = (await radio.getAttribute('value')) ?? ''
    const stock = Number(/, (\d+) in stock$/.exec((await radio.getAttribute('aria-label')) ?? '')?.[1])
    await chooseSize(page, size)
    return { path: new URL(page.url()).pathname, name, size, stock }
  }
  throw new Error(`no product on the home page has a size matching ${inStock}`)
}

/** The size radios are visually hidden behind their labels: choose one the keyboard way. */
async function chooseSize(page: Page, size: string): Promise<void> {
  const radio = page.getByRole('radio', { name: new RegExp(`^${size.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, \\d+ in stock$`) })
  await radio.focus()
  await page.keyboard.press('Space')
  await expect(radio).toBeChecked()
}

/** Adds the selected size of the open product page to the cart and opens the cart. */
async function addToCart(page: Page, javaScriptEnabled: boolean, { name, size }: { name: string; size: string }, quantity = 1): Promise<void> {
  const buy = page.getByRole('complementary', { name: 'Buy' })
  await buy.getByRole('combobox', { name: 'Quantity' }).selectOption(String(quantity))
  await buy.getByRole('button', { name: 'Add to cart' }).click()
  const added = quantity > 1 ? `Added ${quantity} pieces to your cart.` : 'Added to your cart.'
  if (javaScriptEnabled) {
    await expect(buy.getByRole('status')).toContainText(added)
    await page.goto('/cart')
  } else {
    await expect(page).toHaveURL('/cart')
    await expect(page.getByRole('status')).toHaveText(added)
  }
  await expect(page.getByRole('list', { name: 'Items in your cart' }).getByRole('listitem', { name: `${name}, size ${size}` })).toBeVisible()
}

/** One piece of a well-stocked size (5 or more, so parallel tests never run it out); `offset` spreads tests over products. */
async function addStockedProductToCart(page: Page, javaScriptEnabled: boolean, offset: number): Promise<{ name: string; size: string }> {
  const picked = await openProductWithSize(page, /, ([5-9]|\d{2,}) in stock$/, offset)
  await addToCart(page, javaScriptEnabled, picked)
  return picked
}

/** Signs in on a page of another browser context (the login() fixture drives the test's own page). */
async function signIn(page: Page, phone: string): Promise<void> {
  await page.goto('/login')
  await page.getByLabel('Mobile number').fill(phone)
  await page.getByRole('button', { name: 'Send code' }).click()
  await page.getByRole('textbox', { name: 'Code' }).fill(DEV_OTP_CODE)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible()
}

/** "₹1,234.50" → 123450 (paise). */
function paise(rupees: string): number {
  return Math.round(Number(rupees.replace(/[₹,\s]/g, '')) * 100)
}

type Delivery = 'Standard delivery' | 'Express delivery'

/** From the address step: a new address (saved), a delivery option, cash on delivery, review. Returns the review's total. */
async function checkOutToReview(page: Page, address: { name: string; line1: string }, delivery: Delivery = 'Standard delivery'): Promise<string> {
  await expect(page).toHaveURL('/checkout')
  await expect(page.getByRole('heading', { level: 1, name: 'Checkout' })).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Checkout steps' }).getByText('1. Address')).toHaveAttribute('aria-current', 'step')

  await page.getByLabel('Full name', { exact: true }).fill(address.name)
  await page.getByLabel('Phone', { exact: true }).fill('98765 43210')
  await page.getByLabel('Address line 1', { exact: true }).fill(address.line1)
  await page.getByLabel('City', { exact: true }).fill('Bengaluru')
  await page.getByLabel('State', { exact: true }).fill('Karnataka')
  await page.getByLabel('PIN code', { exact: true }).fill('560001')
  await expect(page.getByRole('checkbox', { name: 'Save this address for next time' })).toBeChecked()
  await page.getByRole('button', { name: 'Use this address' }).click()

  await chooseDelivery(page, delivery)
  await expect(page.getByRole('complementary', { name: 'Delivery' })).toContainText(address.line1)
  await page.getByRole('radio', { name: /Cash on delivery/ }).check()
  await page.getByRole('button', { name: 'Continue to review' }).click()

  await expect(page).toHaveURL('/checkout?step=review')
  const summary = page.getByRole('region', { name: 'Order summary' })
  const total = (await summary.getByRole('definition').last().innerText()).trim()
  expect(total).toMatch(RUPEES)
  await expect(page.getByRole('region', { name: 'Shipping address' })).toContainText(address.line1)
  await expect(page.getByRole('region', { name: 'Delivery', exact: true })).toContainText(delivery)
  await expect(page.getByRole('region', { name: 'Payment', exact: true })).toContainText('Cash on delivery')
  return total
}

/** On the shipping step: picks a delivery option (standard is preselected) and goes on to payment. */
async function chooseDelivery(page: Page, delivery: Delivery): Promise<void> {
  await expect(page).toHaveURL('/checkout?step=shipping')
  await expect(page.getByRole('navigation', { name: 'Checkout steps' }).getByText('2. Shipping')).toHaveAttribute('aria-current', 'step')
  const options = page.getByRole('group', { name: 'Delivery option' })
  await expect(options.getByRole('radio')).toHaveCount(2)
  await options.getByRole('radio', { name: new RegExp(`^${delivery}`) }).check()
  await page.getByRole('button', { name: 'Continue to payment' }).click()
  await expect(page).toHaveURL('/checkout?step=payment')
}

/** Places the order from the review step and checks the order page; returns its number. */
async function placeOrder(page: Page, total: string): Promise<{ number: string; url: string }> {
  await page.getByRole('button', { name: 'Place order' }).click()
  await expect(page).toHaveURL(ORDER_PAGE)
  const heading = page.getByRole('heading', { level: 1, name: /^Order #\d+$/ })
  await expect(heading).toBeVisible()
  const number = (await heading.innerText()).replace('Order ', '')
  await expect(page.getByRole('status')).toHaveText(`Order ${number} placed.`)
  await expect(page.getByRole('region', { name: 'Total', exact: true })).toContainText(total)
  await expect(page.getByRole('region', { name: 'Payment', exact: true })).toContainText('Cash on delivery')
  await expect(page.getByRole('list', { name: 'Order timeline' }).getByRole('listitem')).toHaveCount(1)
  await expect(page.getByRole('list', { name: 'Order timeline' })).toContainText('Order placed: cash on delivery')
  return { number, url: new URL(page.url()).pathname }
}

test('a guest who opens the checkout is asked to sign in first', async ({ page }) => {
  await page.goto('/checkout')
  await expect(page).toHaveURL('/login?redirectTo=%2Fcheckout')
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
})

test('check out with a new address, a delivery option and cash on delivery, find the order and cancel it', async ({ page, login, javaScriptEnabled }) => {
  test.setTimeout(90_000)
  await login(javaScriptEnabled ? '+919000000102' : '+919000000103')
  const { name } = await addStockedProductToCart(page, javaScriptEnabled, javaScriptEnabled ? 0 : 1)
  const line1 = `${javaScriptEnabled ? 7 : 9} Checkout Lane ${Date.now()}`
  // Without JavaScript the shopper pays for express delivery; with it, standard (free from ₹499.00, else ₹49.00).
  const delivery: Delivery = javaScriptEnabled ? 'Standard delivery' : 'Express delivery'
  await page.getByRole('link', { name: 'Check out' }).click()
  const total = await checkOutToReview(page, { name: 'Test Shopper', line1 }, delivery)
  await expect(page.getByRole('list', { name: 'Items in your order' })).toContainText(name)

  // The summary adds up: items + GST + the chosen delivery's fee, as the server computed them.
  const summary = page.getByRole('region', { name: 'Order summary' })
  const amounts = (await summary.getByRole('definition').allInnerTexts()).map((t) => t.trim())
  await expect(summary.getByRole('term')).toHaveText([/^Items \(1\)$/, 'GST', delivery, 'Total'])
  const [items, gst, fee] = amounts.map((a) => (a === 'Free' ? 0 : paise(a)))
  if (delivery === 'Express delivery') expect(fee).toBe(14_900)
  else expect(fee).toBe(items! >= 49_900 ? 0 : 4_900)
  expect(items! + gst! + fee!).toBe(paise(total))

  // Steps link back, and a choice made earlier is kept: going back to shipping shows it chosen.
  await page.getByRole('navigation', { name: 'Checkout steps' }).getByRole('link', { name: '2. Shipping' }).click()
  await expect(page).toHaveURL('/checkout?step=shipping')
  await expect(page.getByRole('radio', { name: new RegExp(`^${delivery}`) })).toBeChecked()
  await page.getByRole('button', { name: 'Continue to payment' }).click()
  await expect(page.getByRole('radio', { name: /Cash on delivery/ })).toBeChecked()
  await page.getByRole('button', { name: 'Continue to review' }).click()
  await expect(page).toHaveURL('/checkout?step=review')

  const { number } = await placeOrder(page, total)
  // The order keeps its delivery option and fee.
  const totals = page.getByRole('region', { name: 'Total', exact: true })
  await expect(totals.getByRole('term').nth(2)).toHaveText(delivery)
  await expect(totals.getByRole('definition').nth(2)).toHaveText(amounts[2]!)
  const deliveryBox = page.getByRole('region', { name: 'Delivery', exact: true })
  await expect(deliveryBox).toContainText(delivery)
  await expect(deliveryBox).toContainText(/Expected \w{3}, \d{1,2}/)
  await expect(page.getByRole('table', { name: 'Items' }).getByRole('link', { name })).toBeVisible()
  await expect(page.getByRole('banner').getByRole('link', { name: 'Cart, 0 items' })).toBeVisible()

  // The order is listed under the account's orders.
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Orders' }).click()
  await expect(page).toHaveURL('/account/orders')
  const listed = page.getByRole('list', { name: 'Your orders' }).getByRole('listitem', { name: `Order ${number}` })
  await expect(listed).toContainText('Processing')
  await expect(listed).toContainText(total)

  await listed.getByRole('link', { name: `Order ${number}` }).click()
  await expect(page).toHaveURL(ORDER_PAGE)

  // Cancel before it ships.
  await page.getByRole('button', { name: 'Cancel order' }).click()
  await expect(page.getByRole('status')).toHaveText(`Order ${number} was cancelled.`)
  await expect(page.getByRole('button', { name: 'Cancel order' })).toHaveCount(0)
  const timeline = page.getByRole('list', { name: 'Order timeline' })
  await expect(timeline.getByRole('listitem')).toHaveCount(2)
  await expect(timeline.getByRole('listitem').last()).toContainText('Cancelled')
  await expect(timeline.getByRole('listitem').last()).toContainText('Cancelled by the customer')
  // Nothing is on its way any more, so no delivery date is promised.
  await expect(deliveryBox).toContainText(delivery)
  await expect(deliveryBox).not.toContainText('Expected')

  await page.goto('/account/orders')
  await expect(page.getByRole('list', { name: 'Your orders' }).getByRole('listitem', { name: `Order ${number}` })).toContainText('Cancelled')
})

test('a double-submitted checkout form places one order, delivered to a saved address', async ({ page, login, javaScriptEnabled }) => {
  test.setTimeout(90_000)
  await login(javaScriptEnabled ? '+919000000104' : '+919000000105')
  await addStockedProductToCart(page, javaScriptEnabled, javaScriptEnabled ? 2 : 3)
  await page.getByRole('link', { name: 'Check out' }).click()
  // The demo shoppers have an address book.
  const saved = page.getByRole('list', { name: 'Saved addresses' }).getByRole('listitem').first()
  await saved.getByRole('button', { name: 'Deliver here' }).click()
  // Skipping ahead to the review before choosing how it is delivered leads back to the shipping step.
  await page.goto('/checkout?step=review')
  await expect(page).toHaveURL('/checkout?step=shipping')
  await expect(page.getByRole('radio', { name: /^Standard delivery/ })).toBeChecked()
  await chooseDelivery(page, 'Standard delivery')
  await page.getByRole('radio', { name: /Cash on delivery/ }).check()
  await page.getByRole('button', { name: 'Continue to review' }).click()
  await expect(page).toHaveURL('/checkout?step=review')

  // The same form, posted twice at once (a double click, a retry): one order, and both answers lead to it.
  // The token is a hidden field, so it has no role to find it by.
  const token = await page.locator('input[name="token"]').inputValue()
  const post = () => page.request.post('/checkout', { form: { intent: 'place', token }, maxRedirects: 0 })
  const [a, b] = await Promise.all([post(), post()])
  expect([a.status(), b.status()]).toEqual([302, 302])
  expect(a.headers().location).toMatch(ORDER_PAGE)
  expect(b.headers().location).toBe(a.headers().location)
  // And once more after it committed.
  const c = await post()
  expect(c.headers().location).toBe(a.headers().location)

  await page.goto(a.headers().location!)
  const number = (await page.getByRole('heading', { level: 1, name: /^Order #\d+$/ }).innerText()).replace('Order ', '')
  await page.goto('/account/orders')
  await expect(page.getByRole('list', { name: 'Your orders' }).getByRole('listitem', { name: `Order ${number}` })).toHaveCount(1)
  await page.goto('/cart')
  await expect(page.getByText('Your cart is empty.')).toBeVisible()
})

test('an item that sells out during the review: nothing is ordered and the shopper is told how many are left', async ({ page, browser, baseURL, login, javaScriptEnabled, consoleGuard }) => {
  test.setTimeout(150_000)
  await login(javaScriptEnabled ? '9812399111' : '9812399112')
  // Every piece left of a size (2 to 10, so the cart takes them all), from the end of the list
  // so that other tests, which take the first well-stocked sizes, keep theirs.
  const picked = await openProductWithSize(page, /, ([2-9]|10) in stock$/, javaScriptEnabled ? -1 : -4)
  await addToCart(page, javaScriptEnabled, picked, picked.stock)
  await page.getByRole('link', { name: 'Check out' }).click()
  await checkOutToReview(page, { name: 'First Shopper', line1: `1 Race Street ${Date.now()}` })
  await expect(page.getByRole('button', { name: 'Place order' })).toBeEnabled()

  // Meanwhile another shopper buys one piece of that size.
  const context = await browser.newContext({ baseURL, javaScriptEnabled })
  const rival = await context.newPage()
  await signIn(rival, javaScriptEnabled ? '9812399113' : '9812399114')
  await rival.goto(picked.path)
  await chooseSize(rival, picked.size)
  await addToCart(rival, javaScriptEnabled, picked)
  await rival.getByRole('link', { name: 'Check out' }).click()
  const rivalTotal = await checkOutToReview(rival, { name: 'Quick Shopper', line1: `2 Race Street ${Date.now()}` })
  await placeOrder(rival, rivalTotal)
  await context.close()

  // The refusal is a 409, which Chromium also reports on the console.
  consoleGuard.allowStatus(javaScriptEnabled ? '/checkout.data' : '/checkout', 409)
  const answered = page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname.startsWith('/checkout'))
  await page.getByRole('button', { name: 'Place order' }).click()
  if (!javaScriptEnabled) expect((await answered).status()).toBe(409)
  await expect(page).toHaveURL('/checkout?step=review')
  await expect(page.getByRole('alert')).toHaveText('Some items are no longer available in the quantity you chose. Nothing was ordered.')
  await expect(page.getByRole('region', { name: 'Not enough stock' })).toContainText(
    `${picked.name} (size ${picked.size}): only ${picked.stock - 1} left, you asked for ${picked.stock}.`,
  )
  await expect(page.getByRole('button', { name: 'Place order' })).toBeDisabled()

  // Nothing changed: no order, and the cart still holds every piece.
  await page.getByRole('link', { name: 'Update your cart' }).click()
  const line = page.getByRole('list', { name: 'Items in your cart' }).getByRole('listitem', { name: `${picked.name}, size ${picked.size}` })
  await expect(line.getByRole('combobox', { name: 'Quantity' })).toHaveValue(String(picked.stock))
  await expect(line).toContainText(`Only ${picked.stock - 1} left in size ${picked.size}. Lower the quantity.`)
  await expect(page.getByRole('link', { name: 'Check out' })).toHaveCount(0)
  await page.goto('/account/orders')
  await expect(page.getByText('You have not ordered anything yet.')).toBeVisible()
})

test('staff find a new order and move it on; the timeline shows who did it', async ({ page, login, javaScriptEnabled, consoleGuard }) => {
  test.setTimeout(120_000)
  // A new shopper (no address book yet) places the order the staff member will handle.
  const shopperPhone = javaScriptEnabled ? '9812399101' : '9812399102'
  await login(shopperPhone)
  await addStockedProductToCart(page, javaScriptEnabled, javaScriptEnabled ? 4 : 5)
  await page.getByRole('link', { name: 'Check out' }).click()
  await expect(page.getByRole('heading', { name: 'Where should we deliver?' })).toBeVisible()
  const total = await checkOutToReview(page, { name: 'New Shopper', line1: `3 Staff Test Road ${Date.now()}` })
  const { number, url: orderPath } = await placeOrder(page, total)

  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible()

  if (javaScriptEnabled) {
    // The warehouse ships and delivers; it finds the order by its number.
    await login('+919000000003', '/admin/orders')
    await expect(page.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Orders' })).toBeVisible()
    await page.getByRole('searchbox', { name: 'Search' }).fill(number)
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect(page).toHaveURL(`/admin/orders?q=${encodeURIComponent(number)}`)
    await expect(page.getByRole('status')).toHaveText('1 order; page 1 of 1.')
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `Order ${number}` }) })
    await expect(row).toContainText('Processing')
    await expect(row).toContainText(total)
    await row.getByRole('link', { name: `Order ${number}` }).click()

    await expect(page.getByRole('heading', { level: 1, name: `Order ${number}` })).toBeVisible()
    await expect(page.getByRole('region', { name: 'Delivery', exact: true })).toContainText('Standard delivery')
    // The warehouse may ship; it may not cancel or record payments.
    const newStatus = page.getByRole('combobox', { name: 'New status' })
    await expect(newStatus.getByRole('option')).toHaveText(['Shipped'])
    await expect(page.getByRole('button', { name: 'Mark as paid' })).toHaveCount(0)
    await newStatus.selectOption('shipped')
    await page.getByRole('textbox', { name: 'Note (optional)' }).fill('Handed to BlueDart')
    await page.getByRole('button', { name: 'Update status' }).click()

    await expect(page.getByRole('status')).toHaveText(`Order ${number} is now shipped.`)
    const last = page.getByRole('list', { name: 'Order timeline' }).getByRole('listitem').last()
    await expect(last).toContainText('Shipped')
    await expect(last).toContainText('Handed to BlueDart')
    await expect(last).toContainText('By Wasim Warehouse (warehouse)')
    await expect(page.getByRole('combobox', { name: 'New status' }).getByRole('option')).toHaveText(['Out for delivery', 'Delivered'])
    await page.getByRole('link', { name: '← All orders' }).click()
    await page.getByRole('navigation', { name: 'Order status' }).getByRole('link', { name: 'Shipped' }).click()
    await expect(page).toHaveURL('/admin/orders?status=shipped')
    await expect(page.getByRole('link', { name: `Order ${number}` })).toBeVisible()
  } else {
    // The accountant records payments; they find the unpaid order by the buyer's phone.
    await login('+919000000004', '/admin/orders')
    await page.getByRole('searchbox', { name: 'Search' }).fill(shopperPhone)
    await page.getByRole('combobox', { name: 'Paid' }).selectOption('no')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect(page).toHaveURL(`/admin/orders?q=${shopperPhone}&paid=no`)
    await page.getByRole('link', { name: `Order ${number}` }).click()

    await expect(page.getByRole('heading', { level: 1, name: `Order ${number}` })).toBeVisible()
    await expect(page.getByText('There is no status change you can make to this order.')).toBeVisible()
    await page.getByRole('textbox', { name: 'Payment note (optional)' }).fill('Collected by courier')
    await page.getByRole('button', { name: 'Mark as paid' }).click()

    await expect(page.getByRole('status')).toHaveText(`Payment recorded for order ${number}.`)
    await expect(page.getByRole('region', { name: 'Payment', exact: true })).toContainText('Paid on')
    await expect(page.getByRole('button', { name: 'Mark as paid' })).toHaveCount(0)
    const last = page.getByRole('list', { name: 'Order timeline' }).getByRole('listitem').last()
    await expect(last).toContainText('Collected by courier')
    await expect(last).toContainText('By Anita Accountant (accountant)')
  }

  // Someone else's order is not found on the shopper pages, even for staff.
  consoleGuard.allowNotFound(orderPath)
  const res = await page.goto(orderPath)
  expect(res?.status()).toBe(404)
  await expect(page.getByRole('heading', { level: 1, name: 'Order not found' })).toBeVisible()
})
