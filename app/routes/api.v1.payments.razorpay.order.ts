import { RazorpayStartSchema } from '#app/domain/payment.ts'
import { startRazorpayPayment } from '#app/services/payments.server.ts'
import { handlePrivateApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.payments.razorpay.order'

export function loader() {
  return methodNotAllowed('POST')
}

/**
 * POST /api/v1/payments/razorpay/order `{ orderId }` → 200 what Razorpay Checkout needs for the
 * caller's own order awaiting payment (the Razorpay order is created once, then reused).
 */
export async function action({ request }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST')
  return handlePrivateApi(async () => {
    const user = await requireUser(request)
    const { orderId } = await parseJsonBody(request, RazorpayStartSchema)
    return Response.json(await startRazorpayPayment(user.id, orderId))
  })
}
