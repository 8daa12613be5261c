import { describe, expect, it } from 'vitest'
import { safeRedirect } from './session.server.ts'

describe('safeRedirect', () => {
  it.each([
    ['/', '/'],
    ['/account', '/account'],
    ['/checkout?step=review#total', '/checkout?step=review#total'],
    ['/search?q=kurta%20red&page=2', '/search?q=kurta%20red&page=2'],
    ['/admin/users?user=0190f000-0000-7000-8000-000000000000', '/admin/users?user=0190f000-0000-7000-8000-000000000000'],
    // Resolved on this site, then given back normalised.
    ['/a/../account', '/account'],
    ['/search?q=कुर्ता', '/search?q=%E0%A4%95%E0%A5%81%E0%A4%B0%E0%A5%8D%E0%A4%A4%E0%A4%BE'],
    // Encoded characters are only text in a path, never a way off the site.
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['/%5Cevil.example', '/%5Cevil.example'],
  ])('keeps the same-site path %j', (input, expected) => {
    expect(safeRedirect(input)).toBe(expected)
  })

  it.each([
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/\n',
    '/\x00/evil.example',
    '/\x7f/evil.example',
    '/./\t/evil.example',
    '/.//evil.example',
    '/..//evil.example',
    'javascript:alert(1)',
    ' javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://evil.example',
    'http:/evil.example',
    'evil.example',
    ' /account',
    '',
    `/${'a'.repeat(3000)}`,
  ])('refuses %j and falls back', (input) => {
    expect(safeRedirect(input)).toBe('/')
    expect(safeRedirect(input, '/cart')).toBe('/cart')
  })

  it('refuses what is not text', () => {
    expect(safeRedirect(null)).toBe('/')
    expect(safeRedirect(undefined)).toBe('/')
    expect(safeRedirect(new File(['/account'], 'x.txt'))).toBe('/')
  })
})
