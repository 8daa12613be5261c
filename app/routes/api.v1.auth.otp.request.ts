import { z } from 'zod'
import { requestOtp } from '#app/services/otp.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import type { Route } from './+types/api.v1.auth.otp.request'

// Only the type is checked here; the service normalises and validates the number itself.
const OtpRequestSchema = z.object({ phone: z.string({ error: 'Enter a phone number.' }) })

export function loader() {
  return methodNotAllowed('POST')
}

export async function action({ request }: Route.ActionArgs) {
  return handleApi(async () => {
    if (request.method !== 'POST') return methodNotAllowed('POST')
    const { phone } = await parseJsonBody(request, OtpRequestSchema)
    await requestOtp(phone)
    return Response.json({ ok: true }, { status: 202 })
  })
}
