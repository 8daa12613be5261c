import { data, redirect } from 'react-router'
import { authenticator } from '#app/utils/authenticator.server.ts'
import { clearGoogleStateCookies, isGoogleEnabled } from '#app/utils/google-strategy.server.ts'
import { getLogger } from '#app/utils/logger.server.ts'
import { createUserSession, getSession, safeRedirect } from '#app/utils/session.server.ts'
import type { Route } from './+types/auth.google.callback'

// Google sends the browser back here with `code` and `state`: exchange, find or create the user, sign in.
export async function loader({ request }: Route.LoaderArgs) {
  if (!isGoogleEnabled()) throw data('Google sign-in is not available.', { status: 404 })
  const session = await getSession(request)
  const redirectTo = safeRedirect(session.get('redirectTo'))
  const clear = clearGoogleStateCookies(request)
  try {
    const user = await authenticator.authenticate('google', request)
    const res = await createUserSession(request, user.id, redirectTo)
    for (const c of clear) res.headers.append('Set-Cookie', c)
    return res
  } catch (err) {
    if (err instanceof Response) throw err
    // Cancelled consent, a stale or forged state, a failed exchange: back to the sign-in page.
    getLogger().warn('google sign-in failed', { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    const headers = new Headers()
    for (const c of clear) headers.append('Set-Cookie', c)
    return redirect(`/login?${new URLSearchParams({ redirectTo, error: 'google' })}`, { headers })
  }
}
