import { StatusChangeSchema } from '#app/domain/order.ts'
import { changeStatus } from '#app/services/orders.server.ts'
import { handlePrivateApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.orders.$id.status'

export function loader() {
  return methodNotAllowed('PUT')
}

/**
 * PUT /api/v1/orders/:id/status (order:update) `{ status, note? }` → 200 `Order`.
 * A move the order's life does not allow → 422 STATE_NOT_ALLOWED; a move this role may not
 * make (the warehouse cancelling, say) → 403; unknown order → 404. Audited by the service.
 */
export async function action({ request, params }: Route.ActionArgs) {
  if (request.method !== 'PUT') return methodNotAllowed('PUT')
  return handlePrivateApi(async () => {
    const actor = await requirePermission(request, 'order:update')
    const { status, note } = await parseJsonBody(request, StatusChangeSchema)
    return Response.json(await changeStatus(actor, params.id, status, { note, requestId: request.headers.get('X-Request-Id') }))
  })
}
