import { hasPermission } from '#app/domain/permissions.ts'
import { getOrder, getOrderForCustomer } from '#app/services/orders.server.ts'
import { handlePrivateApi, methodNotAllowed } from '#app/utils/api.server.ts'
import { apiError, requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.orders.$id'

/** GET /api/v1/orders/:id → 200 `Order` for its owner or staff with `order:read`; anyone else's (or unknown) → 404. */
export async function loader({ request, params }: Route.LoaderArgs) {
  return handlePrivateApi(async () => {
    const user = await requireUser(request)
    const order = hasPermission(user, 'order:read') ? await getOrder(params.id) : await getOrderForCustomer(user.id, params.id)
    if (!order) return apiError(404, 'NOT_FOUND', 'Order not found.')
    return Response.json(order)
  })
}

export function action() {
  return methodNotAllowed('GET')
}
