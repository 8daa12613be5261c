/**
 * The address book under /account/addresses: a shopper adds an address (a mistake first:
 * 400, the message next to the field, the input kept), adds another, makes it the default,
 * edits one and deletes one; another shopper gets 404 for those addresses, by link or by
 * form post. Runs without JavaScript (plain form posts, post/redirect/get) and with it.
 *
 * Sign-in codes are throttled per number: every project signs in with its own phones.
 */
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'

const LIST = '/account/addresses'

async function fillAddress(page: Page, form: string, values: Record<string, string>): Promise<void> {
  const region = page.getByRole('region', { name: form })
  for (const [label, value] of Object.entries(values)) await region.getByRole('textbox', { name: label, exact: true }).fill(value)
}

test('address book: add, fix a mistake, make default, edit, delete; nobody else can touch it', async ({ page, login, javaScriptEnabled, consoleGuard }) => {
  // Two sign-ins and a dozen form posts on two shared cores.
  test.setTimeout(60_000)
  const [owner, stranger] = javaScriptEnabled ? ['9812399301', '9812399311'] : ['9812399302', '9812399312']
  await login(owner, LIST)
  await expect(page.getByRole('heading', { level: 1, name: 'Addresses' })).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Addresses' })).toHaveAttribute('aria-current', 'page')
  await expect(page.getByText('You have no saved addresses yet.')).toBeVisible()

  // A wrong PIN code: refused with 400, said next to the field, everything typed still there.
  await fillAddress(page, 'Add an address', {
    'Full name': 'Asha Rao',
    Phone: '98765 43210',
    'Address line 1': '12 MG Road',
    City: 'Bengaluru',
    State: 'Karnataka',
    'PIN code': 'PIN?',
  })
  consoleGuard.allowStatus(javaScriptEnabled ? `${LIST}.data` : LIST, 400)
  const refused = page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname.startsWith(LIST))
  await page.getByRole('button', { name: 'Save address' }).click()
  if (!javaScriptEnabled) expect((await refused).status()).toBe(400)
  const add = page.getByRole('region', { name: 'Add an address' })
  const pin = add.getByRole('textbox', { name: 'PIN code' })
  await expect(pin).toHaveAttribute('aria-invalid', 'true')
  await expect(pin).toHaveAccessibleDescription('Enter a valid PIN / postal code.')
  await expect(pin).toHaveValue('PIN?')
  await expect(add.getByRole('textbox', { name: 'Address line 1' })).toHaveValue('12 MG Road')
  await expect(add.getByRole('textbox', { name: 'Phone' })).toHaveValue('98765 43210')

  await pin.fill('560001')
  await page.getByRole('button', { name: 'Save address' }).click()
  await expect(page).toHaveURL(LIST)
  await expect(page.getByRole('status')).toHaveText('The address was saved.')
  const saved = page.getByRole('list', { name: 'Saved addresses' }).getByRole('listitem')
  await expect(saved).toHaveCount(1)
  await expect(saved.first()).toContainText('Default address')
  await expect(saved.first()).toContainText('Phone: +919876543210')

  await fillAddress(page, 'Add an address', {
    'Full name': 'Asha Rao',
    Phone: '+91 98450 12345',
    'Address line 1': '4 Residency Road',
    'Address line 2 (optional)': 'Office, 3rd floor',
    City: 'Bengaluru',
    State: 'Karnataka',
    'PIN code': '560025',
  })
  await page.getByRole('button', { name: 'Save address' }).click()
  await expect(page.getByRole('status')).toHaveText('The address was saved.')
  await expect(saved).toHaveCount(2)
  // A new address does not take over the default unless asked.
  await expect(saved.first()).toHaveAccessibleName('Asha Rao, 12 MG Road')

  await page.getByRole('button', { name: 'Make 4 Residency Road the default address' }).click()
  await expect(page.getByRole('status')).toHaveText('4 Residency Road is now your default address.')
  await expect(saved.first()).toHaveAccessibleName('Asha Rao, 4 Residency Road')
  await expect(saved.first()).toContainText('Default address')
  await expect(saved.nth(1)).not.toContainText('Default address')

  await page.getByRole('link', { name: 'Edit the address 12 MG Road' }).click()
  await expect(page).toHaveURL(/\/account\/addresses\?edit=[0-9a-f-]{36}$/)
  const addressId = new URL(page.url()).searchParams.get('edit')!
  const edit = page.getByRole('region', { name: 'Edit address' })
  await expect(edit.getByRole('textbox', { name: 'Address line 1' })).toHaveValue('12 MG Road')
  await edit.getByRole('textbox', { name: 'City' }).fill('Mysuru')
  await edit.getByRole('textbox', { name: 'PIN code' }).fill('570001')
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await expect(page).toHaveURL(LIST)
  await expect(page.getByRole('status')).toHaveText('The address was updated.')
  await expect(page.getByRole('listitem', { name: 'Asha Rao, 12 MG Road' })).toContainText('Mysuru, Karnataka 570001')
  await expect(page.getByRole('region', { name: 'Edit address' })).toHaveCount(0)

  await page.getByRole('button', { name: 'Delete the address 4 Residency Road' }).click()
  await expect(page.getByRole('status')).toHaveText('The address was deleted.')
  await expect(saved).toHaveCount(1)
  // The one left becomes the default.
  await expect(saved.first()).toContainText('Default address')

  // Someone else gets "not found" for that address, whether they follow a link or post a form.
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible()
  await login(stranger, LIST)
  await expect(page.getByText('You have no saved addresses yet.')).toBeVisible()
  consoleGuard.allowNotFound(LIST)
  const res = await page.goto(`${LIST}?edit=${addressId}`)
  expect(res?.status()).toBe(404)
  await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible()
  for (const intent of ['delete', 'set-default', 'update']) {
    const post = await page.request.post(LIST, {
      form: { intent, addressId, name: 'Intruder', line1: '1 Other Street', city: 'Pune', state: 'Maharashtra', postalCode: '411001', country: 'IN', phone: '9812399999' },
      maxRedirects: 0,
    })
    expect(post.status(), intent).toBe(404)
  }
})
