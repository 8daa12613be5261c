import { data, Form, Link, redirect, useNavigation } from 'react-router'
import { RouteError } from '#app/components/route-error.tsx'
import { MediaUploadField } from '#app/components/admin/media-upload.tsx'
import { ProductFields, productFormValues } from '#app/components/admin/product-form.tsx'
import { usePermission } from '#app/components/use-user.ts'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { isUuid, MEDIA_LIMITS, minorToRupees, ProductFormSchema, StockInputSchema, stockFormToInput, type ProductFormValues } from '#app/domain/product-input.ts'
import { listAudit } from '#app/services/audit.server.ts'
import { addMedia, archiveProduct, getProductForStaff, removeMedia, setStock, updateProduct } from '#app/services/catalog-admin.server.ts'
import { listCategories } from '#app/services/catalog.server.ts'
import { fieldErrors } from '#app/utils/api.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { requireCatalogStaff } from '#app/utils/catalog-guard.server.ts'
import { BodyTooLargeError, readFormData } from '#app/utils/request-body.server.ts'
import { commitSession, getSession } from '#app/utils/session.server.ts'
import { MAX_UPLOAD_REQUEST_BYTES, withTempUploads } from '#app/utils/storage.server.ts'
import type { Route } from './+types/admin.products.$id'

type Intent = 'update' | 'stock' | 'archive' | 'upload-media' | 'remove-media'

interface ActionResult {
  intent: Intent
  values?: ProductFormValues
  stock?: { size: string; stock: string }[]
  fields?: Record<string, string>
  formError?: string
}

// Any catalogue permission may view (see catalog-guard.server.ts); each form's action checks its own.
export async function loader({ request, params }: Route.LoaderArgs) {
  await requireCatalogStaff(request)
  if (!isUuid(params.id)) throw data('No such product.', { status: 404 })
  const [product, categories, audit] = await Promise.all([getProductForStaff(params.id), listCategories(), listAudit({ entityType: 'product', entityId: params.id, limit: 10 })])
  if (!product) throw data('No such product.', { status: 404 })
  const session = await getSession(request)
  const flash = session.get('flash') ?? null
  return data(
    {
      product,
      categories: categories.map((c) => ({ id: c.id, name: c.name })),
      audit: audit.map((a) => ({ id: a.id, action: a.action, at: a.createdAt.toISOString(), actor: a.actor?.name || a.actor?.id || 'system', before: a.before, after: a.after })),
      flash,
    },
    flash ? { headers: { 'Set-Cookie': await commitSession(session) } } : undefined,
  )
}

async function done(request: Request, message: string, to?: string) {
  const session = await getSession(request)
  session.flash('flash', { kind: 'success', message })
  return redirect(to ?? new URL(request.url).pathname, { headers: { 'Set-Cookie': await commitSession(session) } })
}

function failed(intent: Intent, err: unknown, extra: Omit<ActionResult, 'intent'> = {}) {
  if (!(err instanceof DomainError)) throw err
  const fields = err.details?.fields as Record<string, string> | undefined
  return data<ActionResult>({ intent, ...extra, fields, formError: err.message }, { status: STATUS_BY_CODE[err.code] })
}

