/** Shared end-to-end fixtures: the shop's settings and a guard against console errors. */
import { test as base, expect } from '@playwright/test'

/** Options set in playwright.config.ts (the same values the test server runs with). */
export interface StoreOptions {
  shopName: string
}

/** Collects console errors and uncaught exceptions; the test fails if any were seen. */
export interface ConsoleGuard {
  errors: string[]
  /**
   * Accepts the browser's own "Failed to load resource … 404" for a path the test visits
   * on purpose (Chromium reports a 404 document as a console error).
   */
  allowNotFound(pathname: string): void
  /** The same for another status a test provokes on purpose (409 out of stock, 422 …). */
  allowStatus(pathname: string, status: number): void
}

interface StoreFixtures {
  consoleGuard: ConsoleGuard
  /**
   * Signs in through the /login page with the dev code (DEV_OTP_CODE in
   * playwright.config.ts) and waits for the redirect; works with and without JS.
   */
  login: (phone: string, redirectTo?: string) => Promise<void>
}

/** The code every OTP is when the e2e server runs with DEV_OTP_CODE. */
export const DEV_OTP_CODE = '123456'

/** A price as the en-IN locale writes rupees: ₹999.00, ₹1,234.00, ₹1,23,456.00. */
export const RUPEES = /^₹(?:\d{1,2},(?:\d{2},)*\d{3}|\d{1,3})\.\d{2}$/

const FAILED_LOAD = /^Failed to load resource: the server responded with a status of (\d{3})\b/

export const test = base.extend<StoreFixtures & StoreOptions>({
  shopName: ['Kirana Threads', { option: true }],
  consoleGuard: [
    async ({ page }, use) => {
      // "<status> <pathname>" pairs
      const allowed = new Set<string>()
      const seen: { text: string; url: string }[] = []
      page.on('console', (msg) => {
        if (msg.type() === 'error') seen.push({ text: msg.text(), url: msg.location().url || page.url() })
      })
      page.on('pageerror', (err) => seen.push({ text: `uncaught exception: ${err.message}`, url: page.url() }))
      const guard: ConsoleGuard = {
        get errors() {
          return seen.filter((e) => !allowed.has(`${FAILED_LOAD.exec(e.text)?.[1]} ${pathOf(e.url)}`)).map((e) => `${e.text} (${e.url})`)
        },
        allowNotFound: (pathname) => void allowed.add(`404 ${pathname}`),
        allowStatus: (pathname, status) => void allowed.add(`${status} ${pathname}`),
      }
      await use(guard)
      expect(guard.errors, 'the page logged errors to the console').toEqual([])
    },
    { auto: true },
  ],
  login: async ({ page }, provide) => {
    await provide(async (phone, redirectTo = '/') => {
      await page.goto(`/login?${new URLSearchParams({ redirectTo })}`)
      await page.getByLabel('Mobile number').fill(phone)
      await page.getByRole('button', { name: 'Send code' }).click()
      await page.getByRole('textbox', { name: 'Code' }).fill(DEV_OTP_CODE)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible()
      await expect(page).toHaveURL(redirectTo)
    })
  },
})

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return url
  }
}

export { expect }
