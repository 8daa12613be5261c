import { data, Form, Link, redirect, useNavigation } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { EMPTY_PRODUCT_FORM, ProductFields, productFormValues } from '#app/components/admin/product-form.tsx'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { ProductFormSchema, type ProductFormValues } from '#app/domain/product-input.ts'
import { createProduct } from '#app/services/catalog-admin.server.ts'
import { listCategories } from '#app/services/catalog.server.ts'
import { fieldErrors } from '#app/utils/api.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import type { Route } from './+types/admin.products.new'

interface ActionResult {
  values: ProductFormValues
  fields?: Record<string, string>
  formError?: string
}

export async function loader({ request }: Route.LoaderArgs) {
  await requirePermission(request, 'product:create')
  const categories = await listCategories()
  return { categories: categories.map((c) => ({ id: c.id, name: c.name })) }
}

export async function action({ request }: Route.ActionArgs) {
  const actor = await requirePermission(request, 'product:create')
  const values = productFormValues(await request.formData())
  const parsed = ProductFormSchema.safeParse(values)
  if (!parsed.success) return data<ActionResult>({ values, fields: fieldErrors(parsed.error) }, { status: 400 })
  try {
    const product = await createProduct(actor, { ...parsed.data, slug: parsed.data.slug }, { requestId: request.headers.get('X-Request-Id') })
    const session = await getSession(request)
    session.flash('flash', { kind: 'success', message: `Created “${product.name}”. Add its sizes and pictures below.` })
    return redirect(`/admin/products/${product.id}`, { headers: { 'Set-Cookie': await commitSession(session) } })
  } catch (err) {
    if (err instanceof DomainError) {
      const fields = err.details?.fields as Record<string, string> | undefined
      return data<ActionResult>({ values, fields, formError: err.message }, { status: STATUS_BY_CODE[err.code] })
    }
    throw err
  }
}

export default function NewProduct({ loaderData, actionData }: Route.ComponentProps) {
  const result = actionData as ActionResult | undefined
  const busy = useNavigation().state === 'submitting'
  return (
    <div>
      <p className="text-sm">
        <Link to="/admin/products" className="text-brand-700 underline">
          ← Products
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight">New product</h1>
      {result?.formError ? (
        <p role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {result.formError}
        </p>
      ) : result?.fields ? (
        <p role="alert" className="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Some fields need attention.
        </p>
      ) : null}
      <Form method="post" className="mt-6 space-y-6 rounded-lg border border-stone-200 bg-white p-6" aria-label="New product">
        <ProductFields values={result?.values ?? EMPTY_PRODUCT_FORM} fields={result?.fields} categories={loaderData.categories} />
        <button type="submit" disabled={busy} className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Create product
        </button>
      </Form>
    </div>
  )
}

export const meta: Route.MetaFunction = () => [{ title: 'New product · Staff' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/admin/products" backLabel="Back to products" />
}
