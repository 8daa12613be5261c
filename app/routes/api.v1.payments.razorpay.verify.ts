import { RazorpayVerifySchema } from '#app/domain/payment.ts'
import { confirmRazorpayPayment } from '#app/services/payments.server.ts'
import { handlePrivateApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/api.v1.payments.razorpay.verify'

export function loader() {
  return methodNotAllowed('POST')
}

/**
 * POST /api/v1/payments/razorpay/verify `{ orderId, razorpay_order_id, razorpay_payment_id,
 * razorpay_signature }` (Checkout's success response) → 200 `Order`, now paid and processing.
 * A signature that does not verify → 400 and the order is unchanged.
 */
export async function action({ request }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST')
  return handlePrivateApi(async () => {
    const user = await requireUser(request)
    const input = await parseJsonBody(request, RazorpayVerifySchema)
    return Response.json(await confirmRazorpayPayment(user.id, input, { requestId: request.headers.get('X-Request-Id') }))
  })
}
