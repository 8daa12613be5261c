// Phone sign-in codes against a real PostgreSQL database (in-process rate limits and sessions).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { housekeeping } from '#app/jobs/housekeeping.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { closeRuntime, initRuntime } from '#app/utils/runtime.server.ts'
import { setSmsSender, type SmsMessage, type SmsSender } from '#app/utils/sms.server.ts'
import { migrateDeploy } from '#prisma/engine/index.ts'
import { createTestDatabase } from '../../tests/integration/helpers.ts'
import { upsertUserByPhone } from './identity.server.ts'
import { OTP_MAX_ATTEMPTS, requestOtp, verifyOtp } from './otp.server.ts'

class MemorySms implements SmsSender {
  readonly kind = 'memory'
  sent: SmsMessage[] = []
  async send(msg: SmsMessage) {
    this.sent.push(msg)
  }
  lastCode(to: string): string {
    const msg = [...this.sent].reverse().find((m) => m.to === to)
    const code = msg?.message.match(/\b(\d{6})\b/)?.[1]
    if (!code) throw new Error(`no code sent to ${to}`)
    return code
  }
}

let drop: () => Promise<void> = async () => undefined
const outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'otp-outbox-'))
const sms = new MemorySms()
let seq = 0
/** A fresh Indian mobile number per test (throttles are per phone). */
const nextPhone = () => `+9190000${String(10_000 + seq++).padStart(5, '0')}`

function startRuntime(extra: Record<string, string> = {}, url: string) {
  initRuntime(parseEnv({ NODE_ENV: 'test', DATABASE_URL: url, OUTBOX_DIR: outbox, SESSION_SECRET: 'test-session-secret', ...extra }), { url, mode: 'external', poolMax: 5 })
}

let dbUrl = ''
beforeAll(async () => {
  const db = await createTestDatabase('it_otp')
  drop = db.drop
  dbUrl = db.url
  await migrateDeploy(db.url)
  startRuntime({}, dbUrl)
  setSmsSender(sms)
})

afterAll(async () => {
  setSmsSender(null)
  await closeRuntime().catch(() => undefined)
  await drop()
  fs.rmSync(outbox, { recursive: true, force: true })
})

beforeEach(() => {
  sms.sent = []
})

async function expectDomainError(p: Promise<unknown>, code: DomainError['code']): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  expect((err as DomainError).code).toBe(code)
  return err as DomainError
}

const challenges = (phone: string) =>
  getDb().otpChallenge.findMany({ where: { phone }, orderBy: { createdAt: 'asc' }, select: { id: true, codeHash: true, attempts: true, consumedAt: true, expiresAt: true } })

describe('requestOtp', () => {
  it('normalises the number, sends a 6-digit code and stores only its hash, valid 5 minutes', async () => {
    const national = '98111 22334'
    const before = Date.now()
    const { phone, expiresAt } = await requestOtp(national)
    expect(phone).toBe('+919811122334')
    const code = sms.lastCode(phone)
    expect(code).toMatch(/^\d{6}$/)
    const [row] = await challenges(phone)
    expect(row).toBeDefined()
    expect(row?.codeHash).not.toContain(code)
    expect(row?.codeHash).toMatch(/^[0-9a-f]{64}$/)
    expect(expiresAt.getTime() - before).toBeGreaterThanOrEqual(5 * 60_000 - 50)
    expect(expiresAt.getTime() - before).toBeLessThanOrEqual(5 * 60_000 + 5_000)
    const user = await verifyOtp(national, code)
    expect(user.phone).toBe(phone)
    expect(user.isPhoneVerified).toBe(true)
  })

  it('rejects junk with a field error and sends nothing', async () => {
    const err = await expectDomainError(requestOtp('12345'), 'VALIDATION')
    expect(err.details?.fields).toHaveProperty('phone')
    expect(sms.sent).toHaveLength(0)
  })

  it('throttles resends: one per 30 s per phone, with retryAfter', async () => {
    const phone = nextPhone()
    await requestOtp(phone)
    const err = await expectDomainError(requestOtp(phone), 'RATE_LIMITED')
    expect(err.details?.retryAfter).toBeGreaterThan(0)
    expect(err.details?.retryAfter).toBeLessThanOrEqual(30)
    expect(sms.sent).toHaveLength(1)
    // Another phone is not affected.
    await requestOtp(nextPhone())
  })

  it('allows at most 10 codes per phone per 15 minutes by default', async () => {
    const phone = nextPhone()
    const { rateLimits } = (await import('#app/utils/runtime.server.ts')).getRuntime()
    for (let i = 0; i < 10; i++) {
      await requestOtp(phone)
      await rateLimits.reset(`otp:phone:${phone}:resend`) // step past the 30 s window
    }
    const err = await expectDomainError(requestOtp(phone), 'RATE_LIMITED')
    expect(err.message).toMatch(/too many codes/i)
    expect(err.details?.retryAfter).toBeGreaterThan(30)
    expect(err.details?.retryAfter).toBeLessThanOrEqual(15 * 60)
    expect(sms.sent).toHaveLength(10)
  })

  it('a new code makes the previous one stop working', async () => {
    const phone = nextPhone()
    const { rateLimits } = (await import('#app/utils/runtime.server.ts')).getRuntime()
    await requestOtp(phone)
    const first = sms.lastCode(phone)
    await rateLimits.reset(`otp:phone:${phone}:resend`)
    let second = first
    // Codes are random: make sure the two differ before relying on it.
    while (second === first) {
      await requestOtp(phone)
      second = sms.lastCode(phone)
      await rateLimits.reset(`otp:phone:${phone}:resend`)
    }
    await expectDomainError(verifyOtp(phone, first), 'UNAUTHENTICATED')
    expect((await verifyOtp(phone, second)).phone).toBe(phone)
  })
})

