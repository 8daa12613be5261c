import { describe, expect, it } from 'vitest'
import { parseEnv } from './env.server.ts'
import { getGoogleStrategy } from './google-strategy.server.ts'

// No PUBLIC_URL: the redirect URI follows the request's Host, which the client chooses.
const env = parseEnv({ NODE_ENV: 'test', GOOGLE_CLIENT_ID: 'client-id', GOOGLE_CLIENT_SECRET: 'client-secret' })
const at = (origin: string) => getGoogleStrategy(new Request(`${origin}/auth/google`, { method: 'POST' }), env)

describe('Google strategies per origin', () => {
  it('reuses the strategy of an origin while it is in use', () => {
    expect(at('https://shop.example')).toBe(at('https://shop.example'))
    expect(at('https://shop.example')).not.toBe(at('https://www.shop.example'))
  })

  it('keeps only a few: a flood of made-up hosts evicts the least recently used, not the busy one', () => {
    const busy = at('https://busy.example')
    const idle = at('https://idle.example')
    for (let i = 0; i < 200; i++) {
      at(`https://made-up-${i}.example`)
      if (i % 4 === 0) expect(at('https://busy.example')).toBe(busy)
    }
    expect(at('https://busy.example')).toBe(busy)
    expect(at('https://idle.example')).not.toBe(idle)
  })

  it('does not keep one for a host that is not a plausible name', () => {
    expect(at('https://under_score.example')).not.toBe(at('https://under_score.example'))
  })

  it('is off without Google credentials', () => {
    expect(getGoogleStrategy(new Request('https://shop.example/auth/google'), parseEnv({ NODE_ENV: 'test' }))).toBeNull()
  })
})
