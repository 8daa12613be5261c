import { ProductUpdateSchema } from '#app/domain/product-input.ts'
import { archiveProduct, updateProduct } from '#app/services/catalog-admin.server.ts'
import { getProduct } from '#app/services/catalog.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { apiError, requirePermission } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.products.$idOrSlug'

/** GET /api/v1/products/:idOrSlug: one active `Product`, or 404 JSON. */
export async function loader({ params }: Route.LoaderArgs) {
  return handleApi(async () => {
    const product = await getProduct(params.idOrSlug)
    if (!product) return apiError(404, 'NOT_FOUND', 'No product with this id or slug.')
    return Response.json(product)
  })
}

/**
 * PUT /api/v1/products/:id (product:update): any Product fields → 200 `Product` (+ staff fields).
 * DELETE /api/v1/products/:id (product:delete): archives → 204. Writes take the id, not a slug.
 */
export async function action({ request, params }: Route.ActionArgs) {
  const ctx = { requestId: request.headers.get('X-Request-Id') }
  if (request.method === 'PUT') {
    return handleApi(async () => {
      const actor = await requirePermission(request, 'product:update')
      const input = await parseJsonBody(request, ProductUpdateSchema)
      return Response.json(await updateProduct(actor, params.idOrSlug, input, ctx))
    })
  }
  if (request.method === 'DELETE') {
    return handleApi(async () => {
      const actor = await requirePermission(request, 'product:delete')
      await archiveProduct(actor, params.idOrSlug, ctx)
      return new Response(null, { status: 204 })
    })
  }
  return methodNotAllowed('GET, PUT, DELETE')
}
