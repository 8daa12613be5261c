/** Users: lookup for sign-in and guards, atomic first-login creation by phone or Google id. */
import type { Role } from '#app/domain/permissions.ts'
import { getDb, sql, type Statement } from '#app/utils/db.server.ts'

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

// Every signed-in request (cookie or bearer token) looks its user up: a prepared statement
// (see sql() in db.server.ts), the same columns as authUserSelect.
const AUTH_USER_BY_ID: Statement = {
  name: 'identity.authUserById',
  text: `SELECT id, name, phone, email, avatar, role::text AS role, permissions, assigned_modules AS "assignedModules",
                is_phone_verified AS "isPhoneVerified"
           FROM users WHERE id = $1::uuid`,
}

export async function getAuthUser(id: string): Promise<AuthUser | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null
  const [user] = await sql<AuthUser>(AUTH_USER_BY_ID, [id])
  return user ?? null
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
