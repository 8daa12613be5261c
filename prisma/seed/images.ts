/**
 * Product images drawn locally as SVG (800×1000): a soft gradient, a few shapes, the
 * category's glyph and the product's initials. No network, no binary dependencies.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Glyph } from './data.ts'
import type { SeedProduct } from './catalogue.ts'
import { imageName } from './catalogue.ts'
import { Rng, hashString } from './rng.ts'

/** Outlines drawn in a 300×300 box centred on the origin. */
const GLYPHS: Record<Glyph, string> = {
  shirt:
    '<path d="M-60,-130 L-22,-112 L0,-82 L22,-112 L60,-130 L140,-88 L112,-18 L80,-34 L80,140 L-80,140 L-80,-34 L-112,-18 L-140,-88 Z"/>' +
    '<circle cx="0" cy="-40" r="6" fill-opacity=".5"/><circle cx="0" cy="10" r="6" fill-opacity=".5"/><circle cx="0" cy="60" r="6" fill-opacity=".5"/>',
  tee: '<path d="M-55,-130 Q0,-92 55,-130 L140,-88 L110,-22 L80,-38 L80,140 L-80,140 L-80,-38 L-110,-22 L-140,-88 Z"/>',
  kurta:
    '<path d="M-42,-145 Q0,-112 42,-145 L105,-118 L135,-5 L100,2 L86,-60 L110,150 L-110,150 L-86,-60 L-100,2 L-135,-5 L-105,-118 Z"/>' +
    '<path d="M0,-115 L0,-40" stroke="#000" stroke-opacity=".15" stroke-width="6"/>',
  saree:
    '<path d="M-120,-140 L120,-140 L120,120 Q60,95 0,125 Q-60,155 -120,125 Z"/>' +
    '<path d="M-120,-40 L120,-140 L120,-95 L-120,5 Z" fill-opacity=".45"/>' +
    '<path d="M-120,100 Q-60,130 0,100 Q60,70 120,95" stroke="#000" stroke-opacity=".15" stroke-width="10" fill="none"/>',
  jeans:
    '<path d="M-92,-145 L92,-145 L108,145 L32,145 L0,-35 L-32,145 L-108,145 Z"/>' +
    '<path d="M-92,-118 L92,-118" stroke="#000" stroke-opacity=".15" stroke-width="6"/>',
  shoe: '<path d="M-145,45 L-145,-25 Q-125,-38 -100,-25 L-40,-62 Q-8,-40 22,-22 L112,8 Q152,24 148,62 L148,82 L-145,82 Z"/><path d="M-145,82 L148,82 L148,100 L-145,100 Z" fill-opacity=".6"/>',
  bag:
    '<path d="M-110,-40 L110,-40 L95,135 L-95,135 Z"/>' +
    '<path d="M-58,-40 Q-58,-135 0,-135 Q58,-135 58,-40" stroke="#fff" stroke-width="16" fill="none"/>',
  kids: '<path d="M-40,-130 L40,-130 L52,-62 L132,132 L-132,132 L-52,-62 Z"/><circle cx="0" cy="-100" r="14" fill-opacity=".5"/>',
  ethnic:
    '<path d="M-48,-145 L0,-122 L48,-145 L120,-104 L142,40 L110,46 L100,-18 L100,150 L-100,150 L-100,-18 L-110,46 L-142,40 L-120,-104 Z"/>' +
    '<circle cx="0" cy="-80" r="7" fill-opacity=".5"/><circle cx="0" cy="-30" r="7" fill-opacity=".5"/><circle cx="0" cy="20" r="7" fill-opacity=".5"/><circle cx="0" cy="70" r="7" fill-opacity=".5"/>',
  active: '<path d="M35,-150 L-85,22 L-12,22 L-42,150 L85,-32 L12,-32 Z"/>',
}

function hsl(h: number, s: number, l: number): string {
  h = ((h % 360) + 360) % 360
  s /= 100
  l /= 100
  const k = (n: number) => (n + h / 30) % 12
  const a = s * Math.min(l, 1 - l)
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))
  const hex = (x: number) => Math.round(x * 255).toString(16).padStart(2, '0')
  return `#${hex(f(0))}${hex(f(8))}${hex(f(4))}`
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const SKIP = new Set(["men's", "women's", 'with', 'and', 'in', 'the'])

