import { handleRazorpayWebhook } from '#app/services/payments.server.ts'
import { handleApi, methodNotAllowed } from '#app/utils/api.server.ts'
import { apiError } from '#app/utils/auth.server.ts'
import { BodyTooLargeError, readBody } from '#app/utils/request-body.server.ts'
import type { Route } from './+types/api.v1.payments.razorpay.webhook'

/** Razorpay's events are a few kilobytes; anything far larger is not one. */
const MAX_BODY_BYTES = 256 * 1024

export function loader() {
  return methodNotAllowed('POST')
}

/**
 * POST /api/v1/payments/razorpay/webhook: Razorpay's server calls this, unauthenticated but
 * signed (`X-Razorpay-Signature` over the raw body). 400 for a bad signature; 200 for every
 * event accepted, including repeats and events the store does not act on.
 */
export async function action({ request }: Route.ActionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST')
  return handleApi(async () => {
    // The signature covers the exact bytes sent, so the body is read raw, never re-serialised.
    let raw: Uint8Array
    try {
      raw = await readBody(request, MAX_BODY_BYTES)
    } catch (err) {
      if (err instanceof BodyTooLargeError) return apiError(413, 'VALIDATION', 'The webhook body is too large.')
      throw err
    }
    const result = await handleRazorpayWebhook(raw, request.headers.get('X-Razorpay-Signature'), request.headers.get('X-Razorpay-Event-Id'))
    return Response.json({ ok: true, outcome: result.outcome }, { headers: { 'Cache-Control': 'no-store' } })
  })
}
