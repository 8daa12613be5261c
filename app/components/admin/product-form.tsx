import { PRODUCT_STATUSES, type ProductFormValues } from '#app/domain/product-input.ts'

const STATUS_LABELS = { draft: 'Draft (hidden from the shop)', active: 'Active (on sale)', archived: 'Archived' } as const

const inputClass = 'mt-1 w-full rounded-md border border-stone-300 px-3 py-2 aria-[invalid=true]:border-red-500'

function Field({ name, label, fields, hint, children }: { name: string; label: string; fields?: Record<string, string>; hint?: string; children: React.ReactNode }) {
  const error = fields?.[name]
  return (
    <div>
      <label htmlFor={`pf-${name}`} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && !error ? <p className="mt-1 text-xs text-stone-500">{hint}</p> : null}
      {error ? (
        <p id={`pf-${name}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  )
}

/** The product's fields as a plain form (prices in rupees); works without JavaScript. */
export function ProductFields({ values, fields, categories, disabled }: { values: ProductFormValues; fields?: Record<string, string>; categories: { id: string; name: string }[]; disabled?: boolean }) {
  const a11y = (name: string) => ({ id: `pf-${name}`, name, disabled, 'aria-invalid': fields?.[name] ? true : undefined, 'aria-describedby': fields?.[name] ? `pf-${name}-error` : undefined })
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <div className="sm:col-span-2">
        <Field name="name" label="Name" fields={fields}>
          <input {...a11y('name')} defaultValue={values.name} required maxLength={200} className={inputClass} />
        </Field>
      </div>
      <Field name="slug" label="Web address (slug)" fields={fields} hint="Left empty, it is made from the name.">
        <input {...a11y('slug')} defaultValue={values.slug} maxLength={120} pattern="[a-z0-9]+(-[a-z0-9]+)*" className={inputClass} />
      </Field>
      <Field name="brand" label="Brand" fields={fields}>
        <input {...a11y('brand')} defaultValue={values.brand} maxLength={100} className={inputClass} />
      </Field>
      <Field name="categoryId" label="Category" fields={fields}>
        <select {...a11y('categoryId')} defaultValue={values.categoryId} required className={inputClass}>
          <option value="">Choose…</option>
          {categories.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <Field name="status" label="Status" fields={fields}>
        <select {...a11y('status')} defaultValue={values.status} className={inputClass}>
          {PRODUCT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </Field>
      <Field name="price" label="Price (₹)" fields={fields}>
        <input {...a11y('price')} defaultValue={values.price} required inputMode="decimal" className={inputClass} />
      </Field>
      <Field name="mrp" label="MRP (₹)" fields={fields} hint="At least the price.">
        <input {...a11y('mrp')} defaultValue={values.mrp} required inputMode="decimal" className={inputClass} />
      </Field>
      <Field name="costPrice" label="Purchase price (₹, optional)" fields={fields} hint="For profit reports; never shown to shoppers.">
        <input {...a11y('costPrice')} defaultValue={values.costPrice} inputMode="decimal" className={inputClass} />
      </Field>
      <div className="sm:col-span-2">
        <div className="flex items-center gap-2">
          <input type="checkbox" {...a11y('featured')} value="on" defaultChecked={values.featured === 'on'} aria-describedby={fields?.featured ? 'pf-featured-error' : 'pf-featured-hint'} className="h-4 w-4 rounded border-stone-400 text-brand-600 focus:ring-2 focus:ring-brand-600" />
          <label htmlFor="pf-featured" className="text-sm font-medium">
            Featured
          </label>
        </div>
        {fields?.featured ? (
          <p id="pf-featured-error" className="mt-1 text-sm text-red-700">
            {fields.featured}
          </p>
        ) : (
          <p id="pf-featured-hint" className="mt-1 text-xs text-stone-500">
            Shown in the Featured row of the home page while it is active.
          </p>
        )}
      </div>
      <div className="sm:col-span-2">
        <Field name="description" label="Description" fields={fields}>
          <textarea {...a11y('description')} defaultValue={values.description} rows={5} maxLength={5000} className={inputClass} />
        </Field>
      </div>
    </div>
  )
}

export const EMPTY_PRODUCT_FORM: ProductFormValues = { name: '', slug: '', description: '', categoryId: '', brand: '', price: '', mrp: '', costPrice: '', status: 'active', featured: '' }

const FORM_KEYS = Object.keys(EMPTY_PRODUCT_FORM) as (keyof ProductFormValues)[]

/** The submitted product fields as strings (to validate, and to show again on a 400). */
export function productFormValues(form: FormData): ProductFormValues {
  return Object.fromEntries(FORM_KEYS.map((k) => [k, String(form.get(k) ?? '')])) as ProductFormValues
}
