/** Phone sign-in codes: issue (throttled, hashed, 5-minute life) and verify (5 tries, once). */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import { DomainError } from '#app/domain/errors.ts'
import { OtpCodeSchema, PhoneSchema } from '#app/domain/phone.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getLogger, maskPhone } from '#app/utils/logger.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { getSmsSender } from '#app/utils/sms.server.ts'
import { type AuthUser, upsertUserByPhone } from './identity.server.ts'

export const OTP_TTL_MS = 5 * 60 * 1000
export const OTP_MAX_ATTEMPTS = 5

const WRONG_CODE = 'That code is wrong or has expired. Check it, or request a new code.'

function parsePhone(input: unknown): string {
  const r = PhoneSchema.safeParse(input)
  if (!r.success) throw new DomainError('VALIDATION', 'Check the phone number.', { fields: { phone: r.error.issues[0]?.message ?? 'Invalid' } })
  return r.data
}

/** HMAC-SHA256 of phone and code, keyed by a pepper derived from SESSION_SECRET (a leaked table alone reveals nothing). */
function hashCode(phone: string, code: string): string {
  const pepper = createHmac('sha256', getRuntime().env.SESSION_SECRET).update('otp-pepper-v1').digest()
  return createHmac('sha256', pepper).update(`${phone}:${code}`).digest('hex')
}

function rateLimited(resetMs: number, message: string): DomainError {
  const retryAfter = Math.max(1, Math.ceil(resetMs / 1000))
  return new DomainError('RATE_LIMITED', message, { retryAfter })
}

/**
 * Sends a new code to `phoneInput` (any accepted spelling) and returns its E.164 form.
 * Per phone, whoever asks: one code per RATE_LIMIT_OTP_RESEND_MS (30 s) and at most
 * RATE_LIMIT_OTP_PHONE_MAX (10) per RATE_LIMIT_OTP_PHONE_WINDOW_MS (15 min), counted in the
 * shared rate-limit store. An earlier live code stops working.
 */
export async function requestOtp(phoneInput: string, opts: { now?: Date } = {}): Promise<{ phone: string; expiresAt: Date }> {
  const phone = parsePhone(phoneInput)
  const { env, rateLimits } = getRuntime()
  if (env.RATE_LIMIT_OTP_RESEND_MS > 0) {
    const resend = await rateLimits.hit(`otp:phone:${phone}:resend`, env.RATE_LIMIT_OTP_RESEND_MS)
    if (resend.count > 1) throw rateLimited(resend.resetMs, 'A code was just sent. Please wait a moment before asking for another.')
  }
  const window = await rateLimits.hit(`otp:phone:${phone}:window`, env.RATE_LIMIT_OTP_PHONE_WINDOW_MS)
  if (window.count > env.RATE_LIMIT_OTP_PHONE_MAX) throw rateLimited(window.resetMs, 'Too many codes were requested for this number. Please try again later.')

  const devCode = env.NODE_ENV !== 'production' ? env.DEV_OTP_CODE : undefined
  const code = devCode ?? String(randomInt(0, 1_000_000)).padStart(6, '0')
  const now = opts.now ?? new Date()
  const expiresAt = new Date(now.getTime() + OTP_TTL_MS)
  const db = getDb()
  await db.$transaction([
    db.otpChallenge.updateMany({ where: { phone, consumedAt: null, expiresAt: { gt: now } }, data: { consumedAt: now } }),
    db.otpChallenge.create({ data: { phone, codeHash: hashCode(phone, code), expiresAt, createdAt: now }, select: { id: true } }),
  ])

  try {
    await getSmsSender(env).send({ to: phone, message: `${code} is your ${env.SHOP_NAME} sign-in code. It expires in 5 minutes. Do not share it.` })
  } catch (err) {
    getLogger().error('sign-in code could not be sent', { to: maskPhone(phone), error: err instanceof Error ? err.message : 'unknown' })
    throw new DomainError('UNAVAILABLE', 'We could not send the code just now. Please try again in a minute.')
  }
  return { phone, expiresAt }
}

/**
 * Checks `code` against the phone's latest live code and signs the user in (created on
 * first login). Every guess counts atomically; the 5th wrong one kills the code; a right
 * one is consumed so it works once.
 */
export async function verifyOtp(phoneInput: string, codeInput: string, opts: { now?: Date } = {}): Promise<AuthUser> {
  const fields: Record<string, string> = {}
  const phoneResult = PhoneSchema.safeParse(phoneInput)
  const codeResult = OtpCodeSchema.safeParse(codeInput)
  if (!phoneResult.success) fields.phone = phoneResult.error.issues[0]?.message ?? 'Invalid'
  if (!codeResult.success) fields.code = codeResult.error.issues[0]?.message ?? 'Invalid'
  if (!phoneResult.success || !codeResult.success) throw new DomainError('VALIDATION', 'Check the phone number and code.', { fields })
  const phone = phoneResult.data
  const code = codeResult.data
  const now = opts.now ?? new Date()
  const db = getDb()

  // Row-level: concurrent guesses re-check `attempts < 5` after waiting for each other's lock.
  const rows = await db.$queryRaw<{ id: string; code_hash: string }[]>`
    UPDATE otp_challenges SET attempts = attempts + 1
    WHERE id = (
        SELECT id FROM otp_challenges
        WHERE phone = ${phone} AND consumed_at IS NULL AND expires_at > ${now}
        ORDER BY created_at DESC, id DESC LIMIT 1
      )
      AND attempts < ${OTP_MAX_ATTEMPTS} AND consumed_at IS NULL AND expires_at > ${now}
    RETURNING id::text AS id, code_hash`
  const challenge = rows[0]
  if (!challenge) throw new DomainError('UNAUTHENTICATED', WRONG_CODE)

  const expected = Buffer.from(challenge.code_hash, 'hex')
  const given = Buffer.from(hashCode(phone, code), 'hex')
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new DomainError('UNAUTHENTICATED', WRONG_CODE)

  // Consume: of two right guesses racing, only one signs in.
  const consumed = await db.otpChallenge.updateMany({ where: { id: challenge.id, consumedAt: null }, data: { consumedAt: now } })
  if (consumed.count !== 1) throw new DomainError('UNAUTHENTICATED', WRONG_CODE)

  const user = await upsertUserByPhone(phone)
  getLogger().info('signed in with a phone code', { userId: user.id })
  return user
}
