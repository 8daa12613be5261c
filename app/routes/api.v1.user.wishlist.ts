import { z } from 'zod'
import { addToWishlist, listWishlist } from '#app/services/wishlist.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.user.wishlist'

const AddBodySchema = z.object({ productId: z.string().min(1, 'Required.').max(100) })

const noStore = { 'Cache-Control': 'private, no-store' }

// GET /api/v1/user/wishlist → 200 { items: [Product] }
export async function loader({ request }: Route.LoaderArgs) {
  return handleApi(async () => {
    const user = await requireUser(request)
    return Response.json({ items: await listWishlist(user.id) }, { headers: noStore })
  })
}

// POST /api/v1/user/wishlist { productId } → 201 when added, 200 when it was there already
export async function action({ request }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST')
  return handleApi(async () => {
    const user = await requireUser(request)
    const { productId } = await parseJsonBody(request, AddBodySchema)
    const { created } = await addToWishlist(user.id, productId)
    return Response.json({ productId, added: created }, { status: created ? 201 : 200, headers: noStore })
  })
}
