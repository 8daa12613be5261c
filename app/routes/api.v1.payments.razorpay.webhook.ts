import { handleRazorpayWebhook } from '#app/services/payments.server.ts'
import { handleApi, methodNotAllowed } from '#app/utils/api.server.ts'
import { apiError } from '#app/utils/auth.server.ts'
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
    if (Number(request.headers.get('Content-Length') ?? 0) > MAX_BODY_BYTES) return apiError(413, 'VALIDATION', 'The webhook body is too large.')
    // The signature covers the exact bytes sent, so the body is read raw, never re-serialised.
    const raw = new Uint8Array(await request.arrayBuffer())
    if (raw.byteLength > MAX_BODY_BYTES) return apiError(413, 'VALIDATION', 'The webhook body is too large.')
    const result = await handleRazorpayWebhook(raw, request.headers.get('X-Razorpay-Signature'), request.headers.get('X-Razorpay-Event-Id'))
    return Response.json({ ok: true, outcome: result.outcome }, { headers: { 'Cache-Control': 'no-store' } })
  })
}
