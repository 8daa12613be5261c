/**
 * Product images drawn locally as SVG (800×1000): a soft gradient, a few shapes, the
 * category's glyph and the product's initials. Link previews (Open Graph) need a raster
 * image, so each product also gets a PNG card (1200×630) of the same gradient and glyph,
 * encoded here with node:zlib. No network, no binary dependencies.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { constants, crc32, deflate } from 'node:zlib'
import type { Glyph } from './data.ts'
import type { SeedProduct } from './catalogue.ts'
import { imageName, previewName } from './catalogue.ts'
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

/** HSL (degrees, percent, percent) → [r, g, b], 0–255. */
function hslRgb(h: number, s: number, l: number): [number, number, number] {
  h = ((h % 360) + 360) % 360
  s /= 100
  l /= 100
  const k = (n: number) => (n + h / 30) % 12
  const a = s * Math.min(l, 1 - l)
  const f = (n: number) => Math.round((l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))) * 255)
  return [f(0), f(8), f(4)]
}

function hsl(h: number, s: number, l: number): string {
  return `#${hslRgb(h, s, l)
    .map((x) => x.toString(16).padStart(2, '0'))
    .join('')}`
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

/** The gradient's two colours (HSL) of image `n` of a product; the PNG card uses those of image 1. */
function gradientOf(product: SeedProduct, n: number, rng: Rng): [[number, number, number], [number, number, number]] {
  const [h1, h2] = product.category.def.hues
  const shift = rng.int(-25, 25) + (n - 1) * 18
  return [
    [h1 + shift, 62, 72 - (n - 1) * 6],
    [h2 + shift, 55, 34 - (n - 1) * 4],
  ]
}

/** The SVG text of image `n` (1-based) of a product. */
export function productSvg(product: SeedProduct, n: number): string {
  const rng = new Rng(hashString(product.slug), n)
  const [topHsl, bottomHsl] = gradientOf(product, n, rng)
  const top = hsl(...topHsl)
  const bottom = hsl(...bottomHsl)
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

export const PREVIEW_WIDTH = 1200
export const PREVIEW_HEIGHT = 630

/**
 * The product's link-preview card as a PNG (1200×630, the Open Graph size): the gradient of
 * its first image, top to bottom, with the category's glyph in white. A palette image: 128
 * gradient bands (finer than 8-bit colour steps anyway) and their white-tinted twins for the
 * glyph. Rows are stored with the PNG "Sub" filter (each byte minus the one before it), so a
 * row is zeros but where the glyph starts and ends: cheap to build and to compress.
 */
export async function productPreviewPng(product: SeedProduct): Promise<Buffer> {
  const [topHsl, bottomHsl] = gradientOf(product, 1, new Rng(hashString(product.slug), 1))
  const top = hslRgb(...topHsl)
  const bottom = hslRgb(...bottomHsl)
  const w = PREVIEW_WIDTH
  const h = PREVIEW_HEIGHT
  const BANDS = 128
  // Palette: band b is colour b, the glyph over band b is colour BANDS + b.
  const palette = Buffer.alloc(BANDS * 2 * 3)
  for (let b = 0; b < BANDS; b++) {
    for (let c = 0; c < 3; c++) {
      const bg = top[c]! + ((bottom[c]! - top[c]!) * b) / (BANDS - 1)
      palette[b * 3 + c] = Math.round(bg)
      palette[(BANDS + b) * 3 + c] = Math.round(bg + (255 - bg) * 0.88)
    }
  }
  // The glyph (a 300×300 box) at 1.45×, centred: its outline as polygons, filled even-odd.
  const scale = 1.45
  const polygons = glyphPolygons(GLYPHS[product.category.def.glyph]).map((poly) => poly.map(([x, y]) => [w / 2 + x * scale, h / 2 + y * scale] as const))
  const stride = w + 1
  const rows = Buffer.alloc(stride * h)
  for (let y = 0; y < h; y++) {
    const row = y * stride
    const band = Math.floor((y * BANDS) / h)
    rows[row] = 1 // Sub
    // A pixel is in the glyph when its centre is: pixels ceil(from - ½) … ceil(to - ½) - 1,
    // merged where the spans of two outlines touch.
    const runs: [number, number][] = []
    for (const [from, to] of scanline(polygons, y + 0.5)) {
      const x0 = Math.max(0, Math.ceil(from - 0.5))
      const x1 = Math.min(w, Math.ceil(to - 0.5))
      if (x1 <= x0) continue
      const last = runs[runs.length - 1]
      if (last && x0 <= last[1]) last[1] = Math.max(last[1], x1)
      else runs.push([x0, x1])
    }
    rows[row + 1] = runs[0]?.[0] === 0 ? BANDS + band : band
    for (const [x0, x1] of runs) {
      if (x0 > 0) rows[row + 1 + x0] = BANDS
      if (x1 < w) rows[row + 1 + x1] = 256 - BANDS
    }
  }
  return encodePng(w, h, palette, rows)
}

/** The filled `<path d>` outlines of a glyph (lines, quadratic curves flattened), without its strokes and dots. */
function glyphPolygons(svg: string): [number, number][][] {
  const polygons: [number, number][][] = []
  for (const [, d] of svg.matchAll(/<path d="([^"]+)"(?![^>]*stroke=)/g)) {
    const tokens = d!.match(/[MLQZ]|-?\d+(?:\.\d+)?/g) ?? []
    let poly: [number, number][] = []
    for (let i = 0; i < tokens.length; ) {
      const cmd = tokens[i++]
      const num = () => Number(tokens[i++])
      if (cmd === 'M' || cmd === 'L') {
        if (cmd === 'M' && poly.length) polygons.push(poly)
        if (cmd === 'M') poly = []
        poly.push([num(), num()])
      } else if (cmd === 'Q') {
        const [x0, y0] = poly[poly.length - 1] ?? [0, 0]
        const [cx, cy, x1, y1] = [num(), num(), num(), num()]
        for (let k = 1; k <= 8; k++) {
          const t = k / 8
          const u = 1 - t
          poly.push([u * u * x0 + 2 * u * t * cx + t * t * x1, u * u * y0 + 2 * u * t * cy + t * t * y1])
        }
      } else if (cmd === 'Z') {
        polygons.push(poly)
        poly = []
      }
    }
    if (poly.length) polygons.push(poly)
  }
  return polygons
}

/** The [from, to) x-spans of row `y` inside the polygons (even-odd rule over all of them), left to right. */
function scanline(polygons: (readonly (readonly [number, number])[])[], y: number): [number, number][] {
  const xs: number[] = []
  for (const poly of polygons) {
    for (let i = 0; i < poly.length; i++) {
      const [x0, y0] = poly[i]!
      const [x1, y1] = poly[(i + 1) % poly.length]!
      if (y0 <= y !== y1 <= y) xs.push(x0 + ((y - y0) / (y1 - y0)) * (x1 - x0))
    }
  }
  xs.sort((a, b) => a - b)
  const spans: [number, number][] = []
  for (let i = 0; i + 1 < xs.length; i += 2) spans.push([xs[i]!, xs[i + 1]!])
  return spans
}

const deflateAsync = promisify(deflate)

/** A palette PNG of 8-bit indices; each row already starts with its filter type byte (compressed off the main thread). */
async function encodePng(width: number, height: number, palette: Buffer, rows: Buffer): Promise<Buffer> {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 3, 0, 0, 0], 8) // 8-bit palette indices, deflate, adaptive filters, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('PLTE', palette),
    // Run-length matching suits rows of zeros and is several times faster than the default.
    chunk('IDAT', await deflateAsync(rows, { level: 9, strategy: constants.Z_RLE })),
    chunk('IEND', Buffer.alloc(0)),
  ])
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
  // n = 0: the link-preview card.
  const jobs: Array<[SeedProduct, number]> = []
  for (const p of products) for (let n = 0; n <= p.imageCount; n++) jobs.push([p, n])
  const total = jobs.length
  let done = 0
  const worker = async () => {
    for (let job = jobs.pop(); job; job = jobs.pop()) {
      const [p, n] = job
      if (n === 0) await writeFile(path.join(dir, `${previewName(p.slug)}.png`), await productPreviewPng(p))
      else await writeFile(path.join(dir, `${imageName(p.slug, n)}.svg`), productSvg(p, n))
      done++
      if (done % 50 === 0) onProgress?.(done, total)
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  onProgress?.(total, total)
  return total
}
