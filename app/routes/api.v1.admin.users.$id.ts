import { UserAccessChangeSchema } from '#app/domain/user-access.ts'
import { listAudit } from '#app/services/audit.server.ts'
import { getUserForAdmin, updateUserAccess } from '#app/services/users.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { apiError, requirePermission } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.admin.users.$id'

// GET /api/v1/admin/users/:id (user:read) — the user and their recent access changes.
export async function loader({ request, params }: Route.LoaderArgs) {
  return handleApi(async () => {
    await requirePermission(request, 'user:read')
    const user = await getUserForAdmin(params.id)
    if (!user) return apiError(404, 'NOT_FOUND', 'No such user.')
    const audit = await listAudit({ entityType: 'user', entityId: user.id, limit: 20 })
    return Response.json({ user, audit }, { headers: { 'Cache-Control': 'private, no-store' } })
  })
}

// PATCH /api/v1/admin/users/:id { role?, permissions?, assignedModules? } (user:update) — audited.
export async function action({ request, params }: Route.ActionArgs) {
  if (request.method !== 'PATCH') return methodNotAllowed('GET, PATCH')
  return handleApi(async () => {
    const actor = await requirePermission(request, 'user:update')
    const change = await parseJsonBody(request, UserAccessChangeSchema)
    const user = await updateUserAccess(actor, params.id, change, request.headers.get('X-Request-Id') ?? undefined)
    return Response.json({ user })
  })
}
