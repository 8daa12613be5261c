/**
 * Staff catalogue: find a product in /admin/products, choose pictures (with JavaScript a
 * preview shows before anything is sent), upload them, and set stock for a size. Runs with
 * JavaScript and without (plain multipart form post, redirect back with a message).
 */
import { expect, test } from './fixtures.ts'

// A real 2×2 PNG, so the browser can draw the preview.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEUlEQVR4nGP4zwAE/8EIRAAAIe4D/RMpQs8AAAAASUVORK5CYII=', 'base64')

test('staff upload product pictures (preview first with JavaScript) and set stock', async ({ page, login, javaScriptEnabled }) => {
  // Seeded staff (README); one account per project, as sign-in codes are throttled per number.
  await login(javaScriptEnabled ? '9000000001' : '9000000002', '/admin/products')
  await expect(page.getByRole('heading', { level: 1, name: 'Products' })).toBeVisible()

  await page.getByRole('searchbox', { name: 'Search' }).fill('kurta')
  await page.getByRole('button', { name: 'Filter' }).click()
  await expect(page).toHaveURL(/q=kurta/)
  const link = page.getByRole('table').getByRole('link').nth(javaScriptEnabled ? 0 : 1)
  // the slug is made from the name, so every match names a kurta (waits for the filtered list)
  await expect(link).toContainText(/kurta/i)
  const name = (await link.innerText()).trim()
  await link.click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name)

  const upload = page.getByRole('form', { name: 'Upload media' })
  // the upload form follows the media list, so once it is there the list is complete
  await expect(upload).toBeVisible()
  const before = await page.getByRole('button', { name: /^Remove (image|video) \d+$/ }).count()
  await upload.getByLabel('Add up to 5 files').setInputFiles([
    { name: 'front.png', mimeType: 'image/png', buffer: PNG },
    { name: 'back.png', mimeType: 'image/png', buffer: PNG },
  ])
  if (javaScriptEnabled) {
    const previews = upload.getByRole('list', { name: 'Selected files' })
    await expect(previews.getByRole('img', { name: 'Preview of front.png' })).toBeVisible()
    await expect(previews.getByRole('img', { name: 'Preview of back.png' })).toBeVisible()
    await expect(previews.getByRole('listitem')).toHaveCount(2)
  }
  await upload.getByRole('button', { name: 'Upload' }).click()
  await expect(page.getByRole('status').filter({ hasText: `Uploaded 2 files to “${name}”.` })).toBeVisible()
  await expect(page.getByRole('button', { name: /^Remove (image|video) \d+$/ })).toHaveCount(before + 2)

  const stock = page.getByRole('form', { name: 'Stock per size' })
  const first = stock.getByRole('spinbutton').first()
  await first.fill('17')
  await stock.getByRole('button', { name: 'Save stock' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Stock saved.' })).toBeVisible()
  await expect(page.getByRole('form', { name: 'Stock per size' }).getByRole('spinbutton').first()).toHaveValue('17')
})
