import { Form } from 'react-router'

/** "Continue with Google": a plain form post to /auth/google (works without JavaScript). */
export function GoogleSignInButton({ redirectTo, failed }: { redirectTo: string; failed?: boolean }) {
  return (
    <div className="mt-8 border-t border-stone-200 pt-6">
      {failed ? (
        <p role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Signing in with Google did not work. Please try again.
        </p>
      ) : null}
      <Form method="post" action="/auth/google" reloadDocument>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <button type="submit" className="w-full rounded-md border border-stone-300 bg-white px-4 py-2 font-medium text-stone-800 hover:bg-stone-50">
          Continue with Google
        </button>
      </Form>
    </div>
  )
}
