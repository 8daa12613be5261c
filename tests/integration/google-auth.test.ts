// Sign-in with Google against a local fake of Google's endpoints: the button only when
// configured, redirect → consent → callback → token exchange (PKCE) → profile → session,
// one user per Google account however often (or however many at once: 50) the flow runs,
// and an email another account already has stays with that account.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGoogle, type FakeGoogle } from '../mocks/google.ts'
import { createTestDatabase, freePort, queryRows, startServer, waitForStatus, type RunningServer } from './helpers.ts'

const CLIENT_ID = 'test-client.apps.googleusercontent.com'
const CLIENT_SECRET = 'test-client-secret'

let fake: FakeGoogle
let server: RunningServer
let dbUrl = ''
const cleanups: (() => Promise<void> | void)[] = []

/** The cookies a browser would keep: Set-Cookie in, Cookie out. */
class CookieJar {
  private jar = new Map<string, string>()
  take(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';')
      const i = pair.indexOf('=')
      const name = pair.slice(0, i).trim()
      const value = pair.slice(i + 1).trim()
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now()))
      if (expired || value === '') this.jar.delete(name)
      else this.jar.set(name, value)
    }
  }
  names() {
    return [...this.jar.keys()]
  }
  header() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

async function go(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (url.startsWith(server.url) && jar.header()) headers.set('Cookie', jar.header())
  const res = await fetch(url, { ...init, headers, redirect: 'manual' })
  if (url.startsWith(server.url)) jar.take(res)
  return res
}

/** The browser's side of the round trip up to Google's answer: the callback URL it is sent back to. */
async function consentAtGoogle(jar: CookieJar, redirectTo = '/account'): Promise<string> {
  const start = await go(jar, `${server.url}/auth/google`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
    body: new URLSearchParams({ redirectTo }),
  })
  expect(start.status).toBe(302)
  const toGoogle = new URL(start.headers.get('location') ?? '')
  expect(`${toGoogle.origin}${toGoogle.pathname}`).toBe(fake.authUrl)
  expect(toGoogle.searchParams.get('client_id')).toBe(CLIENT_ID)
  expect(toGoogle.searchParams.get('redirect_uri')).toBe(`${server.url}/auth/google/callback`)
  expect(toGoogle.searchParams.get('code_challenge_method')).toBe('S256')
  expect(jar.names().some((n) => n.startsWith('google-oauth'))).toBe(true)

  const consent = await fetch(toGoogle, { redirect: 'manual' })
  expect(consent.status).toBe(302)
  const back = consent.headers.get('location') ?? ''
  expect(back.startsWith(`${server.url}/auth/google/callback?`)).toBe(true)
  return back
}

/** The whole round trip; returns the callback's answer. */
async function signInWithGoogle(jar: CookieJar, redirectTo = '/account'): Promise<Response> {
  return go(jar, await consentAtGoogle(jar, redirectTo))
}

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return queryRows<T>(dbUrl, text, values)
}

async function googleUsers(sub: string) {
  return sql<{ id: string; email: string | null; name: string }>('SELECT id, email, name FROM users WHERE google_id = $1', [sub])
}

/**
 * `count` browsers sign in with the fake's current account at the same moment: each gets
 * Google's answer first, then all come back to the callback at once. Every one must land
 * on /account; returns the ids of the users their sessions belong to.
 */
async function signInAtOnce(count: number): Promise<Set<string>> {
  const jars = Array.from({ length: count }, () => new CookieJar())
  const callbacks = await Promise.all(jars.map((jar) => consentAtGoogle(jar)))
  const results = await Promise.all(jars.map((jar, i) => go(jar, callbacks[i]!)))
  expect(results.map((r) => `${r.status} ${r.headers.get('location')}`)).toEqual(jars.map(() => '302 /account'))
  const ids = await Promise.all(
    jars.map(async (jar) => {
      const me = await go(jar, `${server.url}/api/v1/me`)
      expect(me.status).toBe(200)
      return ((await me.json()) as { user: { id: string } }).user.id
    }),
  )
  return new Set(ids)
}

function tmpDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'google-it-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function baseEnv(tmp: string, url: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    SEED_ON_EMPTY: 'false',
    RUN_WORKER: 'false',
    SESSION_SECRET: 'integration-session-secret-0123456789ab',
    JWT_SECRET: 'integration-jwt-secret-0123456789abcdef',
    RATE_LIMIT_AUTH_MAX: '1000',
    RATE_LIMIT_API_MAX: '1000',
    DATA_DIR: path.join(tmp, 'data'),
    OUTBOX_DIR: path.join(tmp, 'outbox'),
    UPLOAD_DIR: path.join(tmp, 'uploads'),
  }
}

beforeAll(async () => {
  fake = await startFakeGoogle({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, profile: { sub: '100000000000000000001', name: 'Asha Rao', email: 'asha@example.com' } })
  cleanups.push(() => fake.close())
  const db = await createTestDatabase('it_google')
  cleanups.push(db.drop)
  dbUrl = db.url
  server = startServer(
    {
      ...baseEnv(tmpDir(), db.url),
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
      GOOGLE_AUTH_URL: fake.authUrl,
      GOOGLE_TOKEN_URL: fake.tokenUrl,
      GOOGLE_USERINFO_URL: fake.userinfoUrl,
    },
    await freePort(),
  )
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
}, 120_000)

afterAll(async () => {
  await server?.stop('SIGKILL')
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined)
})

