import { parseCatalogQuery } from '#app/domain/catalog-query.ts'
import { ProductCreateSchema } from '#app/domain/product-input.ts'
import { createProduct } from '#app/services/catalog-admin.server.ts'
import { searchProducts } from '#app/services/catalog.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { apiError, requirePermission } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.products'

/** GET /api/v1/products: `{ items: [Product], page, limit, total }`; bad query parameters → 400 with `fields`. */
export async function loader({ request }: Route.LoaderArgs) {
  return handleApi(async () => {
    const parsed = parseCatalogQuery(new URL(request.url).searchParams)
    if (!parsed.success) return apiError(400, 'VALIDATION', parsed.message, { fields: parsed.fields })
    return Response.json(await searchProducts(parsed.query))
  })
}

/** POST /api/v1/products (product:create): Product fields, prices in minor units → 201 `Product` (+ staff fields); a taken slug → 409. */
export async function action({ request }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST')
  return handleApi(async () => {
    const actor = await requirePermission(request, 'product:create')
    const input = await parseJsonBody(request, ProductCreateSchema)
    const product = await createProduct(actor, input, { requestId: request.headers.get('X-Request-Id') })
    return Response.json(product, { status: 201, headers: { Location: `/api/v1/products/${product.id}` } })
  })
}
