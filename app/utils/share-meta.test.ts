import { describe, expect, it } from 'vitest'
import { absoluteUrl, previewImage, shareMeta } from './share-meta.ts'

describe('previewImage', () => {
  it('takes the first image a link preview can show', () => {
    const media = [
      { url: '/uploads/products/a.avif', type: 'image' },
      { url: '/uploads/products/b.mp4', type: 'video' },
      { url: 'https://res.cloudinary.com/x/image/upload/v1/c.JPG?w=800', type: 'image' },
      { url: '/uploads/products/d.png', type: 'image' },
    ]
    expect(previewImage(media)).toBe('https://res.cloudinary.com/x/image/upload/v1/c.JPG?w=800')
  })

  it("uses the seed's PNG card for a product that has only seed SVGs", () => {
    expect(previewImage([{ url: '/uploads/seed/indigo-linen-shirt-2-1.svg', type: 'image' }])).toBe('/uploads/seed/indigo-linen-shirt-2-preview.png')
  })

  it('has nothing for other SVGs, videos or no media', () => {
    expect(previewImage([{ url: '/uploads/products/logo.svg', type: 'image' }])).toBeUndefined()
    expect(previewImage([{ url: '/uploads/products/a.webm', type: 'video' }])).toBeUndefined()
    expect(previewImage([])).toBeUndefined()
  })
})

describe('shareMeta', () => {
  it('gives the canonical link, Open Graph tags and a large Twitter card when there is an image', () => {
    const tags = shareMeta({ url: 'https://shop.test/c/sarees?page=2', title: 'Sarees', description: 'Handloom classics.', siteName: 'Shop', image: absoluteUrl('https://shop.test', '/uploads/x.png') })
    expect(tags).toEqual(
      expect.arrayContaining([
        { tagName: 'link', rel: 'canonical', href: 'https://shop.test/c/sarees?page=2' },
        { property: 'og:url', content: 'https://shop.test/c/sarees?page=2' },
        { property: 'og:title', content: 'Sarees' },
        { property: 'og:description', content: 'Handloom classics.' },
        { property: 'og:image', content: 'https://shop.test/uploads/x.png' },
        { property: 'og:type', content: 'website' },
        { name: 'twitter:card', content: 'summary_large_image' },
      ]),
    )
    const without = shareMeta({ url: 'https://shop.test/', title: 'Shop', description: 'd', siteName: 'Shop' })
    expect(without.some((t) => 'property' in t && t.property === 'og:image')).toBe(false)
    expect(without).toContainEqual({ name: 'twitter:card', content: 'summary' })
  })

  it('keeps absolute image URLs as they are', () => {
    expect(absoluteUrl('https://shop.test', 'https://cdn.test/a.jpg')).toBe('https://cdn.test/a.jpg')
    expect(absoluteUrl('https://shop.test', 'uploads/a.jpg')).toBe('https://shop.test/uploads/a.jpg')
  })
})
