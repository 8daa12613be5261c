/**
 * End-to-end tests: the production build (`node build/server.js`) against a throwaway
 * PostgreSQL database and Redis key prefix, driven by Debian's Chromium with and
 * without JavaScript. tests/e2e/serve.mjs creates the database, seeds it through the
 * server's own first start, and cleans up; tests/e2e/global-teardown.ts makes sure the
 * database is dropped even when the wrapper could not do it.
 */
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { defineConfig, devices } from '@playwright/test'
import type { StoreOptions } from './tests/e2e/fixtures.ts'

// The config is evaluated again in every worker process; the run id travels through the
// environment so that all of them agree on one database and key prefix.
process.env.E2E_RUN_ID ||= randomBytes(4).toString('hex')
const runId = process.env.E2E_RUN_ID

const port = Number(process.env.E2E_PORT ?? 3917)
const baseURL = `http://127.0.0.1:${port}`
const shopName = 'Kirana Threads'
const adminDatabaseUrl = process.env.E2E_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const databaseUrl = new URL(adminDatabaseUrl)
databaseUrl.pathname = `/e2e_storefront_${runId}`
const scratchDir = path.join(os.tmpdir(), `e2e-storefront-${runId}`)

const chromium = {
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
}

export default defineConfig<StoreOptions>({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  // A flaky end-to-end test is a bug to fix, not to retry away.
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalTeardown: './tests/e2e/global-teardown.ts',
  use: {
    baseURL,
    shopName,
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions: chromium } },
    { name: 'chromium-no-js', use: { ...devices['Desktop Chrome'], launchOptions: chromium, javaScriptEnabled: false } },
  ],
  webServer: {
    command: 'node tests/e2e/serve.mjs',
    url: `${baseURL}/readyz`,
    // Migrations and the demo seed (~6,000 orders) run before /readyz answers 200.
    timeout: 180_000,
    reuseExistingServer: false,
    // SIGTERM lets serve.mjs stop the server and drop the database before it exits.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: baseURL,
      E2E_ADMIN_DATABASE_URL: adminDatabaseUrl,
      DATABASE_URL: databaseUrl.href,
      REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
      REDIS_KEY_PREFIX: `e2e:storefront-${runId}:`,
      E2E_SCRATCH_DIR: scratchDir,
      E2E_PIDFILE: path.join(scratchDir, 'serve.pid'),
      DATA_DIR: path.join(scratchDir, 'data'),
      UPLOAD_DIR: path.join(scratchDir, 'uploads'),
      OUTBOX_DIR: path.join(scratchDir, 'outbox'),
      LOG_DIR: path.join(scratchDir, 'logs'),
      // Warnings and errors only: a 5xx during the run is logged at error level and shows up here.
      LOG_LEVEL: 'warn',
      LOG_TO_FILES: 'false',
      SEED_ON_EMPTY: 'true',
      RUN_WORKER: 'true',
      SHUTDOWN_TIMEOUT_MS: '5000',
      SHOP_NAME: shopName,
      CURRENCY: 'INR',
      LOCALE: 'en-IN',
      SHOP_TIMEZONE: 'Asia/Kolkata',
      SESSION_SECRET: `e2e-session-secret-${'x'.repeat(32)}`,
      // The login() fixture signs in with this code; the sign-in limit (10 per 15 min per
      // client, tested by tests/integration) would otherwise trip across the e2e specs.
      DEV_OTP_CODE: '123456',
      RATE_LIMIT_AUTH_MAX: '500',
      JWT_SECRET: `e2e-jwt-secret-${'x'.repeat(32)}`,
      // Whatever the developer's shell exports, the tests talk to no outside service.
      SMTP_URL: '',
      CLOUDINARY_URL: '',
      GOOGLE_CLIENT_ID: '',
      GOOGLE_CLIENT_SECRET: '',
      RAZORPAY_KEY_ID: '',
      RAZORPAY_KEY_SECRET: '',
      RAZORPAY_WEBHOOK_SECRET: '',
    },
  },
})
