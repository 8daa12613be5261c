/**
 * Sign-in with Google (OAuth 2.0 authorization code + PKCE) through remix-auth and
 * @coji/remix-auth-google. Enabled only when GOOGLE_CLIENT_ID/SECRET are set. The
 * endpoints come from the environment (Google's by default) so tests can use a fake.
 */
import { GoogleStrategy, type GoogleStrategyOptions } from '@coji/remix-auth-google'
import type { OAuth2Strategy } from 'remix-auth-oauth2'
import { Strategy } from 'remix-auth/strategy'
import { z } from 'zod'
import { upsertUserByGoogle, type AuthUser } from '#app/services/identity.server.ts'
import type { Env } from './env.server.ts'
import { getLogger } from './logger.server.ts'
import { getRuntime } from './runtime.server.ts'

/** Cookie (prefix) holding the OAuth state and PKCE verifier between redirect and callback. */
export const GOOGLE_STATE_COOKIE = 'google-oauth'
export const GOOGLE_CALLBACK_PATH = '/auth/google/callback'

/** Whether "Continue with Google" should be offered (the login page calls this). */
export function isGoogleEnabled(env: Env = getRuntime().env): boolean {
  return Boolean(env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET)
}

const UserInfoSchema = z.object({
  sub: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  picture: z.string().optional(),
})

/**
 * GoogleStrategy with overridable endpoints: the library fixes Google's URLs in its
 * constructor, but keeps them in `options`, which a subclass may replace.
 */
class ConfigurableGoogleStrategy<User> extends GoogleStrategy<User> {
  constructor(
    options: GoogleStrategyOptions & { authorizationEndpoint: string; tokenEndpoint: string; secureCookie: boolean },
    verify: ConstructorParameters<typeof OAuth2Strategy<User>>[1],
  ) {
    super(options, verify)
    this.options = {
      ...this.options,
      authorizationEndpoint: options.authorizationEndpoint,
      tokenEndpoint: options.tokenEndpoint,
      cookie: { name: GOOGLE_STATE_COOKIE, sameSite: 'Lax', path: '/', ...(options.secureCookie ? { secure: true as const } : {}) },
    }
  }
}

/** The Google account's profile, read from the userinfo endpoint with the access token. */
async function fetchProfile(env: Env, accessToken: string) {
  const res = await fetch(env.GOOGLE_USERINFO_URL, { headers: { Authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`Google userinfo answered ${res.status}`)
  return UserInfoSchema.parse(await res.json())
}

async function verifyGoogle(env: Env, accessToken: string): Promise<AuthUser> {
  const info = await fetchProfile(env, accessToken)
  // Only a verified address is worth storing; it is unique, so one already used by
  // another account is left off rather than linking the accounts silently.
  const email = info.email && info.email_verified !== false ? info.email.toLowerCase() : null
  const profile = { googleId: info.sub, email, name: info.name ?? '', avatar: info.picture ?? null }
  try {
    return await upsertUserByGoogle(profile)
  } catch (err) {
    if (email && (err as { code?: string }).code === 'P2002') {
      getLogger().warn('google sign-in: email already belongs to another account; signing in without it', { googleId: info.sub })
      return upsertUserByGoogle({ ...profile, email: null })
    }
    throw err
  }
}

/** The redirect URI Google sends the browser back to: PUBLIC_URL, or this request's origin. */
export function googleRedirectUri(request: Request, env: Env = getRuntime().env): string {
  const base = env.PUBLIC_URL ?? new URL(request.url).origin
  return new URL(GOOGLE_CALLBACK_PATH, base).toString()
}

/**
 * Strategies by redirect URI. With PUBLIC_URL there is one; without it the URI follows the
 * request's Host header, which any client can set, so only plausible origins are kept, and
 * only the most recently used few (a flood of made-up hosts cannot grow the map).
 */
const strategies = new Map<string, ConfigurableGoogleStrategy<AuthUser>>()
const MAX_CACHED_STRATEGIES = 16
const PLAUSIBLE_CALLBACK = /^https?:\/\/(?:[a-z\d](?:[a-z\d-]*[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]*[a-z\d])?)*|\[[\da-f:.]+\])(?::\d{1,5})?\/auth\/google\/callback$/i

/** The strategy for this request's redirect URI (one per origin, reused). */
export function getGoogleStrategy(request: Request, env: Env = getRuntime().env): ConfigurableGoogleStrategy<AuthUser> | null {
  if (!isGoogleEnabled(env) || !env.GOOGLE_CLIENT_ID || !env.GOOGLE_CLIENT_SECRET) return null
  const redirectURI = googleRedirectUri(request, env)
  let strategy = strategies.get(redirectURI)
  if (strategy) {
    // Most recently used last: the first entry is the one to evict.
    strategies.delete(redirectURI)
    strategies.set(redirectURI, strategy)
  } else {
    strategy = new ConfigurableGoogleStrategy<AuthUser>(
      {
        clientId: env.GOOGLE_CLIENT_ID,
        clientSecret: env.GOOGLE_CLIENT_SECRET,
        redirectURI,
        authorizationEndpoint: env.GOOGLE_AUTH_URL,
        tokenEndpoint: env.GOOGLE_TOKEN_URL,
        secureCookie: env.NODE_ENV === 'production',
        prompt: 'select_account',
      },
      async ({ tokens }) => verifyGoogle(env, tokens.accessToken()),
    )
    if (PLAUSIBLE_CALLBACK.test(redirectURI)) {
      if (strategies.size >= MAX_CACHED_STRATEGIES) strategies.delete(strategies.keys().next().value as string)
      strategies.set(redirectURI, strategy)
    }
  }
  return strategy
}

/**
 * Runs the Google strategy: without `state` in the URL it throws the redirect to Google
 * (with the state cookie); on the callback it exchanges the code, reads the profile and
 * returns the (possibly just created) user. Throws on any failure of the round trip.
 */
export async function authenticateWithGoogle(request: Request): Promise<AuthUser> {
  const strategy = getGoogleStrategy(request)
  if (!strategy) throw new Error('Google sign-in is not configured')
  return strategy.authenticate(request)
}

/**
 * The Google sign-in as registered on the shared authenticator ('google'). It resolves the
 * per-origin GoogleStrategy at request time, since the redirect URI may follow the request.
 */
export class GoogleSignInStrategy extends Strategy<AuthUser, never> {
  name = 'google'
  constructor() {
    super(() => Promise.reject(new Error('unused: the inner GoogleStrategy verifies')))
  }
  async authenticate(request: Request): Promise<AuthUser> {
    return authenticateWithGoogle(request)
  }
}

/** Set-Cookie values that delete the OAuth state cookies this request carried. */
export function clearGoogleStateCookies(request: Request): string[] {
  const header = request.headers.get('Cookie') ?? ''
  return header
    .split(';')
    .map((c) => c.trim().split('=')[0] ?? '')
    .filter((name) => name.startsWith(GOOGLE_STATE_COOKIE))
    .map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`)
}
