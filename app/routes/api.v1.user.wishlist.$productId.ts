import { removeFromWishlist } from '#app/services/wishlist.server.ts'
import { handleApi, methodNotAllowed } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.user.wishlist.$productId'

export function loader() {
  return methodNotAllowed('DELETE')
}

// DELETE /api/v1/user/wishlist/:productId → 204 (also when it was not there); 404 for an unknown product
export async function action({ request, params }: Route.ActionArgs) {
  if (request.method !== 'DELETE') return methodNotAllowed('DELETE')
  return handleApi(async () => {
    const user = await requireUser(request)
    await removeFromWishlist(user.id, params.productId)
    return new Response(null, { status: 204, headers: { 'Cache-Control': 'private, no-store' } })
  })
}
