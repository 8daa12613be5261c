/**
 * Who is asking, and may they? Guards for loaders, actions and API routes. A request is
 * authenticated by a bearer JWT (API clients) or by the session cookie (browsers).
 * Pages redirect anonymous visitors to /login?redirectTo=…; API paths get 401/403 JSON.
 */
import { redirect } from 'react-router'
import { hasPermission, type Permission, type Role } from '#app/domain/permissions.ts'
import { getAuthUser, type AuthUser } from '#app/services/identity.server.ts'
import { verifyJwt } from './jwt.server.ts'
import { getRuntime } from './runtime.server.ts'
import { getSession } from './session.server.ts'

export type { AuthUser }

const userByRequest = new WeakMap<Request, Promise<AuthUser | null>>()

export function isApiRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith('/api/')
}

export function apiError(status: number, code: string, message: string, extra?: Record<string, unknown>): Response {
  return Response.json({ error: { code, message, ...extra } }, { status })
}

/** The signed-in user, or null. Memoised per request. */
export function getOptionalUser(request: Request): Promise<AuthUser | null> {
  let p = userByRequest.get(request)
  if (!p) {
    p = resolveUser(request)
    userByRequest.set(request, p)
  }
  return p
}

async function resolveUser(request: Request): Promise<AuthUser | null> {
  const auth = request.headers.get('Authorization')
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth)
    const claims = m?.[1] ? verifyJwt(m[1], getRuntime().env.JWT_SECRET) : null
    if (!claims) throw isApiRequest(request) ? apiError(401, 'UNAUTHENTICATED', 'The bearer token is invalid or expired.') : redirectToLogin(request)
    return getAuthUser(claims.id)
  }
  const session = await getSession(request)
  const userId = session.get('userId')
  return userId ? getAuthUser(userId) : null
}

function redirectToLogin(request: Request): Response {
  const url = new URL(request.url)
  const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` })
  return redirect(`/login?${params}`)
}

export async function requireUser(request: Request): Promise<AuthUser> {
  const user = await getOptionalUser(request)
  if (user) return user
  throw isApiRequest(request) ? apiError(401, 'UNAUTHENTICATED', 'Sign in to continue.') : redirectToLogin(request)
}

function forbidden(request: Request): Response {
  return isApiRequest(request)
    ? apiError(403, 'FORBIDDEN', 'Your account is not allowed to do this.')
    : new Response('Your account is not allowed to see this page.', { status: 403 })
}

export async function requireRole(request: Request, ...roles: Role[]): Promise<AuthUser> {
  const user = await requireUser(request)
  if (!roles.includes(user.role)) throw forbidden(request)
  return user
}

export async function requirePermission(request: Request, permission: Permission): Promise<AuthUser> {
  const user = await requireUser(request)
  if (!hasPermission(user, permission)) throw forbidden(request)
  return user
}
