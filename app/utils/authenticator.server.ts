/**
 * The sign-in strategies, by name: 'otp' (phone + code). Another strategy joins with
 * `authenticator.use(new XStrategy(...), 'x')` below; every one resolves to an AuthUser.
 */
import { Authenticator } from 'remix-auth'
import type { AuthUser } from '#app/services/identity.server.ts'
import { verifyOtp } from '#app/services/otp.server.ts'
import { OtpStrategy } from './otp-strategy.server.ts'
import { GoogleSignInStrategy } from './google-strategy.server.ts'

export const authenticator = new Authenticator<AuthUser>()

authenticator.use(new OtpStrategy(({ phone, code }) => verifyOtp(phone, code)), 'otp')
// Registered always; it answers only while GOOGLE_CLIENT_ID/SECRET are set (isGoogleEnabled).
authenticator.use(new GoogleSignInStrategy(), 'google')
