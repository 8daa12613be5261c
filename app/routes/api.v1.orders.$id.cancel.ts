import { z } from 'zod'
import { DomainError } from '#app/domain/errors.ts'
import { hasPermission } from '#app/domain/permissions.ts'
import { cancelByCustomer, changeStatus, getOrder } from '#app/services/orders.server.ts'
import { handlePrivateApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { apiError, requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.orders.$id.cancel'

const CancelBodySchema = z.object({
  reason: z.string().trim().max(500, 'The reason is too long (at most 500 characters).').optional(),
})

export function loader() {
  return methodNotAllowed('POST')
}

/** The optional `{ reason }` body; a POST without a body (or an empty one) has no reason. */
async function cancelReason(request: Request): Promise<string | undefined> {
  if (!request.headers.get('Content-Type') || request.headers.get('Content-Length') === '0') return undefined
  const { reason } = await parseJsonBody(request, CancelBodySchema)
  return reason || undefined
}

/**
 * POST /api/v1/orders/:id/cancel, optional body `{ reason? }` → 200 `Order`, its stock returned.
 * Staff with `order:cancel` cancel any order not yet delivered; the owner cancels their own
 * until it ships. Too late → 422 STATE_NOT_ALLOWED; someone else's order → 404 (403 for staff
 * who may read it but not cancel it).
 */
export async function action({ request, params }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST')
  return handlePrivateApi(async () => {
    const user = await requireUser(request)
    const reason = await cancelReason(request)
    const requestId = request.headers.get('X-Request-Id')
    if (hasPermission(user, 'order:cancel')) return Response.json(await changeStatus(user, params.id, 'cancelled', { note: reason, requestId }))
    try {
      return Response.json(await cancelByCustomer(user.id, params.id, { reason, requestId }))
    } catch (err) {
      // Staff who can see the order know it exists: say "not allowed" rather than "not found".
      if (err instanceof DomainError && err.code === 'NOT_FOUND' && hasPermission(user, 'order:read') && (await getOrder(params.id))) {
        return apiError(403, 'FORBIDDEN', 'Your role may not cancel orders.')
      }
      throw err
    }
  })
}
