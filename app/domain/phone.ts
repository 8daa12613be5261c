/** Phone numbers as E.164 (`+919876543210`): Indian numbers without a country code, others with `+`. */
import { z } from 'zod'

export const DEFAULT_COUNTRY_CODE = '91'

/** Separators people type inside numbers: spaces, dashes, dots, brackets. */
const SEPARATORS = /[\s\-.()\u00a0]/g

/**
 * The E.164 form of `input`, or null when it is not a plausible phone number.
 * `98765 43210`, `+91 98765-43210`, `09876543210`, `919876543210` → `+919876543210`;
 * any other country must be given with `+` (or `00`).
 */
export function normalizePhone(input: string): string | null {
  let s = input.trim().replace(SEPARATORS, '')
  if (s.startsWith('00')) s = `+${s.slice(2)}`
  if (s.startsWith('+')) {
    const digits = s.slice(1)
    if (!/^[1-9]\d{7,14}$/.test(digits)) return null
    if (digits.startsWith(DEFAULT_COUNTRY_CODE)) return isIndianMobile(digits.slice(2)) ? s : null
    return s
  }
  if (!/^\d+$/.test(s)) return null
  if (s.length === 11 && s.startsWith('0')) s = s.slice(1)
  else if (s.length === 12 && s.startsWith(DEFAULT_COUNTRY_CODE)) s = s.slice(2)
  return isIndianMobile(s) ? `+${DEFAULT_COUNTRY_CODE}${s}` : null
}

/** Indian mobile numbers: 10 digits starting 6–9. */
function isIndianMobile(national: string): boolean {
  return /^[6-9]\d{9}$/.test(national)
}

export const PHONE_MESSAGE = 'Enter a valid mobile number, e.g. 98765 43210 or +44 7700 900123.'

/** A phone number as typed → its E.164 form (the issue says why when it cannot be one). */
export const PhoneSchema = z
  .string({ error: 'Enter your mobile number.' })
  .trim()
  .min(1, 'Enter your mobile number.')
  .max(32, PHONE_MESSAGE)
  .transform((value, ctx) => {
    const e164 = normalizePhone(value)
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: PHONE_MESSAGE })
      return z.NEVER
    }
    return e164
  })

/** A one-time code: exactly 6 digits (spaces people paste in are ignored). */
export const OtpCodeSchema = z
  .string({ error: 'Enter the 6-digit code.' })
  .transform((v) => v.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code.'))
