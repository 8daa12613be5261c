import { data, Form, Link, redirect, useNavigation } from 'react-router'
import { AddressFields } from '#app/components/orders/address-fields.tsx'
import { AddressLines, FlashMessage, FormError } from '#app/components/orders/order-parts.tsx'
import { RouteError } from '#app/components/route-error.tsx'
import { MAX_SAVED_ADDRESSES } from '#app/domain/checkout.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { SHIPPING_ADDRESS_FIELDS, ShippingAddressSchema, type ShippingAddress, type ShippingAddressValues as AddressValues } from '#app/domain/order.ts'
import { deleteAddress, listAddresses, saveAddress, setDefaultAddress, updateAddress } from '#app/services/addresses.server.ts'
import { fieldErrors } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import type { Route } from './+types/_shop.account.addresses'

type ActionFailure =
  | { intent: 'create' | 'update'; addressId: string; values: AddressValues; makeDefault: boolean; fields: Record<string, string>; error?: string }
  | { intent: 'other'; error: string }

const LIST_URL = '/account/addresses'
const editUrl = (id: string) => `${LIST_URL}?${new URLSearchParams({ edit: id })}`

function notFound() {
  return data('That address is not in your address book.', { status: 404 })
}

export async function loader({ request }: Route.LoaderArgs) {
  const user = await requireUser(request)
  const editId = new URL(request.url).searchParams.get('edit')
  const addresses = await listAddresses(user.id)
  // Someone else's address (or one deleted meanwhile) is simply not there.
  const editing = editId === null ? null : (addresses.find((a) => a.id === editId) ?? null)
  if (editId !== null && !editing) throw notFound()
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  const headers = new Headers({ 'Cache-Control': 'private, no-store' })
  if (flash) headers.append('Set-Cookie', await commitSession(session))
  return data({ addresses, editing, flash }, { headers })
}

export async function action({ request }: Route.ActionArgs) {
  const user = await requireUser(request)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const addressId = String(form.get('addressId') ?? '')
  const done = async (message: string) => {
    const session = await getSession(request)
    session.flash('flash', { kind: 'success', message })
    return redirect(LIST_URL, { headers: { 'Set-Cookie': await commitSession(session) } })
  }

  try {
    if (intent === 'create' || intent === 'update') {
      const values = Object.fromEntries(SHIPPING_ADDRESS_FIELDS.map((k) => [k, String(form.get(k) ?? '')])) as AddressValues
      const makeDefault = form.get('makeDefault') === 'on'
      const parsed = ShippingAddressSchema.safeParse(values)
      if (!parsed.success) return data<ActionFailure>({ intent, addressId, values, makeDefault, fields: fieldErrors(parsed.error) }, { status: 400 })
      try {
        if (intent === 'create') await saveAddress(user.id, parsed.data, { makeDefault })
        else await updateAddress(user.id, addressId, parsed.data, { makeDefault })
      } catch (err) {
        // The book is full, or the same address is saved twice: say so next to the form, input kept.
        if (!(err instanceof DomainError) || err.code === 'NOT_FOUND') throw err
        return data<ActionFailure>({ intent, addressId, values, makeDefault, fields: {}, error: err.message }, { status: STATUS_BY_CODE[err.code] })
      }
      return await done(intent === 'create' ? 'The address was saved.' : 'The address was updated.')
    }
    if (intent === 'set-default') {
      const saved = await setDefaultAddress(user.id, addressId)
      return await done(`${saved.line1} is now your default address.`)
    }
    if (intent === 'delete') {
      const { deleted } = await deleteAddress(user.id, addressId)
      if (!deleted) throw notFound()
      return await done('The address was deleted.')
    }
  } catch (err) {
    if (err instanceof DomainError && err.code === 'NOT_FOUND') throw notFound()
    throw err
  }
  return data<ActionFailure>({ intent: 'other', error: 'Unknown action.' }, { status: 400 })
}

const primaryButton = 'rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60'

