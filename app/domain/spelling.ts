/** How close a misspelt search word must be to a catalogue word to be corrected to it. */

/**
 * Edits allowed when correcting a word of this many characters: none below four (too many
 * short words are one edit apart), one up to five ("shrit" → "shirt"), two from six on.
 */
export function maxTypoEdits(length: number): number {
  return length < 4 ? 0 : length <= 5 ? 1 : 2
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each count one ("shrit" → "shirt" is 1, "jeens" → "jeans" is 1).
 * Compares code points; stops early with `max + 1` once the distance must exceed `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const s = Array.from(a)
  const t = Array.from(b)
  if (Math.abs(s.length - t.length) > max) return max + 1
  // Three rows of the dynamic-programming table: two back (for swaps), previous, current.
  let twoBack: number[] = []
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const cur = [i]
    let rowMin = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, twoBack[j - 2]! + 1)
      cur.push(d)
      rowMin = Math.min(rowMin, d)
    }
    if (rowMin > max) return max + 1
    twoBack = prev
    prev = cur
  }
  return Math.min(prev[t.length]!, max + 1)
}
