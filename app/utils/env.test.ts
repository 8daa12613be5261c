import { describe, expect, it } from 'vitest'
import { EnvError, parseEnv } from './env.server.ts'

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(env)
    return []
  } catch (err) {
    if (err instanceof EnvError) return err.problems
    throw err
  }
}

describe('environment', () => {
  it('needs nothing to start in development', () => {
    const env = parseEnv({})
    expect(env.PORT).toBe(3000)
    expect(env.DATABASE_URL).toBeUndefined()
    expect(env.REDIS_URL).toBeUndefined()
    expect(env.SESSION_SECRET.length).toBeGreaterThan(10)
  })

  it('names each malformed variable, all at once', () => {
    const list = problems({ DATABASE_URL: 'mysql://x', REDIS_URL: 'not a url', PORT: '99999', LOG_LEVEL: 'loud' })
    expect(list.some((p) => p.startsWith('DATABASE_URL'))).toBe(true)
    expect(list.some((p) => p.startsWith('REDIS_URL'))).toBe(true)
    expect(list.some((p) => p.startsWith('PORT'))).toBe(true)
    expect(list.some((p) => p.startsWith('LOG_LEVEL'))).toBe(true)
  })

  it('never echoes a value, which may be a secret', () => {
    const list = problems({ DATABASE_URL: 'postgres://user:hunter2@' })
    expect(list.join(' ')).not.toContain('hunter2')
  })

  it('refuses production without real secrets and with a dev OTP code', () => {
    const list = problems({ NODE_ENV: 'production', DEV_OTP_CODE: '123456' })
    expect(list.some((p) => p.startsWith('SESSION_SECRET'))).toBe(true)
    expect(list.some((p) => p.startsWith('JWT_SECRET'))).toBe(true)
    expect(list.some((p) => p.startsWith('DEV_OTP_CODE'))).toBe(true)
  })

  it('accepts real PostgreSQL and Redis URLs', () => {
    const env = parseEnv({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/shop', REDIS_URL: 'redis://127.0.0.1:6379/2' })
    expect(env.DATABASE_URL).toContain('127.0.0.1')
    expect(env.REDIS_URL).toContain('6379')
  })
})
