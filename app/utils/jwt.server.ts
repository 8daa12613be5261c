/** JSON Web Tokens for API clients: HS256 only; any other `alg` (including `none`) is refused. */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { ROLES } from '#app/domain/permissions.ts'

export const JwtPayloadSchema = z.object({
  id: z.string().min(1),
  role: z.enum(ROLES),
  isPhoneVerified: z.boolean(),
  name: z.string(),
  avatar: z.string().nullable(),
})
export type JwtPayload = z.infer<typeof JwtPayloadSchema>

/** What a verified token carries: the payload plus its times (built once, not per request). */
const JwtClaimsSchema = JwtPayloadSchema.extend({ exp: z.number(), iat: z.number() })

export const JWT_TTL_SECONDS = 60 * 60

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url')

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest()
}

export function signJwt(payload: JwtPayload, secret: string, ttlSeconds = JWT_TTL_SECONDS, now = Date.now()): string {
  const iat = Math.floor(now / 1000)
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64url(JSON.stringify({ ...payload, iat, exp: iat + ttlSeconds }))
  return `${header}.${body}.${b64url(hmac(secret, `${header}.${body}`))}`
}

/** The payload of a valid, unexpired HS256 token signed with `secret`, or null. */
export function verifyJwt(token: string, secret: string, now = Date.now()): (JwtPayload & { exp: number; iat: number }) | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const [h, p, s] = parts as [string, string, string]
  let header: unknown
  let claims: unknown
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  // Pin the algorithm: never let the token choose how it is verified.
  if (!header || typeof header !== 'object' || (header as { alg?: unknown }).alg !== 'HS256') return null
  const expected = hmac(secret, `${h}.${p}`)
  const given = Buffer.from(s, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  const parsed = JwtClaimsSchema.safeParse(claims)
  if (!parsed.success) return null
  if (parsed.data.exp * 1000 <= now) return null
  return parsed.data
}