export function initials(name: string): string {
  const words = name.split(/\s+/).filter((w) => !SKIP.has(w.toLowerCase()) && /^[A-Za-z]/.test(w))
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('')
}

/** The SVG text of image `n` (1-based) of a product. */
export function productSvg(product: SeedProduct, n: number): string {
  const rng = new Rng(hashString(product.slug), n)
  const [h1, h2] = product.category.def.hues
  const shift = rng.int(-25, 25) + (n - 1) * 18
  const top = hsl(h1 + shift, 62, 72 - (n - 1) * 6)
  const bottom = hsl(h2 + shift, 55, 34 - (n - 1) * 4)
  const angle = rng.int(0, 1)
  const shapes: string[] = []
  for (let i = 0; i < 4; i++) {
    shapes.push(
      `<circle cx="${rng.int(-100, 900)}" cy="${rng.int(-100, 1100)}" r="${rng.int(90, 320)}" fill="#fff" fill-opacity="${(0.04 + rng.next() * 0.08).toFixed(3)}"/>`,
    )
  }
  if (n === 2) {
    // A dotted textile pattern for the detail view.
    for (let y = 60; y < 1000; y += 70) {
      for (let x = 60 + ((y / 70) % 2) * 35; x < 800; x += 70) {
        shapes.push(`<circle cx="${x}" cy="${y}" r="5" fill="#fff" fill-opacity=".12"/>`)
      }
    }
  }
  const scale = n === 3 ? 1.15 : 1.45
  const glyph = GLYPHS[product.category.def.glyph]
  const brand = escapeXml(product.brand.toUpperCase())
  const label = escapeXml(product.name)
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 1000" width="800" height="1000" role="img" aria-label="${label}">
  <title>${label}</title>
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="${angle}" y2="1">
      <stop offset="0" stop-color="${top}"/>
      <stop offset="1" stop-color="${bottom}"/>
    </linearGradient>
    <radialGradient id="glow" cx=".32" cy=".28" r=".75">
      <stop offset="0" stop-color="#fff" stop-opacity=".35"/>
      <stop offset="1" stop-color="#fff" stop-opacity="0"/>
    </radialGradient>
  </defs>
  <rect width="800" height="1000" fill="url(#bg)"/>
  <rect width="800" height="1000" fill="url(#glow)"/>
  ${shapes.join('\n  ')}
  ${n === 3 ? '<circle cx="400" cy="430" r="260" fill="none" stroke="#fff" stroke-opacity=".35" stroke-width="4"/>' : ''}
  <g transform="translate(400 430) scale(${scale})" fill="#fff" fill-opacity=".88">${glyph}</g>
  <text x="400" y="790" text-anchor="middle" font-family="Georgia, 'Times New Roman', serif" font-size="110" font-weight="bold" fill="#fff" letter-spacing="10">${escapeXml(initials(product.name))}</text>
  <text x="400" y="870" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="30" fill="#fff" fill-opacity=".85" letter-spacing="6">${brand}</text>
</svg>
`
}

/**
 * Writes every product's images to `<uploadDir>/seed/`, replacing earlier seed images
 * (that folder belongs to the seed; uploaded media live elsewhere).
 */
export async function writeProductImages(
  uploadDir: string,
  products: SeedProduct[],
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const dir = path.join(uploadDir, 'seed')
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const jobs: Array<[SeedProduct, number]> = []
  for (const p of products) for (let n = 1; n <= p.imageCount; n++) jobs.push([p, n])
  const total = jobs.length
  let done = 0
  const worker = async () => {
    for (let job = jobs.pop(); job; job = jobs.pop()) {
      const [p, n] = job
      await writeFile(path.join(dir, `${imageName(p.slug, n)}.svg`), productSvg(p, n))
      done++
      if (done % 50 === 0) onProgress?.(done, total)
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  onProgress?.(total, total)
  return total
}