describe('verifyOtp', () => {
  it('a code works once', async () => {
    const phone = nextPhone()
    await requestOtp(phone)
    const code = sms.lastCode(phone)
    const user = await verifyOtp(phone, code)
    expect(user.phone).toBe(phone)
    await expectDomainError(verifyOtp(phone, code), 'UNAUTHENTICATED')
  })

  it('an expired code is refused (5 minutes)', async () => {
    const phone = nextPhone()
    await requestOtp(phone)
    const code = sms.lastCode(phone)
    await expectDomainError(verifyOtp(phone, code, { now: new Date(Date.now() + 5 * 60_000 + 1_000) }), 'UNAUTHENTICATED')
    // And through the stored expiry: moved into the past, the code is dead now.
    await getDb().$executeRaw`UPDATE otp_challenges SET expires_at = now() - interval '1 second' WHERE phone = ${phone}`
    await expectDomainError(verifyOtp(phone, code), 'UNAUTHENTICATED')
  })

  it('5 wrong tries kill the code, even when the 6th is right', async () => {
    const phone = nextPhone()
    await requestOtp(phone)
    const code = sms.lastCode(phone)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < OTP_MAX_ATTEMPTS; i++) await expectDomainError(verifyOtp(phone, wrong), 'UNAUTHENTICATED')
    await expectDomainError(verifyOtp(phone, code), 'UNAUTHENTICATED')
    const [row] = await challenges(phone)
    expect(row?.attempts).toBe(OTP_MAX_ATTEMPTS)
    expect(await getDb().user.count({ where: { phone } })).toBe(0)
  })

  it('20 concurrent wrong guesses never count past 5, and the code is dead afterwards', async () => {
    const phone = nextPhone()
    await requestOtp(phone)
    const code = sms.lastCode(phone)
    const wrong = code === '000000' ? '111111' : '000000'
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => verifyOtp(phone, wrong)))
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof DomainError && r.reason.code === 'UNAUTHENTICATED')).toBe(true)
    const [row] = await challenges(phone)
    expect(row?.attempts).toBe(OTP_MAX_ATTEMPTS)
    await expectDomainError(verifyOtp(phone, code), 'UNAUTHENTICATED')
  })

  it('validates phone and code format with field errors', async () => {
    const err = await expectDomainError(verifyOtp('nope', '12ab'), 'VALIDATION')
    expect(err.details?.fields).toMatchObject({ phone: expect.any(String), code: expect.any(String) })
  })

  it('a phone with no code is refused', async () => {
    await expectDomainError(verifyOtp(nextPhone(), '123456'), 'UNAUTHENTICATED')
  })
})

