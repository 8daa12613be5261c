import { describe, expect, it } from 'vitest'
import { editDistance, maxTypoEdits } from './spelling.ts'

describe('editDistance', () => {
  it.each([
    ['shirt', 'shirt', 0],
    ['shrit', 'shirt', 1], // neighbours swapped
    ['jeens', 'jeans', 1], // substitution
    ['kurtha', 'kurta', 1], // insertion
    ['shirt', 'shirts', 1],
    ['short', 'shirt', 1],
    ['shrit', 'short', 2],
    ['shrit', 'skirt', 2],
    ['ab', 'ba', 1],
    ['', 'abc', 3],
    ['saree', 'sari', 2],
    ['zzqxv', 'shirt', 5],
  ])('%s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
    expect(editDistance(b, a)).toBe(d)
  })

  it('counts characters, not UTF-16 units', () => {
    expect(editDistance('café', 'cafe')).toBe(1)
    expect(editDistance('👕shirt', 'shirt')).toBe(1)
  })

  it('stops at max + 1 once the distance is larger', () => {
    expect(editDistance('zzqxv', 'shirt', 1)).toBe(2)
    expect(editDistance('a', 'abcdef', 2)).toBe(3)
    expect(editDistance('shrit', 'shirt', 1)).toBe(1)
  })
})

describe('maxTypoEdits', () => {
  it('corrects nothing under four characters, one edit up to five, two from six', () => {
    expect([3, 4, 5, 6, 12].map(maxTypoEdits)).toEqual([0, 1, 1, 2, 2])
  })
})
