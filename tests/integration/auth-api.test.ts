// Phone sign-in as clients meet it: the JSON API (OTP → JWT → /api/v1/me) and the web
// login with plain form posts (no JavaScript), sessions rotated at login and destroyed at logout.
import { createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signJwt } from '#app/utils/jwt.server.ts'
import { createTestDatabase, freePort, startServer, waitForStatus, type RunningServer, deleteRedisKeys } from './helpers.ts'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0'
const PREFIX = `test:auth:${randomBytes(4).toString('hex')}:`
const JWT_SECRET = 'integration-jwt-secret-0123456789abcdef'
const SESSION_SECRET = 'integration-session-secret-0123456789ab'
const WEEK_SECONDS = 7 * 24 * 60 * 60
const CODE = '123456'
// National numbers (the log check looks for these digits anywhere in the output).
const API_PHONE = '9812345670'
const WEB_PHONE = '9812345671'
const OTHER_PHONE = '9812345672'

let server: RunningServer
let origin = ''
const cleanups: (() => Promise<void> | void)[] = []
let token = ''

beforeAll(async () => {
  const db = await createTestDatabase('it_auth')
  cleanups.push(db.drop)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-it-'))
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  server = startServer(
    {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      DEV_OTP_CODE: CODE,
      SEED_ON_EMPTY: 'false',
      RUN_WORKER: 'false',
      // The per-client limits on sign-in routes (server.ts) are another suite's subject.
      RATE_LIMIT_AUTH_MAX: '1000',
      RATE_LIMIT_API_MAX: '1000',
      JWT_SECRET,
      SESSION_SECRET,
      DATA_DIR: path.join(tmp, 'data'),
      OUTBOX_DIR: path.join(tmp, 'outbox'),
      UPLOAD_DIR: path.join(tmp, 'uploads'),
    },
    await freePort(),
  )
  origin = server.url
  await waitForStatus(`${server.url}/readyz`, (s) => s === 200, 90_000)
}, 120_000)

afterAll(async () => {
  await server?.stop('SIGKILL')
  await deleteRedisKeys(REDIS_URL, PREFIX)
  for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined)
})

function postJson(p: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
}

type ApiError = { error: { code: string; message: string; fields?: Record<string, string> } }

