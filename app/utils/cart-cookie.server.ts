/**
 * The web adapter for carts: a guest's cart token lives in its own signed, httpOnly,
 * SameSite=Lax `cart` cookie; a signed-in user's cart is found by their id.
 */
import { randomBytes } from 'node:crypto'
import { createCookie, type Cookie } from 'react-router'
import { mergeGuestCart, type CartOwner } from '#app/services/cart.server.ts'
import { getLogger } from './logger.server.ts'
import { getRuntime } from './runtime.server.ts'

const GUEST_CART_MAX_AGE = 30 * 24 * 60 * 60
const g = globalThis as unknown as { __cartCookie?: Cookie }

function cartCookie(): Cookie {
  if (g.__cartCookie) return g.__cartCookie
  const { env } = getRuntime()
  g.__cartCookie = createCookie('cart', {
    httpOnly: true,
    sameSite: 'lax',
    secure: env.NODE_ENV === 'production',
    path: '/',
    maxAge: GUEST_CART_MAX_AGE,
    secrets: [env.SESSION_SECRET],
  })
  return g.__cartCookie
}

/** The guest cart token from the request's signed cookie, or null. */
export async function getGuestToken(request: Request): Promise<string | null> {
  const value: unknown = await cartCookie().parse(request.headers.get('Cookie'))
  return typeof value === 'string' && /^[\w-]{20,64}$/.test(value) ? value : null
}

/**
 * Whose cart this request reads: the signed-in user's (pass them from getOptionalUser),
 * the guest's, or none yet (a guest who never added anything).
 */
export async function getCartOwner(request: Request, user: { id: string } | null): Promise<CartOwner | null> {
  if (user) return { userId: user.id }
  const guestToken = await getGuestToken(request)
  return guestToken ? { guestToken } : null
}

/**
 * The cart owner for a write; a guest without a token gets a new one, and `setCookie`
 * holds the header that must go out with the response.
 */
export async function getOrCreateCartOwner(request: Request, user: { id: string } | null): Promise<{ owner: CartOwner; setCookie: string | null }> {
  const owner = await getCartOwner(request, user)
  if (owner) return { owner, setCookie: null }
  const guestToken = randomBytes(24).toString('base64url')
  return { owner: { guestToken }, setCookie: await cartCookie().serialize(guestToken) }
}

/**
 * Called at sign-in: merges the guest cart (if any) into the user's and returns the
 * Set-Cookie header that clears the guest cookie (null when there was none). A failed
 * merge must not block signing in; it is logged and the guest cart kept.
 */
export async function mergeGuestCartAtSignIn(request: Request, userId: string): Promise<string | null> {
  const guestToken = await getGuestToken(request)
  if (!guestToken) return null
  try {
    await mergeGuestCart(guestToken, userId)
  } catch (err) {
    getLogger().error('guest cart merge failed', { userId, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    return null
  }
  return cartCookie().serialize('', { maxAge: 0, expires: new Date(0) })
}
