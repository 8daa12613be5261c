/**
 * Web sessions: a signed, httpOnly, SameSite=Lax cookie holding only a random session id;
 * the data lives server-side (Redis, or in-process) for 7 days.
 */
import { randomBytes } from 'node:crypto'
import { createCookie, createSessionStorage, redirect, type Session } from 'react-router'
import type { CheckoutState } from '#app/domain/checkout.ts'
import { mergeGuestCartAtSignIn } from './cart-cookie.server.ts'
import { getRuntime } from './runtime.server.ts'

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000

export interface SessionData {
  userId?: string
  /** where to go after the login flow (Google round trip) */
  redirectTo?: string
  /** web login step 2: the number a code was sent to (kept out of the URL) and until when it is good */
  otpPhone?: { phone: string; expiresAt: number }
  /** the shopper's checkout choices between steps (address, payment method; never prices) */
  checkout?: CheckoutState
}
export interface SessionFlash {
  flash: { kind: 'success' | 'error'; message: string }
}

type Storage = ReturnType<typeof createSessionStorage<SessionData, SessionFlash>>
const g = globalThis as unknown as { __sessionStorage?: Storage }

function storage(): Storage {
  if (g.__sessionStorage) return g.__sessionStorage
  const { env, sessions } = getRuntime()
  const cookie = createCookie('__session', {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.NODE_ENV === 'production',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
    secrets: [env.SESSION_SECRET],
  })
  g.__sessionStorage = createSessionStorage<SessionData, SessionFlash>({
    cookie,
    async createData(data, expires) {
      const id = randomBytes(24).toString('base64url')
      await sessions.set(id, data as Record<string, unknown>, ttl(expires))
      return id
    },
    async readData(id) {
      return sessions.get(id)
    },
    async updateData(id, data, expires) {
      await sessions.set(id, data as Record<string, unknown>, ttl(expires))
    },
    async deleteData(id) {
      await sessions.destroy(id)
    },
  })
  return g.__sessionStorage
}

function ttl(expires: Date | undefined) {
  return expires ? Math.max(expires.getTime() - Date.now(), 1_000) : SESSION_TTL_MS
}

export async function getSession(request: Request): Promise<Session<SessionData, SessionFlash>> {
  return storage().getSession(request.headers.get('Cookie'))
}

export async function commitSession(session: Session<SessionData, SessionFlash>): Promise<string> {
  return storage().commitSession(session, { maxAge: SESSION_TTL_MS / 1000 })
}

/**
 * Signs a user in: the old session (if any) is destroyed and a new id issued, so a
 * session id planted before login is worthless after it.
 */
export async function createUserSession(request: Request, userId: string, redirectTo: string): Promise<Response> {
  const old = await getSession(request)
  const headers = new Headers()
  if (old.id) await storage().destroySession(old)
  const fresh = await storage().getSession()
  fresh.set('userId', userId)
  headers.append('Set-Cookie', await commitSession(fresh))
  // A guest's cart joins the user's cart; the guest cookie is cleared.
  const clearCart = await mergeGuestCartAtSignIn(request, userId)
  if (clearCart) headers.append('Set-Cookie', clearCart)
  return redirect(safeRedirect(redirectTo), { headers })
}

/** Destroys the server-side session and clears the cookie. */
export async function logout(request: Request, redirectTo = '/'): Promise<Response> {
  const session = await getSession(request)
  return redirect(safeRedirect(redirectTo), { headers: { 'Set-Cookie': await storage().destroySession(session) } })
}

const REDIRECT_BASE = 'http://local.invalid'

/**
 * Only paths on this site; anything else goes to `fallback` (no open redirects). Control
 * characters and backslashes are refused outright: browsers drop tabs and newlines and read
 * `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = '/'): string {
  if (!to || typeof to !== 'string' || to.length > 2048) return fallback
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!to.startsWith('/') || to.startsWith('//') || /[\x00-\x1f\x7f\\]/.test(to)) return fallback
  let url: URL
  try {
    url = new URL(to, REDIRECT_BASE)
  } catch {
    return fallback
  }
  if (url.origin !== REDIRECT_BASE || !url.pathname.startsWith('/') || url.pathname.startsWith('//')) return fallback
  return `${url.pathname}${url.search}${url.hash}`
}