describe('Google sign-in (configured)', () => {
  it('offers the button on /login', async () => {
    const html = await (await fetch(`${server.url}/login?redirectTo=%2Faccount`)).text()
    expect(html).toContain('action="/auth/google"')
    expect(html).toContain('Continue with Google')
  })

  it('signs in through the whole round trip and lands where the user was going', async () => {
    const jar = new CookieJar()
    const callback = await signInWithGoogle(jar, '/account')
    expect(callback.status).toBe(302)
    expect(callback.headers.get('location')).toBe('/account')
    // The state cookie is spent; the session cookie now signs the user in.
    expect(jar.names().some((n) => n.startsWith('google-oauth'))).toBe(false)
    expect(jar.names()).toContain('__session')

    // The code was exchanged with the client secret, the redirect URI and the PKCE verifier.
    expect(fake.calls.tokenErrors).toEqual([])
    expect(fake.calls.token.at(-1)?.get('code_verifier')).toBeTruthy()
    expect(fake.calls.userinfo).toBeGreaterThan(0)

    const account = await go(jar, `${server.url}/account`)
    expect(account.status).toBe(200)
    expect(await account.text()).toContain('Asha Rao')
    const me = await go(jar, `${server.url}/api/v1/me`)
    expect(me.status).toBe(200)
    expect(((await me.json()) as { user: { name: string; email: string } }).user).toMatchObject({ name: 'Asha Rao', email: 'asha@example.com' })

    // A shopper is signed in but is not staff.
    expect((await go(jar, `${server.url}/admin`)).status).toBe(403)

    const users = await googleUsers('100000000000000000001')
    expect(users).toHaveLength(1)
    expect(users[0]).toMatchObject({ email: 'asha@example.com', name: 'Asha Rao' })
  })

  it('50 concurrent first logins for one Google account create exactly one user, and every session is that user', async () => {
    const sub = '100000000000000000002'
    fake.profile = { sub, name: 'Bilal Khan', email: 'bilal@example.com' }
    const signedInAs = await signInAtOnce(50)
    expect(fake.calls.tokenErrors).toEqual([])
    const created = await googleUsers(sub)
    expect(created).toHaveLength(1)
    expect(created[0]).toMatchObject({ email: 'bilal@example.com', name: 'Bilal Khan' })
    expect(signedInAs).toEqual(new Set([created[0]!.id]))
  })

  it('50 concurrent first logins with an email a phone account already has: one new user without it, the phone account untouched', async () => {
    // Accounts are not linked by email: the Google account gets its own user, the address stays with its owner.
    const sub = '100000000000000000003'
    const [phoneUser] = await sql<{ id: string }>(
      `INSERT INTO users (id, name, phone, email, is_phone_verified, updated_at) VALUES (gen_random_uuid(), 'Chitra by phone', '+919811111111', 'chitra@example.com', true, now()) RETURNING id`,
    )
    const phoneRow = () => sql('SELECT name, phone, email, google_id, role FROM users WHERE id = $1', [phoneUser!.id])
    const before = await phoneRow()
    fake.profile = { sub, name: 'Chitra Iyer', email: 'chitra@example.com' }
    const signedInAs = await signInAtOnce(50)
    const created = await googleUsers(sub)
    expect(created).toEqual([{ id: expect.any(String), email: null, name: 'Chitra Iyer' }])
    expect(created[0]!.id).not.toBe(phoneUser!.id)
    expect(signedInAs).toEqual(new Set([created[0]!.id]))
    expect(await phoneRow()).toEqual(before)
  })

  it('signing in again finds the same user', async () => {
    const asha = await googleUsers('100000000000000000001')
    const bilal = await googleUsers('100000000000000000002')
    fake.profile = { sub: '100000000000000000002', name: 'Bilal Khan', email: 'bilal@example.com' }
    expect((await signInWithGoogle(new CookieJar())).headers.get('location')).toBe('/account')
    fake.profile = { sub: '100000000000000000001', name: 'Asha Rao', email: 'asha@example.com' }
    expect((await signInWithGoogle(new CookieJar())).headers.get('location')).toBe('/account')
    expect(await googleUsers('100000000000000000001')).toEqual(asha)
    expect(await googleUsers('100000000000000000002')).toEqual(bilal)
  })

  it('refuses a callback whose state does not match the cookie, and never redirects off-site', async () => {
    const jar = new CookieJar()
    const start = await go(jar, `${server.url}/auth/google`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
      body: new URLSearchParams({ redirectTo: 'https://evil.example/' }),
    })
    const consent = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' })
    const back = new URL(consent.headers.get('location') ?? '')
    back.searchParams.set('state', 'forged')
    const forged = await go(jar, back.toString())
    expect(forged.status).toBe(302)
    expect(forged.headers.get('location')).toMatch(/^\/login\?.*error=google/)
    // Without the state cookie at all (another browser): refused too.
    const stranger = await fetch(consent.headers.get('location') ?? '', { redirect: 'manual' })
    expect(stranger.headers.get('location')).toMatch(/^\/login\?.*error=google/)

    // A fresh, honest round trip with an off-site redirectTo lands at home.
    const honest = await signInWithGoogle(new CookieJar(), 'https://evil.example/')
    expect(honest.headers.get('location')).toBe('/')
  })
})

describe('Google sign-in (not configured)', () => {
  it('shows no button and the endpoints answer 404', async () => {
    const db = await createTestDatabase('it_google_off')
    cleanups.push(db.drop)
    const off = startServer(baseEnv(tmpDir(), db.url), await freePort())
    cleanups.push(async () => void (await off.stop('SIGKILL')))
    await waitForStatus(`${off.url}/readyz`, (s) => s === 200, 90_000)
    const html = await (await fetch(`${off.url}/login`)).text()
    expect(html).toContain('Sign in')
    expect(html).not.toContain('/auth/google')
    expect(html).not.toContain('Continue with Google')
    const start = await fetch(`${off.url}/auth/google`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: off.url },
      body: new URLSearchParams({ redirectTo: '/' }),
      redirect: 'manual',
    })
    expect(start.status).toBe(404)
    expect((await fetch(`${off.url}/auth/google/callback?code=x&state=y`, { redirect: 'manual' })).status).toBe(404)
  }, 120_000)
})
