// Sign-in with Google against a local fake of Google's endpoints: the button only when
// configured, redirect → consent → callback → token exchange (PKCE) → profile → session,
// one user per Google account however often (or concurrently) the flow runs.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGoogle, type FakeGoogle } from '../mocks/google.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer } from './helpers.ts'

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

/** Runs the browser's side of the round trip; returns the callback's answer. */
async function signInWithGoogle(jar: CookieJar, redirectTo = '/account'): Promise<Response> {
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
  return go(jar, back)
}

async function googleUsers(sub: string): Promise<{ id: string; email: string | null; name: string }[]> {
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  try {
    return (await c.query<{ id: string; email: string | null; name: string }>('SELECT id, email, name FROM users WHERE google_id = $1', [sub])).rows
  } finally {
    await c.end()
  }
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

  it('creates the user once, however often and however concurrently the flow runs', async () => {
    fake.profile = { sub: '100000000000000000002', name: 'Bilal Khan', email: 'bilal@example.com' }
    const results = await Promise.all([signInWithGoogle(new CookieJar()), signInWithGoogle(new CookieJar())])
    for (const r of results) expect(r.headers.get('location')).toBe('/account')
    const again = await signInWithGoogle(new CookieJar())
    expect(again.headers.get('location')).toBe('/account')
    const first = await googleUsers('100000000000000000001')
    expect(first).toHaveLength(1)
    expect(await googleUsers('100000000000000000002')).toHaveLength(1)
    fake.profile = { sub: '100000000000000000001', name: 'Asha Rao', email: 'asha@example.com' }
    await signInWithGoogle(new CookieJar())
    expect(await googleUsers('100000000000000000001')).toEqual(first)
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
