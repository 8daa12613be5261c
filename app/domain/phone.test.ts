import { describe, expect, it } from 'vitest'
import { normalizePhone, OtpCodeSchema, PhoneSchema } from './phone.ts'

describe('normalizePhone', () => {
  it.each([
    ['98765 43210', '+919876543210'],
    ['+91 98765-43210', '+919876543210'],
    ['09876543210', '+919876543210'],
    ['919876543210', '+919876543210'],
    ['(+91) 98765.43210', '+919876543210'],
    ['  6000000000 ', '+916000000000'],
    ['+44 7700 900123', '+447700900123'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['0044 7700 900123', '+447700900123'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected)
  })

  it.each([
    '',
    'abc',
    '12345',
    '5876543210', // Indian mobiles start 6–9
    '+91 5876543210',
    '+91 98765 4321', // too short for India
    '98765432101', // 11 digits without a leading 0
    '+0123456789',
    '+1234567890123456', // more than 15 digits
    '98765-43210x',
    '+91 98765 43210; DROP TABLE users',
    '٩٨٧٦٥٤٣٢١٠', // non-ASCII digits
  ])('rejects %j', (input) => {
    expect(normalizePhone(input)).toBeNull()
  })
})

describe('PhoneSchema', () => {
  it('parses to E.164', () => {
    expect(PhoneSchema.parse(' +91 98765-43210 ')).toBe('+919876543210')
  })

  it('explains a bad number', () => {
    const r = PhoneSchema.safeParse('12')
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.message).toMatch(/valid mobile number/)
  })

  it('refuses non-strings and very long input', () => {
    expect(PhoneSchema.safeParse(9876543210).success).toBe(false)
    expect(PhoneSchema.safeParse('9'.repeat(100)).success).toBe(false)
  })
})

describe('OtpCodeSchema', () => {
  it('accepts 6 digits, ignoring spaces', () => {
    expect(OtpCodeSchema.parse('123 456')).toBe('123456')
  })
  it.each(['12345', '1234567', 'abcdef', ''])('rejects %j', (v) => {
    expect(OtpCodeSchema.safeParse(v).success).toBe(false)
  })
})
