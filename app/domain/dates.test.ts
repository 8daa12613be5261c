import { describe, expect, it } from 'vitest'
import { formatDate, startOfDay } from './dates.ts'

describe('startOfDay', () => {
  it('is midnight in the shop’s time zone, as a UTC instant', () => {
    expect(startOfDay('2025-05-01', 'Asia/Kolkata')?.toISOString()).toBe('2025-04-30T18:30:00.000Z')
    // "to" filters include the whole day: the next day's midnight.
    expect(startOfDay('2025-05-01', 'Asia/Kolkata', 1)?.toISOString()).toBe('2025-05-01T18:30:00.000Z')
    expect(startOfDay('2025-12-31', 'Asia/Kolkata', 1)?.toISOString()).toBe('2025-12-31T18:30:00.000Z')
  })

  it('follows daylight saving time', () => {
    expect(startOfDay('2025-03-09', 'America/New_York')?.toISOString()).toBe('2025-03-09T05:00:00.000Z')
    expect(startOfDay('2025-03-10', 'America/New_York')?.toISOString()).toBe('2025-03-10T04:00:00.000Z')
  })

  it('refuses what is not a real date', () => {
    expect(startOfDay('2025-02-30', 'Asia/Kolkata')).toBeNull()
    expect(startOfDay('yesterday', 'Asia/Kolkata')).toBeNull()
    expect(startOfDay('2025-5-1', 'Asia/Kolkata')).toBeNull()
  })
})

describe('formatDate', () => {
  it('shows the day in the shop’s time zone, not the server’s', () => {
    expect(formatDate('2025-04-30T19:00:00.000Z', 'en-IN', 'Asia/Kolkata')).toBe('1 May 2025')
  })
})
