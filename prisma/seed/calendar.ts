/**
 * When people shop: an hour-by-hour traffic curve over the seeded period, in the shop's
 * time zone (Asia/Kolkata, UTC+05:30 all year). Orders and sign-ups are drawn from it,
 * so reports show weekends, the festive season, sale days and the daily rhythm.
 */
import { upperBound, type Rng } from './rng.ts'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR
const IST_OFFSET = 5.5 * HOUR

/** Orders per hour of the day in IST: quiet nights, peaks at 12–14 and 19–22. */
const HOUR_OF_DAY = [
  0.55, 0.32, 0.18, 0.1, 0.08, 0.1, 0.22, 0.45, 0.75, 1.0, 1.2, 1.45,
  1.9, 2.05, 1.85, 1.4, 1.25, 1.35, 1.6, 2.1, 2.4, 2.45, 2.1, 1.2,
]
/** Sunday first. */
const DAY_OF_WEEK = [1.3, 0.88, 0.9, 0.93, 0.96, 1.05, 1.22]
/** January first: Republic Day and end-of-season sales, then Dussehra/Diwali in Oct–Nov. */
const MONTH = [1.05, 0.88, 0.95, 0.9, 0.95, 0.9, 1.08, 1.0, 1.05, 1.65, 1.55, 1.15]
/** Sale days (month 0-based, day of month) that draw a crowd. */
const SALE_DAYS: Array<[number, number, number]> = [
  [0, 24, 1.5], [0, 25, 1.7], [0, 26, 1.6], // Republic Day sale
  [6, 1, 1.4], [6, 2, 1.4], [6, 3, 1.3], // end-of-season sale
  [7, 14, 1.5], [7, 15, 1.7], // Independence Day sale
  [9, 20, 1.3], [9, 21, 1.4], [9, 22, 1.4], [10, 1, 1.3], // festive season peaks
]

export interface IstParts {
  hour: number
  dow: number
  month: number
  day: number
}

export function istParts(ms: number): IstParts {
  const d = new Date(ms + IST_OFFSET)
  return { hour: d.getUTCHours(), dow: d.getUTCDay(), month: d.getUTCMonth(), day: d.getUTCDate() }
}

/** Milliseconds of the given IST hour-of-day on the same IST calendar day as `ms`. */
export function atIstHour(ms: number, hour: number, minuteFraction = 0): number {
  const local = ms + IST_OFFSET
  const dayStart = local - (local % DAY)
  return dayStart + hour * HOUR + Math.floor(minuteFraction * HOUR) - IST_OFFSET
}

export class TrafficCurve {
  readonly start: number
  readonly end: number
  /** cumulative weight at the end of each hour */
  private readonly cum: Float64Array
  readonly total: number

  constructor(start: number, end: number, rng: Rng) {
    this.start = start - (start % HOUR)
    this.end = end
    const hours = Math.max(1, Math.ceil((end - this.start) / HOUR))
    this.cum = new Float64Array(hours)
    let acc = 0
    let dayNoise = 1
    let lastDay = -1
    for (let h = 0; h < hours; h++) {
      const t = this.start + h * HOUR
      const p = istParts(t)
      const dayIndex = Math.floor((t + IST_OFFSET) / DAY)
      if (dayIndex !== lastDay) {
        lastDay = dayIndex
        dayNoise = 0.82 + rng.next() * 0.36
      }
      const growth = 0.55 + 0.45 * (h / hours)
      let sale = 1
      for (const [m, d, f] of SALE_DAYS) if (m === p.month && d === p.day) sale = f
      let w = growth * dayNoise * sale * HOUR_OF_DAY[p.hour]! * DAY_OF_WEEK[p.dow]! * MONTH[p.month]!
      // The current hour is only partly over.
      if (t + HOUR > end) w *= Math.max(0, (end - t) / HOUR)
      acc += w
      this.cum[h] = acc
    }
    this.total = acc
  }

  /** The moment at cumulative fraction `f` (0–1) of all traffic. */
  at(f: number): number {
    const x = Math.min(Math.max(f, 0), 1) * this.total
    const h = Math.min(upperBound(this.cum, x), this.cum.length - 1)
    const before = h === 0 ? 0 : this.cum[h - 1]!
    const w = this.cum[h]! - before
    const within = w > 0 ? (x - before) / w : 0.5
    return Math.min(this.start + (h + within) * HOUR, this.end - 1)
  }
}
