import { defineConfig } from 'vitest/config'

// Unit and integration tests (real PostgreSQL and Redis); e2e lives in tests/e2e (Playwright).
export default defineConfig({
  test: {
    include: ['app/**/*.test.ts', 'prisma/**/*.test.ts', 'tests/integration/**/*.test.ts', 'server/**/*.test.ts'],
    exclude: ['node_modules', 'build', 'tests/e2e'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { LOG_SILENT: 'true' },
  },
})
