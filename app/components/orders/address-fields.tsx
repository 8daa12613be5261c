/** The shipping-address inputs shared by checkout and the address book. */
import type { ShippingAddressField, ShippingAddressValues } from '#app/domain/order.ts'

const inputClass =
  'mt-1 block w-full rounded-md border border-stone-300 px-3 py-2 shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600 aria-invalid:border-red-600'

interface FieldOptions {
  autoComplete: string
  required?: boolean
  maxLength: number
  inputMode?: 'tel' | 'numeric'
  hint?: string
}

/**
 * The eight address inputs in their grid. Each input's id is `${idPrefix}${name}`; its hint and
 * error paragraphs are `${messageIdPrefix}${name}-hint` / `-error` (messageIdPrefix defaults to idPrefix).
 */
export function AddressFields({
  values,
  errors,
  idPrefix,
  messageIdPrefix = idPrefix,
}: {
  values: Partial<ShippingAddressValues>
  errors: Record<string, string>
  idPrefix: string
  messageIdPrefix?: string
}) {
  const field = (name: ShippingAddressField, label: string, opts: FieldOptions) => {
    const id = `${idPrefix}${name}`
    const hintId = `${messageIdPrefix}${name}-hint`
    const errorId = `${messageIdPrefix}${name}-error`
    const error = errors[name]
    const describedBy = [opts.hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined
    return (
      <div>
        <label htmlFor={id} className="block text-sm font-medium">
          {label}
          {opts.required === false ? <span className="font-normal text-stone-500"> (optional)</span> : null}
        </label>
        <input
          id={id}
          name={name}
          type={name === 'phone' ? 'tel' : 'text'}
          autoComplete={opts.autoComplete}
          inputMode={opts.inputMode}
          required={opts.required !== false}
          maxLength={opts.maxLength}
          defaultValue={values[name] ?? (name === 'country' ? 'IN' : '')}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          className={inputClass}
        />
        {opts.hint ? (
          <p id={hintId} className="mt-1 text-xs text-stone-500">
            {opts.hint}
          </p>
        ) : null}
        {error ? (
          <p id={errorId} className="mt-1 text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </div>
    )
  }
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      {field('name', 'Full name', { autoComplete: 'shipping name', maxLength: 100 })}
      {field('phone', 'Phone', { autoComplete: 'shipping tel', maxLength: 20, inputMode: 'tel', hint: 'For the courier, e.g. 98765 43210.' })}
      <div className="sm:col-span-2">{field('line1', 'Address line 1', { autoComplete: 'shipping address-line1', maxLength: 200, hint: 'House number, street' })}</div>
      <div className="sm:col-span-2">{field('line2', 'Address line 2', { autoComplete: 'shipping address-line2', maxLength: 200, required: false, hint: 'Landmark, floor' })}</div>
      {field('city', 'City', { autoComplete: 'shipping address-level2', maxLength: 100 })}
      {field('state', 'State', { autoComplete: 'shipping address-level1', maxLength: 100 })}
      {field('postalCode', 'PIN code', { autoComplete: 'shipping postal-code', maxLength: 10, inputMode: 'numeric' })}
      {field('country', 'Country code', { autoComplete: 'shipping country', maxLength: 2, hint: 'Two letters, e.g. IN' })}
    </div>
  )
}
