import { handleApi, methodNotAllowed } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.me'

export async function loader({ request }: Route.LoaderArgs) {
  return handleApi(async () => {
    const user = await requireUser(request)
    return Response.json(
      { user: { id: user.id, role: user.role, name: user.name, phone: user.phone, email: user.email, avatar: user.avatar, isPhoneVerified: user.isPhoneVerified } },
      { headers: { 'Cache-Control': 'private, no-store' } },
    )
  })
}

export function action() {
  return methodNotAllowed('GET')
}
