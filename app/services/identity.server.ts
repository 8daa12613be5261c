/** Users: lookup for sign-in and guards, atomic first-login creation by phone or Google id. */
import type { Role } from '#app/domain/permissions.ts'
import { getDb } from '#app/utils/db.server.ts'

export interface AuthUser {
  id: string
  name: string
  phone: string | null
  email: string | null
  avatar: string | null
  role: Role
  permissions: string[]
  assignedModules: string[]
  isPhoneVerified: boolean
}

const authUserSelect = {
  id: true,
  name: true,
  phone: true,
  email: true,
  avatar: true,
  role: true,
  permissions: true,
  assignedModules: true,
  isPhoneVerified: true,
} as const

export async function getAuthUser(id: string): Promise<AuthUser | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null
  return getDb().user.findUnique({ where: { id }, select: authUserSelect })
}

/**
 * The user with this (E.164) phone, created on first login. One statement
 * (INSERT … ON CONFLICT), so concurrent first logins yield exactly one user.
 */
export async function upsertUserByPhone(phone: string): Promise<AuthUser> {
  return getDb().user.upsert({
    where: { phone },
    create: { phone, isPhoneVerified: true, lastLoginAt: new Date() },
    update: { isPhoneVerified: true, lastLoginAt: new Date() },
    select: authUserSelect,
  })
}

/** The user with this Google account id, created on first login (atomic, like the phone upsert). */
export async function upsertUserByGoogle(profile: { googleId: string; email: string | null; name: string; avatar: string | null }): Promise<AuthUser> {
  return getDb().user.upsert({
    where: { googleId: profile.googleId },
    create: { googleId: profile.googleId, email: profile.email, name: profile.name, avatar: profile.avatar, lastLoginAt: new Date() },
    update: { lastLoginAt: new Date() },
    select: authUserSelect,
  })
}
