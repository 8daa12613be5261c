import { data, Form, Link, redirect, useNavigation } from 'react-router'
import { GoogleSignInButton } from '#app/components/google-sign-in.tsx'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { normalizePhone, PhoneSchema } from '#app/domain/phone.ts'
import { OTP_TTL_MS, requestOtp } from '#app/services/otp.server.ts'
import { getOptionalUser } from '#app/utils/auth.server.ts'
import { authenticator } from '#app/utils/authenticator.server.ts'
import { isGoogleEnabled } from '#app/utils/google-strategy.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import { commitSession, createUserSession, getSession, safeRedirect } from '#app/utils/session.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.login'

interface ActionResult {
  intent: 'request' | 'verify'
  phone: string
  fields?: { phone?: string; code?: string }
  formError?: string
  /** the request was throttled, so a code went to this number recently: offer step 2 */
  codeSent?: boolean
}

/**
 * The sign-in page. The number a code went to is kept in the session (step 2 reads it from
 * there), never in the URL: URLs end up in logs, browser history and Referer headers.
 * `?step=phone` shows step 1 again ("use a different number").
 */
function loginUrl(redirectTo: string, step?: 'phone') {
  return `/login?${new URLSearchParams(step ? { redirectTo, step } : { redirectTo })}`
}

export async function loader({ request }: Route.LoaderArgs) {
  const url = new URL(request.url)
  const redirectTo = safeRedirect(url.searchParams.get('redirectTo'))
  if (await getOptionalUser(request)) throw redirect(redirectTo)
  const pending = (await getSession(request)).get('otpPhone')
  const live = pending && pending.expiresAt > Date.now() && url.searchParams.get('step') !== 'phone' ? pending.phone : null
  const { env } = getRuntime()
  return {
    phone: live,
    lastPhone: pending?.phone ?? null,
    redirectTo,
    devCode: env.NODE_ENV !== 'production' ? (env.DEV_OTP_CODE ?? null) : null,
    google: isGoogleEnabled(env) ? { failed: url.searchParams.get('error') === 'google' } : null,
  }
}

export async function action({ request }: Route.ActionArgs) {
  // The strategy reads the body again, so look at a copy.
  const form = await request.clone().formData()
  const intent = form.get('intent') === 'verify' ? 'verify' : 'request'
  const phoneInput = String(form.get('phone') ?? '')
  const redirectTo = safeRedirect(form.get('redirectTo'))

  if (intent === 'request') {
    const parsed = PhoneSchema.safeParse(phoneInput)
    if (!parsed.success) {
      return data<ActionResult>({ intent, phone: phoneInput, fields: { phone: parsed.error.issues[0]?.message } }, { status: 400 })
    }
    try {
      const { phone, expiresAt } = await requestOtp(parsed.data)
      return redirect(loginUrl(redirectTo), { headers: { 'Set-Cookie': await rememberPhone(request, phone, expiresAt.getTime()) } })
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      const headers = new Headers()
      const codeSent = err.code === 'RATE_LIMITED'
      if (codeSent) {
        // A code was sent to this number a moment ago: "I already have a code" leads to step 2.
        headers.append('Set-Cookie', await rememberPhone(request, parsed.data, Date.now() + OTP_TTL_MS))
        // The per-client limiter (server.ts) already set the RateLimit-* headers of this response.
        if (typeof err.details?.retryAfter === 'number') headers.set('Retry-After', String(err.details.retryAfter))
      }
      return data<ActionResult>({ intent, phone: phoneInput, formError: err.message, codeSent }, { status: STATUS_BY_CODE[err.code], headers })
    }
  }

  try {
    const user = await authenticator.authenticate('otp', request)
    return createUserSession(request, user.id, redirectTo)
  } catch (err) {
    if (!(err instanceof DomainError)) throw err
    const fields = (err.details?.fields ?? undefined) as ActionResult['fields']
    return data<ActionResult>({ intent: fields?.phone ? 'request' : 'verify', phone: normalizePhone(phoneInput) ?? phoneInput, fields, formError: fields ? undefined : err.message }, { status: STATUS_BY_CODE[err.code] })
  }
}

async function rememberPhone(request: Request, phone: string, expiresAt: number): Promise<string> {
  const session = await getSession(request)
  session.set('otpPhone', { phone, expiresAt })
  return commitSession(session)
}

const inputClass = 'mt-1 block w-full rounded-md border border-stone-300 px-3 py-2 text-lg shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600'
const buttonClass = 'w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60'

