import { data, redirect } from 'react-router'
import { authenticator } from '#app/utils/authenticator.server.ts'
import { isGoogleEnabled } from '#app/utils/google-strategy.server.ts'
import { commitSession, getSession, safeRedirect } from '#app/utils/session.server.ts'
import type { Route } from './+types/auth.google'

// Starting the round trip is a POST (the login page's button): a link or prefetch must not.
export function loader() {
  return redirect('/login')
}

export async function action({ request }: Route.ActionArgs) {
  if (!isGoogleEnabled()) throw data('Google sign-in is not available.', { status: 404 })
  const form = await request.clone().formData()
  // Remembered server-side until the callback; the state cookie carries only state + PKCE verifier.
  const session = await getSession(request)
  session.set('redirectTo', safeRedirect(form.get('redirectTo')))
  const cookie = await commitSession(session)
  try {
    await authenticator.authenticate('google', request)
  } catch (thrown) {
    // The strategy "throws" its redirect to Google, carrying the state cookie.
    if (thrown instanceof Response && thrown.status >= 300 && thrown.status < 400) {
      const headers = new Headers(thrown.headers)
      headers.append('Set-Cookie', cookie)
      return new Response(null, { status: thrown.status, headers })
    }
    throw thrown
  }
  throw new Error('Google strategy returned without redirecting')
}
