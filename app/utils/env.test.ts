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

  it('limits sign-in codes per phone to 10 per 15 minutes and one per 30 s unless configured', () => {
    expect(parseEnv({})).toMatchObject({ RATE_LIMIT_OTP_PHONE_MAX: 10, RATE_LIMIT_OTP_PHONE_WINDOW_MS: 900_000, RATE_LIMIT_OTP_RESEND_MS: 30_000 })
    const env = parseEnv({ RATE_LIMIT_OTP_PHONE_MAX: '3', RATE_LIMIT_OTP_PHONE_WINDOW_MS: '60000', RATE_LIMIT_OTP_RESEND_MS: '0' })
    expect(env).toMatchObject({ RATE_LIMIT_OTP_PHONE_MAX: 3, RATE_LIMIT_OTP_PHONE_WINDOW_MS: 60_000, RATE_LIMIT_OTP_RESEND_MS: 0 })
    const list = problems({ RATE_LIMIT_OTP_PHONE_MAX: '0', RATE_LIMIT_OTP_PHONE_WINDOW_MS: 'soon', RATE_LIMIT_OTP_RESEND_MS: '-1' })
    for (const key of ['RATE_LIMIT_OTP_PHONE_MAX', 'RATE_LIMIT_OTP_PHONE_WINDOW_MS', 'RATE_LIMIT_OTP_RESEND_MS']) expect(list.some((p) => p.startsWith(key))).toBe(true)
  })

  it('trusts only loopback proxies by default; TRUST_PROXY takes names, addresses and CIDR ranges', () => {
    expect(parseEnv({}).TRUST_PROXY).toEqual(['loopback'])
    expect(parseEnv({ TRUST_PROXY: '' }).TRUST_PROXY).toEqual(['loopback'])
    expect(parseEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::1'])
    for (const bad of ['everyone', '10.0.0.0/33', 'true', ' , ']) expect(problems({ TRUST_PROXY: bad }).some((p) => p.startsWith('TRUST_PROXY')), bad).toBe(true)
  })

  it('refuses a REDIS_URL whose path is not a database number', () => {
    for (const ok of ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/', 'redis://127.0.0.1:6379/0', 'rediss://cache.example.com:6380/15']) {
      expect(parseEnv({ REDIS_URL: ok }).REDIS_URL, ok).toBe(ok)
    }
    for (const bad of ['redis://127.0.0.1:6399/abc', 'redis://127.0.0.1:6399/1/2', 'redis://127.0.0.1:6399/-1', 'redis://127.0.0.1:6399/%31']) {
      const list = problems({ REDIS_URL: bad })
      expect(list, bad).toHaveLength(1)
      expect(list[0], bad).toMatch(/^REDIS_URL must name its database by number/)
    }
  })
})
