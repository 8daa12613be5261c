import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signJwt, verifyJwt, type JwtPayload } from './jwt.server.ts'

const secret = 'test-jwt-secret-0123456789abcdef0123'
const payload: JwtPayload = { id: '0190f6c2-0000-7000-8000-000000000001', role: 'user', isPhoneVerified: true, name: 'Asha', avatar: null }
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

function forge(header: object, body: object, sign: (data: string) => string) {
  const data = `${b64(header)}.${b64(body)}`
  return `${data}.${sign(data)}`
}

describe('jwt', () => {
  it('accepts a valid token and returns its payload', () => {
    const token = signJwt(payload, secret)
    expect(verifyJwt(token, secret)).toMatchObject(payload)
  })

  it('rejects alg none (unsigned)', () => {
    const now = Math.floor(Date.now() / 1000)
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...payload, iat: now, exp: now + 600 })}.`
    expect(verifyJwt(token, secret)).toBeNull()
  })

  it('rejects HS512 even when signed with the right secret', () => {
    const now = Math.floor(Date.now() / 1000)
    const token = forge({ alg: 'HS512', typ: 'JWT' }, { ...payload, iat: now, exp: now + 600 }, (d) => createHmac('sha512', secret).update(d).digest('base64url'))
    expect(verifyJwt(token, secret)).toBeNull()
  })

  it('rejects a tampered payload', () => {
    const [h, , s] = signJwt(payload, secret).split('.')
    const now = Math.floor(Date.now() / 1000)
    const tampered = `${h}.${b64({ ...payload, role: 'admin', iat: now, exp: now + 600 })}.${s}`
    expect(verifyJwt(tampered, secret)).toBeNull()
  })

  it('rejects an expired token', () => {
    const token = signJwt(payload, secret, 60, Date.now() - 61_000)
    expect(verifyJwt(token, secret)).toBeNull()
    expect(verifyJwt(token, secret, Date.now() - 30_000)).not.toBeNull()
  })

  it('rejects a token signed with another secret', () => {
    expect(verifyJwt(signJwt(payload, 'another-secret-entirely-0123456789'), secret)).toBeNull()
  })

  it('rejects malformed tokens', () => {
    for (const t of ['', 'a.b', 'a.b.c', '...', `${b64({ alg: 'HS256' })}.not-json.x`]) expect(verifyJwt(t, secret)).toBeNull()
  })
})