export default function AddressesPage({ loaderData, actionData }: Route.ComponentProps) {
  const { addresses, editing, flash } = loaderData
  const failure = actionData as ActionFailure | undefined
  const busy = useNavigation().state !== 'idle'
  const formFailure = failure && failure.intent !== 'other' ? failure : undefined
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Addresses</h1>
      <FlashMessage flash={flash} />
      {failure?.intent === 'other' ? <FormError message={failure.error} /> : null}

      {addresses.length === 0 ? (
        <p className="rounded-lg border border-dashed border-stone-300 p-6 text-stone-600">You have no saved addresses yet. Add one below, or save one at checkout.</p>
      ) : (
        <ul aria-label="Saved addresses" className="grid gap-3 sm:grid-cols-2">
          {addresses.map((a) => (
            <li key={a.id} aria-label={`${a.name}, ${a.line1}`} className={`space-y-3 rounded-lg border bg-white p-4 ${a.isDefault ? 'border-brand-600' : 'border-stone-200'}`}>
              <AddressLines address={a} />
              {a.isDefault ? <p className="text-xs font-medium text-brand-700">Default address</p> : null}
              <div className="flex flex-wrap items-center gap-4 text-sm">
                <Link to={editUrl(a.id)} className="font-medium text-brand-700 underline" aria-label={`Edit the address ${a.line1}`}>
                  Edit
                </Link>
                {a.isDefault ? null : (
                  <Form method="post" action={LIST_URL}>
                    <input type="hidden" name="intent" value="set-default" />
                    <input type="hidden" name="addressId" value={a.id} />
                    <button type="submit" disabled={busy} className="font-medium text-brand-700 underline disabled:opacity-60" aria-label={`Make ${a.line1} the default address`}>
                      Make default
                    </button>
                  </Form>
                )}
                <Form method="post" action={LIST_URL}>
                  <input type="hidden" name="intent" value="delete" />
                  <input type="hidden" name="addressId" value={a.id} />
                  <button type="submit" disabled={busy} className="font-medium text-red-700 underline disabled:opacity-60" aria-label={`Delete the address ${a.line1}`}>
                    Delete
                  </button>
                </Form>
              </div>
            </li>
          ))}
        </ul>
      )}

      {editing ? (
        <AddressForm
          key={editing.id}
          title="Edit address"
          intent="update"
          action={editUrl(editing.id)}
          addressId={editing.id}
          initial={editing}
          isDefault={editing.isDefault}
          failure={formFailure?.intent === 'update' && formFailure.addressId === editing.id ? formFailure : undefined}
          submitLabel="Save changes"
        />
      ) : addresses.length >= MAX_SAVED_ADDRESSES ? (
        <p className="text-sm text-stone-600">You have {MAX_SAVED_ADDRESSES} saved addresses, the most you can keep. Delete one to add another.</p>
      ) : (
        <AddressForm
          // A saved or deleted address changes the list: start the next one from an empty form.
          key={addresses.map((a) => a.id).join()}
          title="Add an address"
          intent="create"
          action={LIST_URL}
          addressId=""
          initial={null}
          isDefault={addresses.length === 0}
          failure={formFailure?.intent === 'create' ? formFailure : undefined}
          submitLabel="Save address"
        />
      )}
    </div>
  )
}

function AddressForm(props: {
  title: string
  intent: 'create' | 'update'
  action: string
  addressId: string
  initial: ShippingAddress | null
  /** already the default (or will be, as the first address): no choice to offer */
  isDefault: boolean
  failure?: Extract<ActionFailure, { intent: 'create' | 'update' }>
  submitLabel: string
}) {
  const { title, intent, action, addressId, initial, isDefault, failure, submitLabel } = props
  const busy = useNavigation().state !== 'idle'
  const fields = failure?.fields ?? {}
  const values: Partial<AddressValues> = failure?.values ?? (initial ? { ...initial, line2: initial.line2 ?? '' } : {})
  const titleId = `${intent}-address-title`
  return (
    <section aria-labelledby={titleId} className="space-y-4 rounded-lg border border-stone-200 bg-white p-4">
      <h2 id={titleId} className="text-lg font-semibold">
        {title}
      </h2>
      <Form method="post" action={action} aria-labelledby={titleId} className="space-y-4" noValidate>
        <input type="hidden" name="intent" value={intent} />
        {addressId ? <input type="hidden" name="addressId" value={addressId} /> : null}
        <FormError message={failure?.error} />
        {failure && Object.keys(failure.fields).length > 0 ? (
          <p role="alert" className="text-sm text-red-700">
            Please correct the highlighted fields.
          </p>
        ) : null}
        <AddressFields values={values} errors={fields} idPrefix={`${intent}-`} />
        {isDefault ? null : (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="makeDefault" defaultChecked={failure?.makeDefault ?? false} /> Make this my default address
          </label>
        )}
        <div className="flex items-center gap-4">
          <button type="submit" disabled={busy} className={primaryButton}>
            {submitLabel}
          </button>
          {intent === 'update' ? (
            <Link to={LIST_URL} className="text-sm text-brand-700 underline">
              Cancel
            </Link>
          ) : null}
        </div>
      </Form>
    </section>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'Addresses' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo={LIST_URL} backLabel="Your addresses" />
}
