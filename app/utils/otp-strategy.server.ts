/** remix-auth strategy for phone + one-time code: reads `phone` and `code` from a posted form. */
import { Strategy } from 'remix-auth/strategy'
import { DomainError } from '#app/domain/errors.ts'
import type { AuthUser } from '#app/services/identity.server.ts'

export interface OtpVerifyParams {
  phone: string
  code: string
}

export class OtpStrategy extends Strategy<AuthUser, OtpVerifyParams> {
  name = 'otp'

  async authenticate(request: Request): Promise<AuthUser> {
    let form: FormData
    try {
      form = await request.formData()
    } catch {
      throw new DomainError('VALIDATION', 'Send the phone number and code as a form.', { fields: { code: 'Enter the 6-digit code.' } })
    }
    const phone = form.get('phone')
    const code = form.get('code')
    // The verify function (verifyOtp) validates both; non-text parts count as empty.
    return this.verify({ phone: typeof phone === 'string' ? phone : '', code: typeof code === 'string' ? code : '' })
  }
}
