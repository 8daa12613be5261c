import { StockInputSchema } from '#app/domain/product-input.ts'
import { setStock } from '#app/services/catalog-admin.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.products.$id.stock'

/**
 * PUT /api/v1/products/:id/stock (stock:update) `{ sizes: [{ size, stock }] }` → 200 `Product`.
 * Listed sizes get exactly these counts (new sizes are added); sizes not listed keep theirs.
 */
export async function action({ request, params }: Route.ActionArgs) {
  if (request.method !== 'PUT') return methodNotAllowed('PUT')
  return handleApi(async () => {
    const actor = await requirePermission(request, 'stock:update')
    const input = await parseJsonBody(request, StockInputSchema)
    return Response.json(await setStock(actor, params.id, input, { requestId: request.headers.get('X-Request-Id') }))
  })
}

export function loader() {
  return methodNotAllowed('PUT')
}