export async function action({ request, params }: Route.ActionArgs) {
  const ctx = { requestId: request.headers.get('X-Request-Id') }
  // The upload form is the only multipart one: check the permission before reading the body, and
  // stop reading it (413) once it passes the cap, whether or not it declared its length.
  if ((request.headers.get('Content-Type') ?? '').toLowerCase().startsWith('multipart/form-data')) {
    const actor = await requirePermission(request, 'product:update')
    if (!isUuid(params.id)) throw data('No such product.', { status: 404 })
    let form: FormData
    try {
      form = await readFormData(request, MAX_UPLOAD_REQUEST_BYTES)
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        const formError = `The upload is too large. Send at most ${MEDIA_LIMITS.maxFiles} files: images up to 5 MB, videos up to 50 MB.`
        return data<ActionResult>({ intent: 'upload-media', formError }, { status: 413 })
      }
      return data<ActionResult>({ intent: 'upload-media', formError: 'The upload could not be read. Please try again.' }, { status: 400 })
    }
    // A file input left empty still sends one nameless, empty part.
    const files = form.getAll('files').filter((v): v is File => typeof v !== 'string' && (v.size > 0 || v.name !== ''))
    try {
      const product = await withTempUploads(files, (temp) => addMedia(actor, params.id, temp, ctx))
      return await done(request, `Uploaded ${files.length} file${files.length === 1 ? '' : 's'} to “${product.name}”.`)
    } catch (err) {
      return failed('upload-media', err)
    }
  }

  const form = await request.formData()
  const intent = String(form.get('intent') ?? '') as Intent
  switch (intent) {
    case 'update': {
      const actor = await requirePermission(request, 'product:update')
      const values = productFormValues(form)
      const parsed = ProductFormSchema.safeParse(values)
      if (!parsed.success) return data<ActionResult>({ intent, values, fields: fieldErrors(parsed.error) }, { status: 400 })
      try {
        const product = await updateProduct(actor, params.id, { ...parsed.data, slug: parsed.data.slug ?? undefined }, ctx)
        return await done(request, `Saved “${product.name}”.`)
      } catch (err) {
        return failed(intent, err, { values })
      }
    }
    case 'stock': {
      const actor = await requirePermission(request, 'stock:update')
      const sizes = form.getAll('size').map(String)
      const stocks = form.getAll('stock').map(String)
      const kept = sizes.map((size, i) => ({ size, stock: stocks[i] ?? '' }))
      const parsed = StockInputSchema.safeParse(stockFormToInput(sizes, stocks))
      if (!parsed.success) return data<ActionResult>({ intent, stock: kept, fields: fieldErrors(parsed.error), formError: 'Stock must be a whole number, 0 or more, for each size.' }, { status: 400 })
      try {
        await setStock(actor, params.id, parsed.data, ctx)
        return await done(request, 'Stock saved.')
      } catch (err) {
        return failed(intent, err, { stock: kept })
      }
    }
    case 'archive': {
      const actor = await requirePermission(request, 'product:delete')
      try {
        const product = await archiveProduct(actor, params.id, ctx)
        return await done(request, `Archived “${product.name}”; it is no longer in the shop.`)
      } catch (err) {
        return failed(intent, err)
      }
    }
    case 'remove-media': {
      const actor = await requirePermission(request, 'product:update')
      try {
        await removeMedia(actor, params.id, String(form.get('mediaId') ?? ''), ctx)
        return await done(request, 'Removed the file.')
      } catch (err) {
        return failed(intent, err)
      }
    }
    default:
      throw data('Unknown action', { status: 400 })
  }
}

function productValues(p: { name: string; slug: string; description: string; categoryId: string; brand: string; price: number; mrp: number; costPrice: number | null; status: string; featured: boolean }): ProductFormValues {
  return { name: p.name, slug: p.slug, description: p.description, categoryId: p.categoryId, brand: p.brand, price: minorToRupees(p.price), mrp: minorToRupees(p.mrp), costPrice: minorToRupees(p.costPrice), status: p.status, featured: p.featured ? 'on' : '' }
}

function Alert({ result, intent }: { result: ActionResult | undefined; intent: Intent }) {
  if (!result || result.intent !== intent || !(result.formError || result.fields)) return null
  return (
    <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {result.formError ?? 'Some fields need attention.'}
    </p>
  )
}

const button = 'rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60'
const section = 'mt-8 rounded-lg border border-stone-200 bg-white p-6'

