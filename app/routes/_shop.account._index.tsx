import { data, Form, redirect, useNavigation } from 'react-router'
import { fieldErrors } from '#app/utils/api.server.ts'
import { ProfileSchema, updateProfile } from '#app/services/profile.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { maskPhone } from '#app/utils/logger.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import { RouteError } from '#app/components/route-error.tsx'
import type { Route } from './+types/_shop.account._index'

const ROLE_LABELS: Record<string, string> = {
  user: 'Customer',
  admin: 'Administrator',
  account_manager: 'Account manager',
  warehouse: 'Warehouse',
  accountant: 'Accountant',
}

export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireUser(request)
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  const profile = { name: user.name, phone: user.phone ? maskPhone(user.phone) : null, email: user.email, role: ROLE_LABELS[user.role] ?? user.role }
  return data({ profile, flash }, flash ? { headers: { 'Set-Cookie': await commitSession(session) } } : undefined)
}

export async function action({ request }: Route.ActionArgs) {
  const user = await requireUser(request)
  const form = await request.formData()
  const values = { name: String(form.get('name') ?? '') }
  const parsed = ProfileSchema.safeParse(values)
  if (!parsed.success) return data({ values, fields: fieldErrors(parsed.error) }, { status: 400 })
  await updateProfile(user.id, parsed.data)
  const session = await getSession(request)
  session.flash('flash', { kind: 'success', message: 'Your profile was saved.' })
  return redirect('/account', { headers: { 'Set-Cookie': await commitSession(session) } })
}

export default function ProfilePage({ loaderData, actionData }: Route.ComponentProps) {
  const { profile, flash } = loaderData
  const busy = useNavigation().state === 'submitting'
  const nameError = actionData?.fields.name
  return (
    <div className="max-w-lg space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Profile</h1>
      {flash ? (
        <p role="status" className={`rounded-md px-3 py-2 text-sm ${flash.kind === 'success' ? 'bg-green-50 text-green-800' : 'bg-red-50 text-red-800'}`}>
          {flash.message}
        </p>
      ) : null}
      <dl className="grid grid-cols-[8rem_1fr] gap-y-2 text-sm">
        <dt className="text-stone-500">Mobile</dt>
        <dd>{profile.phone ?? '—'}</dd>
        {profile.email ? (
          <>
            <dt className="text-stone-500">Email</dt>
            <dd>{profile.email}</dd>
          </>
        ) : null}
        <dt className="text-stone-500">Role</dt>
        <dd>{profile.role}</dd>
      </dl>
      <Form method="post" className="space-y-4" aria-label="Edit profile">
        <div>
          <label htmlFor="name" className="block text-sm font-medium">
            Name
          </label>
          <input
            id="name"
            name="name"
            type="text"
            autoComplete="name"
            maxLength={80}
            required
            defaultValue={actionData?.values.name ?? profile.name}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? 'name-error' : undefined}
            className="mt-1 block w-full rounded-md border border-stone-300 px-3 py-2 shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600"
          />
          {nameError ? (
            <p id="name-error" className="mt-1 text-sm text-red-700">
              {nameError}
            </p>
          ) : null}
        </div>
        <button type="submit" disabled={busy} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Save
        </button>
      </Form>
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Profile' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/" backLabel="Back to the shop" />
}