describe('first login', () => {
  it('50 concurrent first logins for one phone create exactly one user', async () => {
    const phone = nextPhone()
    const users = await Promise.all(Array.from({ length: 50 }, () => upsertUserByPhone(phone)))
    expect(new Set(users.map((u) => u.id)).size).toBe(1)
    expect(await getDb().user.count({ where: { phone } })).toBe(1)
  })

  describe('with DEV_OTP_CODE', () => {
    beforeAll(async () => {
      await closeRuntime()
      startRuntime({ DEV_OTP_CODE: '246810' }, dbUrl)
    })

    it('every code is DEV_OTP_CODE', async () => {
      const phone = nextPhone()
      await requestOtp(phone)
      expect(sms.lastCode(phone)).toBe('246810')
    })

    it('50 concurrent verifies with the dev code: one sign-in, one user, the rest refused', async () => {
      const phone = nextPhone()
      await requestOtp(phone)
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => verifyOtp(phone, '246810')))
      const ok = results.filter((r) => r.status === 'fulfilled')
      expect(ok).toHaveLength(1)
      for (const r of results) if (r.status === 'rejected') expect((r.reason as DomainError).code).toBe('UNAUTHENTICATED')
      expect(await getDb().user.count({ where: { phone } })).toBe(1)
    })

    it('50 concurrent first logins, each with its own code, make exactly one user', async () => {
      const phone = nextPhone()
      // 50 live challenges for one phone (as 50 devices would hold), bypassing the resend throttle.
      const { rateLimits } = (await import('#app/utils/runtime.server.ts')).getRuntime()
      await requestOtp(phone)
      const [template] = await challenges(phone)
      if (!template) throw new Error('no challenge')
      await getDb().otpChallenge.createMany({
        data: Array.from({ length: 49 }, () => ({ phone, codeHash: template.codeHash, expiresAt: template.expiresAt })),
      })
      await rateLimits.reset(`otp:phone:${phone}:resend`)
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => verifyOtp(phone, '246810')))
      const ids = new Set(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : [])))
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1)
      expect(ids.size).toBe(1)
      expect(await getDb().user.count({ where: { phone } })).toBe(1)
    })
  })
})

describe('per-phone limits from the environment', () => {
  beforeAll(async () => {
    await closeRuntime()
    startRuntime({ RATE_LIMIT_OTP_PHONE_MAX: '3', RATE_LIMIT_OTP_PHONE_WINDOW_MS: '60000', RATE_LIMIT_OTP_RESEND_MS: '0' }, dbUrl)
  })

  it('RATE_LIMIT_OTP_PHONE_MAX codes per RATE_LIMIT_OTP_PHONE_WINDOW_MS; RATE_LIMIT_OTP_RESEND_MS=0 lifts the resend wait', async () => {
    const phone = nextPhone()
    for (let i = 0; i < 3; i++) await requestOtp(phone)
    const err = await expectDomainError(requestOtp(phone), 'RATE_LIMITED')
    expect(err.details?.retryAfter).toBeGreaterThan(0)
    expect(err.details?.retryAfter).toBeLessThanOrEqual(60)
    expect(sms.sent.filter((m) => m.to === phone)).toHaveLength(3)
    // Counted per phone: another number still gets its code.
    await requestOtp(nextPhone())
  })

  it('RATE_LIMIT_OTP_RESEND_MS sets the wait between two codes', async () => {
    await closeRuntime()
    startRuntime({ RATE_LIMIT_OTP_RESEND_MS: '5000' }, dbUrl)
    const phone = nextPhone()
    await requestOtp(phone)
    const err = await expectDomainError(requestOtp(phone), 'RATE_LIMITED')
    expect(err.details?.retryAfter).toBeGreaterThan(0)
    expect(err.details?.retryAfter).toBeLessThanOrEqual(5)
  })
})

describe('housekeeping', () => {
  it('deletes sign-in codes (and so their phone numbers) a day after they were issued, keeps recent ones', async () => {
    const old = nextPhone()
    const recent = nextPhone()
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000)
    await getDb().otpChallenge.create({ data: { phone: old, codeHash: 'x'.repeat(64), createdAt: dayAgo, expiresAt: new Date(dayAgo.getTime() + 5 * 60_000) } })
    await requestOtp(recent)
    await housekeeping.handle({})
    expect(await challenges(old)).toEqual([])
    expect(await challenges(recent)).toHaveLength(1)
  })
})
