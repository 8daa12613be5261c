/**
 * A small deterministic PRNG (sfc32, seeded through splitmix32) and the sampling helpers
 * the seed uses. Same seed, same data: nothing here reads Math.random or the clock.
 */

/** splitmix32: turns any 32-bit number into a well-mixed one (used for seeding and hashing). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad)
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97)
  return (x ^ (x >>> 15)) >>> 0
}

/** Hashes a label into 32 bits (FNV-1a then mixed), for deriving independent sub-streams. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return mix32(h)
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number, stream = 0) {
    this.a = mix32(seed ^ 0x1234567)
    this.b = mix32(this.a ^ stream)
    this.c = mix32(this.b + 0x6d2b79f5)
    this.d = 1
    for (let i = 0; i < 12; i++) this.nextU32()
  }

  /** An independent generator for one part of the seed (catalogue, people, orders…). */
  fork(label: string): Rng {
    return new Rng(this.nextU32() ^ hashString(label), hashString(label))
  }

  nextU32(): number {
    const a = this.a
    const b = this.b
    const c = this.c
    const d = this.d
    const t = (((a + b) | 0) + d) | 0
    this.d = (d + 1) | 0
    this.a = b ^ (b >>> 9)
    this.b = (c + (c << 3)) | 0
    const r = (c << 21) | (c >>> 11)
    this.c = (r + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0
    for (const w of weights) total += w
    let u = this.next() * total
    for (let i = 0; i < items.length; i++) {
      u -= weights[i] ?? 0
      if (u < 0) return items[i] as T
    }
    return items[items.length - 1] as T
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }

  /** `k` distinct items in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(k, items.length)))
  }

  /** Approximately normal (Irwin–Hall of 4), mean 0, sd 1. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * Math.sqrt(3)
  }

  /** Random base-62 characters (for Razorpay-style ids). */
  base62(length: number): string {
    let s = ''
    for (let i = 0; i < length; i++) s += BASE62[this.nextU32() % 62]
    return s
  }

  /**
   * A version-7 UUID whose time part is `ms` and whose random part comes from this
   * generator: ids sort by creation time (friendly to B-tree indexes) and are reproducible.
   */
  uuid7(ms: number): string {
    const t = Math.max(0, Math.floor(ms))
    const hi = Math.floor(t / 0x10000) // top 32 bits of the 48-bit timestamp
    const lo = t % 0x10000
    const r1 = this.nextU32()
    const r2 = this.nextU32()
    const r3 = this.nextU32()
    return (
      HEX[(hi >>> 24) & 255]! + HEX[(hi >>> 16) & 255]! + HEX[(hi >>> 8) & 255]! + HEX[hi & 255]! +
      '-' + HEX[(lo >>> 8) & 255]! + HEX[lo & 255]! +
      '-' + HEX[0x70 | ((r1 >>> 24) & 0x0f)]! + HEX[(r1 >>> 16) & 255]! +
      '-' + HEX[0x80 | ((r1 >>> 8) & 0x3f)]! + HEX[r1 & 255]! +
      '-' + HEX[(r2 >>> 24) & 255]! + HEX[(r2 >>> 16) & 255]! + HEX[(r2 >>> 8) & 255]! + HEX[r2 & 255]! +
      HEX[(r3 >>> 8) & 255]! + HEX[r3 & 255]!
    )
  }
}

/** Base-62 encoding of a non-negative integer, left-padded to `width`. */
export function toBase62(n: number, width: number): string {
  let s = ''
  let v = Math.floor(n)
  do {
    s = BASE62[v % 62] + s
    v = Math.floor(v / 62)
  } while (v > 0)
  return s.padStart(width, '0')
}

/** Index of the first element of the ascending array `cum` that is > x (binary search). */
export function upperBound(cum: ArrayLike<number>, x: number, hi = cum.length): number {
  let lo = 0
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((cum[mid] as number) <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
