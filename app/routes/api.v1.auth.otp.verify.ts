import { z } from 'zod'
import { verifyOtp } from '#app/services/otp.server.ts'
import { handleApi, methodNotAllowed, parseJsonBody } from '#app/utils/api.server.ts'
import { signJwt } from '#app/utils/jwt.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import type { Route } from './+types/api.v1.auth.otp.verify'

// Types only; verifyOtp validates the number and the code format (400 with fields).
const OtpVerifySchema = z.object({
  phone: z.string({ error: 'Enter a phone number.' }),
  code: z.string({ error: 'Enter the 6-digit code.' }),
})

export function loader() {
  return methodNotAllowed('POST')
}

export async function action({ request }: Route.ActionArgs) {
  return handleApi(async () => {
    if (request.method !== 'POST') return methodNotAllowed('POST')
    const { phone, code } = await parseJsonBody(request, OtpVerifySchema)
    const user = await verifyOtp(phone, code)
    const token = signJwt(
      { id: user.id, role: user.role, isPhoneVerified: user.isPhoneVerified, name: user.name, avatar: user.avatar },
      getRuntime().env.JWT_SECRET,
    )
    return Response.json(
      { token, user: { id: user.id, role: user.role, name: user.name, phone: user.phone } },
      { headers: { 'Cache-Control': 'no-store' } },
    )
  })
}
