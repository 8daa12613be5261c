/**
 * Drops the end-to-end database. Playwright runs the global teardown *before* it stops the
 * webServer, so this stops the server first (through tests/e2e/serve.mjs, whose pid it
 * wrote): the server closes its pool, then the wrapper drops the database and Redis keys.
 * The clean-up then runs once more in case the wrapper could not finish it.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FullConfig } from '@playwright/test'

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export default async function globalTeardown(config: FullConfig) {
  const env = config.webServer?.env
  if (!env?.DATABASE_URL) return

  let pid: number | undefined
  try {
    pid = Number(readFileSync(env.E2E_PIDFILE ?? '', 'utf8')) || undefined
  } catch {
    pid = undefined // never started, or already cleaned up
  }
  if (pid && isRunning(pid)) {
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + 30_000
    while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  }

  execFileSync(process.execPath, [fileURLToPath(new URL('./serve.mjs', import.meta.url)), '--cleanup'], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  })
}
