import { UserSearchSchema } from '#app/domain/user-access.ts'
import { searchUsers } from '#app/services/users.server.ts'
import { fieldErrors, handleApi, methodNotAllowed } from '#app/utils/api.server.ts'
import { apiError, requirePermission } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.admin.users'

// GET /api/v1/admin/users?q=&page=&limit= — staff with user:read.
export async function loader({ request }: Route.LoaderArgs) {
  return handleApi(async () => {
    await requirePermission(request, 'user:read')
    const params = Object.fromEntries(new URL(request.url).searchParams)
    const parsed = UserSearchSchema.safeParse({ q: params.q, page: params.page, limit: params.limit })
    if (!parsed.success) return apiError(400, 'VALIDATION', 'Some query parameters are invalid.', { fields: fieldErrors(parsed.error) })
    const result = await searchUsers(parsed.data)
    return Response.json(result, { headers: { 'Cache-Control': 'private, no-store' } })
  })
}

export function action() {
  return methodNotAllowed('GET')
}