export default function AdminProduct({ loaderData, actionData }: Route.ComponentProps) {
  const { product, categories, audit, flash } = loaderData
  const result = actionData as ActionResult | undefined
  const busy = useNavigation().state === 'submitting'
  const canEdit = usePermission('product:update')
  const canStock = usePermission('stock:update')
  const canArchive = usePermission('product:delete')
  const stockRows = result?.intent === 'stock' && result.stock ? result.stock.filter((r) => r.size.trim() !== '') : product.sizes.map((s) => ({ size: s.size, stock: String(s.stock) }))
  const existing = new Set(product.sizes.map((s) => s.size))

  return (
    <div>
      <p className="text-sm">
        <Link to="/admin/products" className="text-brand-700 underline">
          ← Products
        </Link>
      </p>
      <div className="mt-2 flex flex-wrap items-baseline justify-between gap-4">
        <h1 className="text-2xl font-bold tracking-tight">{product.name}</h1>
        <p className="text-sm text-stone-600">
          Status: <strong>{product.status}</strong>
          {product.status === 'active' ? (
            <>
              {' · '}
              <Link to={`/products/${product.slug}`} className="text-brand-700 underline">
                View in shop
              </Link>
            </>
          ) : null}
        </p>
      </div>
      {flash ? (
        <p role="status" className={`mt-4 rounded-md border px-3 py-2 text-sm ${flash.kind === 'success' ? 'border-green-200 bg-green-50 text-green-800' : 'border-red-200 bg-red-50 text-red-800'}`}>
          {flash.message}
        </p>
      ) : null}

      <section aria-labelledby="details-heading" className={section}>
        <h2 id="details-heading" className="text-lg font-semibold">
          Details
        </h2>
        <Alert result={result} intent="update" />
        <Form method="post" className="mt-4 space-y-6" aria-label="Product details">
          <input type="hidden" name="intent" value="update" />
          <ProductFields values={result?.intent === 'update' && result.values ? result.values : productValues(product)} fields={result?.intent === 'update' ? result.fields : undefined} categories={categories} disabled={!canEdit} />
          {canEdit ? (
            <button type="submit" disabled={busy} className={button}>
              Save details
            </button>
          ) : (
            <p className="text-sm text-stone-600">Your account can view these details but not change them.</p>
          )}
        </Form>
      </section>

      <section aria-labelledby="stock-heading" className={section}>
        <h2 id="stock-heading" className="text-lg font-semibold">
          Stock per size
        </h2>
        <p className="mt-1 text-sm text-stone-600">Sizes you leave out keep their stock. Set a size to 0 to show it as sold out. Total: {product.totalStock}.</p>
        <Alert result={result} intent="stock" />
        {canStock ? (
          <Form method="post" className="mt-4" aria-label="Stock per size">
            <input type="hidden" name="intent" value="stock" />
            <table className="text-sm">
              <thead>
                <tr>
                  <th scope="col" className="pr-4 text-left">Size</th>
                  <th scope="col" className="text-left">In stock</th>
                </tr>
              </thead>
              <tbody>
                {stockRows.map((row, i) => (
                  <tr key={`${row.size}-${i}`}>
                    <td className="py-1 pr-4">
                      {existing.has(row.size) ? (
                        <>
                          <input type="hidden" name="size" value={row.size} />
                          <label htmlFor={`stock-${i}`}>{row.size}</label>
                        </>
                      ) : (
                        <input name="size" defaultValue={row.size} aria-label="New size" className="w-24 rounded-md border border-stone-300 px-2 py-1" />
                      )}
                    </td>
                    <td className="py-1">
                      <input id={`stock-${i}`} name="stock" type="number" min={0} step={1} defaultValue={row.stock} aria-label={existing.has(row.size) ? undefined : 'Stock of the new size'} className="w-28 rounded-md border border-stone-300 px-2 py-1" />
                    </td>
                  </tr>
                ))}
                <tr>
                  <td className="py-1 pr-4">
                    <input name="size" placeholder="New size" aria-label="New size" maxLength={20} className="w-24 rounded-md border border-stone-300 px-2 py-1" />
                  </td>
                  <td className="py-1">
                    <input name="stock" type="number" min={0} step={1} aria-label="Stock of the new size" className="w-28 rounded-md border border-stone-300 px-2 py-1" />
                  </td>
                </tr>
              </tbody>
            </table>
            <button type="submit" disabled={busy} className={`mt-4 ${button}`}>
              Save stock
            </button>
          </Form>
        ) : (
          <ul className="mt-4 flex flex-wrap gap-2 text-sm">
            {product.sizes.map((s) => (
              <li key={s.size} className="rounded-md border border-stone-200 px-3 py-1">
                {s.size}: {s.stock}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="media-heading" className={section}>
        <h2 id="media-heading" className="text-lg font-semibold">
          Pictures and videos
        </h2>
        {product.media.length === 0 ? <p className="mt-2 text-sm text-stone-600">None yet.</p> : null}
        <Alert result={result} intent="remove-media" />
        <ul className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-4">
          {product.media.map((m, i) => (
            <li key={m.id} className="rounded-md border border-stone-200 p-2 text-sm">
              {m.type === 'video' ? <video src={m.url} controls muted className="aspect-square w-full rounded object-cover" /> : <img src={m.url} alt={`${product.name}, view ${i + 1}`} className="aspect-square w-full rounded object-cover" />}
              {canEdit ? (
                <Form method="post" className="mt-2">
                  <input type="hidden" name="intent" value="remove-media" />
                  <input type="hidden" name="mediaId" value={m.id} />
                  <button type="submit" disabled={busy} className="text-red-700 underline" aria-label={`Remove ${m.type} ${i + 1}`}>
                    Remove
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
        {canEdit ? (
          <Form method="post" encType="multipart/form-data" className="mt-6 space-y-3" aria-label="Upload media">
            <label htmlFor="media-files" className="block text-sm font-medium">
              Add up to {MEDIA_LIMITS.maxFiles} files
            </label>
            <p id="media-hint" className="text-xs text-stone-500">
              JPEG, PNG, WebP or AVIF images up to 5 MB; MP4 or WebM videos up to 50 MB.
            </p>
            <MediaUploadField describedBy="media-hint" />
            <Alert result={result} intent="upload-media" />
            <button type="submit" disabled={busy} className={button}>
              {busy ? 'Uploading…' : 'Upload'}
            </button>
          </Form>
        ) : null}
      </section>

      {canArchive && product.status !== 'archived' ? (
        <section aria-labelledby="archive-heading" className={section}>
          <h2 id="archive-heading" className="text-lg font-semibold">
            Archive
          </h2>
          <p className="mt-1 text-sm text-stone-600">Archived products leave the shop and the API; orders and reports keep them. Set the status back to Active to restore one.</p>
          <Alert result={result} intent="archive" />
          <Form method="post" className="mt-4">
            <input type="hidden" name="intent" value="archive" />
            <button type="submit" disabled={busy} className="rounded-md border border-red-300 px-4 py-2 font-medium text-red-700 hover:bg-red-50 disabled:opacity-60">
              Archive product
            </button>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="history-heading" className={section}>
        <h2 id="history-heading" className="text-lg font-semibold">
          Recent changes
        </h2>
        {audit.length === 0 ? (
          <p className="mt-2 text-sm text-stone-600">No changes recorded.</p>
        ) : (
          <ol className="mt-2 space-y-2 text-sm">
            {audit.map((a) => (
              <li key={a.id} className="rounded-md border border-stone-100 p-2">
                <code>{a.action}</code> by {a.actor} at <time dateTime={a.at}>{new Date(a.at).toLocaleString('en-IN', { timeZone: 'UTC' })} UTC</time>
                {a.before ? <div className="break-all text-stone-600">Before: {JSON.stringify(a.before)}</div> : null}
                {a.after ? <div className="break-all text-stone-600">After: {JSON.stringify(a.after)}</div> : null}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  )
}

export const meta: Route.MetaFunction = ({ data: d }) => [{ title: d ? `${d.product.name} · Staff` : 'Product · Staff' }]

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <RouteError error={error} backTo="/admin/products" backLabel="Back to products" />
}