export default function LoginPage({ loaderData, actionData }: Route.ComponentProps) {
  const { redirectTo, devCode } = loaderData
  const navigation = useNavigation()
  const busy = navigation.state !== 'idle'
  const result = actionData as ActionResult | undefined
  // Step 2 once a code was sent (phone in the session), and stays there when a code is wrong.
  const phone = result?.intent === 'verify' ? result.phone : result?.intent === 'request' ? null : loaderData.phone
  const formError = result?.formError

  return (
    <div className="mx-auto max-w-sm py-8">
      <h1 className="text-2xl font-bold tracking-tight">Sign in</h1>
      {formError ? (
        <p role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {formError}
        </p>
      ) : null}

      {phone ? (
        <>
          <p className="mt-4 text-stone-600">
            We sent a 6-digit code to <strong>{phone}</strong>. It is valid for 5 minutes.
          </p>
          <Form method="post" className="mt-6 space-y-4" aria-label="Enter the code">
            <input type="hidden" name="intent" value="verify" />
            <input type="hidden" name="phone" value={phone} />
            <input type="hidden" name="redirectTo" value={redirectTo} />
            <div>
              <label htmlFor="code" className="block text-sm font-medium">
                Code
              </label>
              <input
                id="code"
                name="code"
                type="text"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9 ]*"
                maxLength={7}
                required
                autoFocus
                aria-invalid={result?.fields?.code ? true : undefined}
                aria-describedby={result?.fields?.code ? 'code-error' : undefined}
                className={`${inputClass} tracking-widest`}
              />
              {result?.fields?.code ? (
                <p id="code-error" className="mt-1 text-sm text-red-700">
                  {result.fields.code}
                </p>
              ) : null}
            </div>
            <button type="submit" disabled={busy} className={buttonClass}>
              Sign in
            </button>
          </Form>
          {devCode ? (
            <p className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Development mode: the code is <code className="font-mono font-semibold">{devCode}</code>.
            </p>
          ) : null}
          <div className="mt-6 flex items-center justify-between text-sm">
            <Form method="post">
              <input type="hidden" name="intent" value="request" />
              <input type="hidden" name="phone" value={phone} />
              <input type="hidden" name="redirectTo" value={redirectTo} />
              <button type="submit" disabled={busy} className="font-medium text-brand-700 underline">
                Send a new code
              </button>
            </Form>
            <Link to={loginUrl(redirectTo, 'phone')} className="text-stone-600 underline">
              Use a different number
            </Link>
          </div>
        </>
      ) : (
        <>
          <p className="mt-4 text-stone-600">Enter your mobile number and we will text you a one-time code.</p>
          <Form method="post" className="mt-6 space-y-4" aria-label="Request a code">
            <input type="hidden" name="intent" value="request" />
            <input type="hidden" name="redirectTo" value={redirectTo} />
            <div>
              <label htmlFor="phone" className="block text-sm font-medium">
                Mobile number
              </label>
              <input
                id="phone"
                name="phone"
                type="tel"
                inputMode="tel"
                autoComplete="tel"
                placeholder="98765 43210"
                required
                defaultValue={result?.phone ?? loaderData.lastPhone ?? ''}
                aria-invalid={result?.fields?.phone ? true : undefined}
                aria-describedby={result?.fields?.phone ? 'phone-error' : 'phone-hint'}
                className={inputClass}
              />
              {result?.fields?.phone ? (
                <p id="phone-error" className="mt-1 text-sm text-red-700">
                  {result.fields.phone}
                </p>
              ) : (
                <p id="phone-hint" className="mt-1 text-sm text-stone-500">
                  Indian numbers need no country code; others start with +.
                </p>
              )}
            </div>
            <button type="submit" disabled={busy} className={buttonClass}>
              Send code
            </button>
          </Form>
          {result?.intent === 'request' && result.codeSent ? (
            <p className="mt-4 text-sm">
              <Link to={loginUrl(redirectTo)} className="font-medium text-brand-700 underline">
                I already have a code
              </Link>
            </p>
          ) : null}
          {loaderData.google ? <GoogleSignInButton redirectTo={redirectTo} failed={loaderData.google.failed} /> : null}
        </>
      )}
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Sign in' }]

// A document answer takes only Set-Cookie from the action by itself; the wait of a throttled request goes too.
export const headers: Route.HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get('Retry-After')
  return retryAfter ? { 'Retry-After': retryAfter } : new Headers()
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