describe('API: phone + code → JWT', () => {
  it('requests a code (202), verifies it (200) with a token and the user', async () => {
    const req = await postJson('/api/v1/auth/otp/request', { phone: API_PHONE })
    expect(req.status).toBe(202)
    expect(await req.json()).toEqual({ ok: true })

    const res = await postJson('/api/v1/auth/otp/verify', { phone: `+91 ${API_PHONE}`, code: CODE })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { token: string; user: Record<string, unknown> }
    expect(body.token.split('.')).toHaveLength(3)
    expect(body.user).toEqual({ id: expect.any(String), role: 'user', name: '', phone: `+91${API_PHONE}` })
    token = body.token
  })

  it('a resend within 30 s is throttled: 429 JSON with Retry-After', async () => {
    const res = await postJson('/api/v1/auth/otp/request', { phone: API_PHONE })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await res.json()) as ApiError).error.code).toBe('RATE_LIMITED')
  })

  it('a wrong code is 401 JSON', async () => {
    expect((await postJson('/api/v1/auth/otp/request', { phone: OTHER_PHONE })).status).toBe(202)
    const res = await postJson('/api/v1/auth/otp/verify', { phone: OTHER_PHONE, code: '654321' })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    expect(((await res.json()) as ApiError).error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) })
  })

  it('bad input is 400 with fields, never a 500', async () => {
    const badPhone = await postJson('/api/v1/auth/otp/request', { phone: '12-junk' })
    expect(badPhone.status).toBe(400)
    expect(((await badPhone.json()) as ApiError).error).toMatchObject({ code: 'VALIDATION', fields: { phone: expect.any(String) } })

    const missing = await postJson('/api/v1/auth/otp/verify', { phone: API_PHONE })
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as ApiError).error.fields).toHaveProperty('code')

    const malformed = await postJson('/api/v1/auth/otp/request', '{"phone": ')
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as ApiError).error.code).toBe('VALIDATION')

    const notJson = await fetch(`${server.url}/api/v1/auth/otp/request`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: `phone=${API_PHONE}`,
    })
    expect(notJson.status).toBe(400)

    const arrayBody = await postJson('/api/v1/auth/otp/verify', [1, 2])
    expect(arrayBody.status).toBe(400)
  })

  it('GET /api/v1/me: 200 with the token; 401 JSON for missing, tampered, alg none, HS512 or expired tokens', async () => {
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { user: Record<string, unknown> }).user).toMatchObject({ role: 'user', phone: `+91${API_PHONE}` })

    const [h, p, s] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    const tampered = `${h}.${enc({ ...claims, role: 'admin' })}.${s}`
    const none = `${enc({ alg: 'none', typ: 'JWT' })}.${p}.`
    const hs512Head = enc({ alg: 'HS512', typ: 'JWT' })
    const hs512 = `${hs512Head}.${p}.${createHmac('sha512', JWT_SECRET).update(`${hs512Head}.${p}`).digest('base64url')}`
    const expired = signJwt({ id: String(claims.id), role: 'user', isPhoneVerified: true, name: '', avatar: null }, JWT_SECRET, 60, Date.now() - 120_000)

    const noAuth = await fetch(`${server.url}/api/v1/me`)
    expect(noAuth.status).toBe(401)
    expect(((await noAuth.json()) as ApiError).error.code).toBe('UNAUTHENTICATED')
    for (const bad of [tampered, none, hs512, expired]) {
      const res = await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${bad}` } })
      expect(res.status).toBe(401)
      expect(((await res.json()) as ApiError).error.code).toBe('UNAUTHENTICATED')
    }
  })
})

function form(fields: Record<string, string>, cookie?: string) {
  return {
    method: 'POST',
    redirect: 'manual' as const,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: origin,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  }
}

/** `__session=…` from a response's Set-Cookie, with its attributes. */
function sessionCookie(res: Response): { pair: string; attrs: string } {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('__session='))
  if (!header) throw new Error('no __session cookie')
  const [pair = '', ...attrs] = header.split(';').map((s) => s.trim())
  return { pair, attrs: attrs.join('; ') }
}

/**
 * The session id inside a `__session=…` pair, after checking its signature the way React
 * Router signs cookies: base64(JSON) + "." + HMAC-SHA256 with SESSION_SECRET (unpadded base64).
 */
function signedSessionId(pair: string): string {
  const value = decodeURIComponent(pair.slice('__session='.length))
  const dot = value.lastIndexOf('.')
  const payload = value.slice(0, dot)
  const expected = createHmac('sha256', SESSION_SECRET).update(payload).digest('base64').replace(/=+$/, '')
  expect(value.slice(dot + 1)).toBe(expected)
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as string
}

/** Step 1 of the web login: the code is sent and the number kept in the session, not the URL. */
async function requestCode(phone: string, cookie?: string): Promise<string> {
  const step1 = await fetch(`${server.url}/login`, form({ intent: 'request', phone, redirectTo: '/account' }, cookie))
  expect(step1.status).toBe(302)
  const location = step1.headers.get('location') ?? ''
  expect(location).toBe('/login?redirectTo=%2Faccount')
  expect(location).not.toContain(phone.replace(/\D/g, '').slice(-10))
  return sessionCookie(step1).pair
}

/** Step 2 as a browser without JavaScript does it: the code form, found through the session cookie, posted back. */
async function webLogin(phone: string): Promise<{ res: Response; pending: string }> {
  const pending = await requestCode(phone)
  const page = await (await fetch(`${server.url}/login?redirectTo=%2Faccount`, { headers: { Cookie: pending } })).text()
  expect(page).toMatch(/autocomplete="one-time-code"/i)
  const hiddenPhone = /<input type="hidden" name="phone" value="([^"]+)"/.exec(page)?.[1]
  expect(hiddenPhone).toBe(`+91${phone.replace(/\D/g, '').slice(-10)}`)
  const res = await fetch(`${server.url}/login`, form({ intent: 'verify', phone: hiddenPhone ?? '', code: CODE, redirectTo: '/account' }, pending))
  return { res, pending }
}

describe('web login without JavaScript', () => {
  it('the login page has a labelled phone form; step 2 a one-time-code field', async () => {
    const page = await fetch(`${server.url}/login?redirectTo=%2Faccount`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toMatch(/<form[^>]*method="post"/)
    expect(html).toMatch(/<label[^>]*for="phone"/)
    // A number in the URL no longer opens step 2.
    expect(await (await fetch(`${server.url}/login?phone=%2B91${WEB_PHONE}&redirectTo=%2Faccount`)).text()).not.toMatch(/one-time-code/i)
  })

  it('step 2 follows the session: it shows the number the code went to; ?step=phone goes back to step 1', async () => {
    const phone = '9812345675'
    const pending = await requestCode(phone)
    const step2 = await (await fetch(`${server.url}/login?redirectTo=%2Faccount`, { headers: { Cookie: pending } })).text()
    expect(step2).toMatch(/autocomplete="one-time-code"/i)
    expect(step2).toMatch(/inputmode="numeric"/i)
    expect(step2).toContain(`+91${phone}`)
    expect(step2).toContain('href="/login?redirectTo=%2Faccount&amp;step=phone"')
    const back = await (await fetch(`${server.url}/login?redirectTo=%2Faccount&step=phone`, { headers: { Cookie: pending } })).text()
    expect(back).not.toMatch(/one-time-code/i)
    expect(back).toMatch(new RegExp(`<input[^>]*id="phone"[^>]*value="\\+91${phone}"`))
    // Without the cookie there is no step 2.
    expect(await (await fetch(`${server.url}/login?redirectTo=%2Faccount`)).text()).not.toMatch(/one-time-code/i)
  })

  it('a wrong code answers 401 with a message and keeps the phone', async () => {
    const phone = '9812345673'
    const r1 = await fetch(`${server.url}/login`, form({ intent: 'request', phone, redirectTo: '/account' }))
    expect(r1.status).toBe(302)
    const res = await fetch(`${server.url}/login`, form({ intent: 'verify', phone: `+91${phone}`, code: '000000', redirectTo: '/account' }))
    expect(res.status).toBe(401)
    const html = await res.text()
    expect(html).toMatch(/code is wrong or has expired/)
    expect(html).toContain(`value="+91${phone}"`)
    // A resend right away is throttled: 429 with a message, Retry-After and the RateLimit-* headers.
    const again = await fetch(`${server.url}/login`, form({ intent: 'request', phone, redirectTo: '/account' }))
    expect(again.status).toBe(429)
    const retryAfter = Number(again.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(30)
    expect(again.headers.get('ratelimit-limit')).toBeTruthy()
    expect(again.headers.get('ratelimit-policy')).toBeTruthy()
    const throttled = await again.text()
    expect(throttled).toMatch(/wait/)
    // "I already have a code" leads to step 2 for that number, through the session.
    expect(throttled).toContain('I already have a code')
    const step2 = await (await fetch(`${server.url}/login?redirectTo=%2Faccount`, { headers: { Cookie: sessionCookie(again).pair } })).text()
    expect(step2).toMatch(/one-time-code/i)
    expect(step2).toContain(`+91${phone}`)
  })

  it('signs in (302 + HttpOnly, SameSite=Lax cookie), rotates the session at login, and logout destroys it', async () => {
    const { res, pending } = await webLogin(WEB_PHONE)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/account')
    const first = sessionCookie(res)
    expect(first.attrs).toMatch(/HttpOnly/i)
    expect(first.attrs).toMatch(/SameSite=Lax/i)
    expect(first.attrs).toMatch(new RegExp(`(^|; )Max-Age=${WEEK_SECONDS}(;|$)`, 'i'))
    // Signed, holding only the session id; the data lives in Redis for 7 days.
    const sessionId = signedSessionId(first.pair)
    expect(sessionId).toMatch(/^[\w-]{32}$/)
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    try {
      const ttlMs = await redis.pttl(`${PREFIX}sess:${sessionId}`)
      expect(ttlMs).toBeGreaterThan((WEEK_SECONDS - 60) * 1000)
      expect(ttlMs).toBeLessThanOrEqual(WEEK_SECONDS * 1000)
      expect(JSON.parse((await redis.get(`${PREFIX}sess:${sessionId}`)) ?? '{}')).toMatchObject({ userId: expect.any(String) })
      // The session of step 1 (it held the number) was retired at login, not reused.
      expect(signedSessionId(pending)).not.toBe(sessionId)
      expect(await redis.exists(`${PREFIX}sess:${signedSessionId(pending)}`)).toBe(0)
    } finally {
      redis.disconnect()
    }
    // A cookie whose signature does not match is no session at all.
    const signed = decodeURIComponent(first.pair.slice('__session='.length))
    const dot = signed.lastIndexOf('.') + 1
    const forged = `__session=${encodeURIComponent(`${signed.slice(0, dot)}${signed[dot] === 'A' ? 'B' : 'A'}${signed.slice(dot + 1)}`)}`
    expect((await fetch(`${server.url}/account`, { headers: { Cookie: forged }, redirect: 'manual' })).status).toBe(302)

    const account = await fetch(`${server.url}/account`, { headers: { Cookie: first.pair }, redirect: 'manual' })
    expect(account.status).toBe(200)
    expect(await account.text()).toMatch(/\+91\*+70|\+91\*+71/)

    // Signed in already: /login sends them on.
    const login = await fetch(`${server.url}/login?redirectTo=%2Faccount`, { headers: { Cookie: first.pair }, redirect: 'manual' })
    expect(login.status).toBe(302)
    expect(login.headers.get('location')).toBe('/account')

    // A code works once.
    const again = await fetch(`${server.url}/login`, form({ intent: 'verify', phone: `+91${WEB_PHONE}`, code: CODE, redirectTo: '/account' }))
    expect(again.status).toBe(401)

    // Signing in while holding a session cookie issues a new session id and retires the old one.
    await requestCode('9812345674')
    const rotated = await fetch(`${server.url}/login`, form({ intent: 'verify', phone: '+919812345674', code: CODE, redirectTo: '/account' }, first.pair))
    expect(rotated.status).toBe(302)
    const second = sessionCookie(rotated)
    expect(second.pair).not.toBe(first.pair)
    const old = await fetch(`${server.url}/account`, { headers: { Cookie: first.pair }, redirect: 'manual' })
    expect(old.status).toBe(302)
    expect((await fetch(`${server.url}/account`, { headers: { Cookie: second.pair }, redirect: 'manual' })).status).toBe(200)

    // Profile: the name is editable; invalid input is 400 with the input kept.
    const bad = await fetch(`${server.url}/account?index`, form({ name: '   ' }, second.pair))
    expect(bad.status).toBe(400)
    const saved = await fetch(`${server.url}/account?index`, form({ name: 'Asha Rao' }, second.pair))
    expect(saved.status).toBe(302)
    const home = await (await fetch(`${server.url}/`, { headers: { Cookie: second.pair } })).text()
    expect(home).toContain('Asha Rao')

    const out = await fetch(`${server.url}/logout`, form({}, second.pair))
    expect(out.status).toBe(302)
    expect(out.headers.getSetCookie().join(';')).toMatch(/__session=;|Max-Age=0|Expires=Thu, 01 Jan 1970/i)
    const after = await fetch(`${server.url}/account`, { headers: { Cookie: second.pair }, redirect: 'manual' })
    expect(after.status).toBe(302)
    expect(after.headers.get('location')).toBe('/login?redirectTo=%2Faccount')
  })
})

describe('logs', () => {
  it('never contain the code, a token or a full phone number', async () => {
    // Let the last request lines flush.
    await new Promise((r) => setTimeout(r, 300))
    const output = server.output()
    expect(output).toContain('"message":"request"')
    expect(output).not.toContain(CODE)
    expect(output).not.toContain(token)
    expect(output).not.toContain(token.split('.')[2])
    for (const n of [API_PHONE, WEB_PHONE, OTHER_PHONE, '9812345673', '9812345674', '9812345675']) expect(output).not.toContain(n)
  })
})
