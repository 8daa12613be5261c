/** Dates as the shop shows and filters them: in the shop's time zone, whatever the server's or browser's. */

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string, timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${withTime}`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(locale, withTime ? { dateStyle: 'medium', timeStyle: 'short', timeZone } : { dateStyle: 'medium', timeZone })
    formatters.set(key, f)
  }
  return f
}

/** "12 May 2025, 2:05 pm" in `timeZone`. */
export function formatDateTime(iso: string, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, true).format(new Date(iso))
}

/** "12 May 2025" in `timeZone`. */
export function formatDate(iso: string, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, false).format(new Date(iso))
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** Minutes `timeZone` is ahead of UTC at `at`. */
function offsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000)
}

/** The instant `yyyy-mm-dd` begins in `timeZone` (plus `addDays`), or null for anything that is not a real date. */
export function startOfDay(day: string, timeZone: string, addDays = 0): Date | null {
  const m = DAY.exec(day)
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const utc = new Date(Date.UTC(y, mo - 1, d))
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d) return null
  const midnight = Date.UTC(y, mo - 1, d + addDays)
  // Twice, so a day that starts next to a DST change still lands on its own midnight.
  let at = new Date(midnight - offsetMinutes(new Date(midnight), timeZone) * 60_000)
  at = new Date(midnight - offsetMinutes(at, timeZone) * 60_000)
  return at
}
