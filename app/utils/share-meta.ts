/** Tags for search engines and link previews (Open Graph, Twitter cards); shared by the shop's pages. */
import type { MetaDescriptor } from 'react-router'

/** `u` as an absolute URL: kept when it already is one, else put after `origin`. */
export function absoluteUrl(origin: string, u: string): string {
  return /^https?:\/\//i.test(u) ? u : `${origin}${u.startsWith('/') ? '' : '/'}${u}`
}

/** Formats that link previews show (Facebook, X, WhatsApp, Slack…); SVG and AVIF are not among them. */
const PREVIEWABLE = /\.(jpe?g|png|webp|gif)$/i
/** An image of the demo seed: an SVG, with a PNG card for link previews beside it (prisma/seed/images.ts). */
const SEED_SVG = /^\/uploads\/seed\/([a-z0-9-]+)-\d+\.svg$/

/** For a product's link preview: its first JPEG, PNG, WebP or GIF image, else the seed's card for its SVGs, else undefined. */
export function previewImage(media: readonly { url: string; type: string }[]): string | undefined {
  const images = media.filter((m) => m.type === 'image')
  const shown = images.find((m) => PREVIEWABLE.test(new URL(m.url, 'http://x').pathname))
  if (shown) return shown.url
  const seeded = images.map((m) => SEED_SVG.exec(m.url)?.[1]).find(Boolean)
  return seeded ? `/uploads/seed/${seeded}-preview.png` : undefined
}

export interface ShareMeta {
  /** the page's canonical, absolute URL */
  url: string
  title: string
  description: string
  siteName: string
  /** absolute URL of a JPEG, PNG, WebP or GIF */
  image?: string
  type?: 'website' | 'product'
}

/** Description, canonical link, Open Graph and Twitter card tags (not the document title). */
export function shareMeta(m: ShareMeta): MetaDescriptor[] {
  return [
    { name: 'description', content: m.description },
    { tagName: 'link', rel: 'canonical', href: m.url },
    { property: 'og:title', content: m.title },
    { property: 'og:description', content: m.description },
    { property: 'og:type', content: m.type ?? 'website' },
    { property: 'og:url', content: m.url },
    { property: 'og:site_name', content: m.siteName },
    ...(m.image ? [{ property: 'og:image', content: m.image }] : []),
    { name: 'twitter:card', content: m.image ? 'summary_large_image' : 'summary' },
  ]
}
