/**
 * A local fake of Google's OAuth 2.0 endpoints (authorize, token, userinfo) for tests.
 * It checks what Google checks: client id and secret, the redirect URI, single-use codes
 * and the PKCE verifier; the browser's consent step is an immediate redirect back.
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeGoogleProfile {
  sub: string
  name: string
  email: string
  email_verified?: boolean
  picture?: string
}

export interface FakeGoogle {
  url: string
  authUrl: string
  tokenUrl: string
  userinfoUrl: string
  /** the account that "signs in" at the next authorize request */
  profile: FakeGoogleProfile
  /** what the fake saw, for assertions */
  calls: { authorize: URLSearchParams[]; token: URLSearchParams[]; tokenErrors: string[]; userinfo: number }
  close: () => Promise<void>
}

interface Grant {
  clientId: string
  redirectUri: string
  codeChallenge: string | null
  codeChallengeMethod: string | null
  profile: FakeGoogleProfile
  used: boolean
}

export async function startFakeGoogle(opts: { clientId: string; clientSecret: string; profile: FakeGoogleProfile }): Promise<FakeGoogle> {
  const grants = new Map<string, Grant>()
  const tokens = new Map<string, FakeGoogleProfile>()
  const calls: FakeGoogle['calls'] = { authorize: [], token: [], tokenErrors: [], userinfo: 0 }
  const state = { profile: opts.profile }

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
  }
  const tokenError = (res: http.ServerResponse, status: number, error: string, description: string) => {
    calls.tokenErrors.push(`${error}: ${description}`)
    json(res, status, { error, error_description: description })
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') {
      const q = url.searchParams
      calls.authorize.push(q)
      const redirectUri = q.get('redirect_uri')
      if (q.get('client_id') !== opts.clientId || !redirectUri || q.get('response_type') !== 'code') {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('invalid_request')
        return
      }
      const code = randomBytes(16).toString('hex')
      grants.set(code, {
        clientId: opts.clientId,
        redirectUri,
        codeChallenge: q.get('code_challenge'),
        codeChallengeMethod: q.get('code_challenge_method'),
        profile: { ...state.profile },
        used: false,
      })
      const back = new URL(redirectUri)
      back.searchParams.set('code', code)
      const st = q.get('state')
      if (st !== null) back.searchParams.set('state', st)
      back.searchParams.set('scope', q.get('scope') ?? '')
      res.writeHead(302, { Location: back.toString() }).end()
      return
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        const form = new URLSearchParams(body)
        calls.token.push(form)
        // Client authentication: HTTP Basic (what the strategy sends) or form fields.
        let id = form.get('client_id')
        let secret = form.get('client_secret')
        const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
        if (basic?.[1]) {
          const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
          const i = decoded.indexOf(':')
          id = decodeURIComponent(decoded.slice(0, i))
          secret = decodeURIComponent(decoded.slice(i + 1))
        }
        if (id !== opts.clientId || secret !== opts.clientSecret) return tokenError(res, 401, 'invalid_client', 'bad client credentials')
        if (form.get('grant_type') !== 'authorization_code') return tokenError(res, 400, 'unsupported_grant_type', 'only authorization_code')
        const grant = grants.get(form.get('code') ?? '')
        if (!grant || grant.used) return tokenError(res, 400, 'invalid_grant', 'unknown or used code')
        grant.used = true
        if (form.get('redirect_uri') !== grant.redirectUri) return tokenError(res, 400, 'invalid_grant', 'redirect_uri mismatch')
        if (grant.codeChallenge) {
          const verifier = form.get('code_verifier') ?? ''
          const expected = grant.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
          if (!verifier || expected !== grant.codeChallenge) return tokenError(res, 400, 'invalid_grant', 'PKCE verification failed')
        }
        const accessToken = `ya29.${randomBytes(16).toString('hex')}`
        tokens.set(accessToken, grant.profile)
        const idToken = [
          Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
          Buffer.from(JSON.stringify({ iss: 'https://accounts.google.com', aud: opts.clientId, sub: grant.profile.sub, email: grant.profile.email })).toString('base64url'),
          '',
        ].join('.')
        json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer', scope: 'openid email profile', id_token: idToken })
      })
      return
    }
    if (req.method === 'GET' && url.pathname === '/v3/userinfo') {
      calls.userinfo++
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
      const profile = m?.[1] ? tokens.get(m[1]) : undefined
      if (!profile) return json(res, 401, { error: 'invalid_token' })
      json(res, 200, { email_verified: true, picture: `https://lh3.googleusercontent.com/a/${profile.sub}`, ...profile })
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    authUrl: `${base}/o/oauth2/v2/auth`,
    tokenUrl: `${base}/token`,
    userinfoUrl: `${base}/v3/userinfo`,
    get profile() {
      return state.profile
    },
    set profile(p: FakeGoogleProfile) {
      state.profile = p
    },
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
