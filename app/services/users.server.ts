/** Staff user management: search, and access changes (role, permissions, modules) with an audit entry. */
import { DomainError } from '#app/domain/errors.ts'
import { effectivePermissions, hasPermission, type Permission, type Role } from '#app/domain/permissions.ts'
import type { UserAccessChange, UserSearch } from '#app/domain/user-access.ts'
import { getDb } from '#app/utils/db.server.ts'
import { recordAudit } from './audit.server.ts'

export interface UserListItem {
  id: string
  name: string
  email: string | null
  phone: string | null
  role: Role
  permissions: string[]
  assignedModules: string[]
  effectivePermissions: Permission[]
  createdAt: Date
  lastLoginAt: Date | null
}

export interface Actor {
  id: string
  role: Role
  permissions: readonly string[]
}

const listSelect = {
  id: true,
  name: true,
  email: true,
  phone: true,
  role: true,
  permissions: true,
  assignedModules: true,
  createdAt: true,
  lastLoginAt: true,
} as const

function withEffective<T extends { role: Role; permissions: string[] }>(u: T): T & { effectivePermissions: Permission[] } {
  return { ...u, effectivePermissions: effectivePermissions(u) }
}

/** Users matching `q` in name, email or phone; newest first, with a stable order for paging. */
export async function searchUsers({ q, page, limit }: UserSearch): Promise<{ items: UserListItem[]; page: number; limit: number; total: number }> {
  const term = q.trim()
  const digits = term.replace(/[^\d+]/g, '')
  const where = term
    ? {
        OR: [
          { name: { contains: term, mode: 'insensitive' as const } },
          { email: { contains: term, mode: 'insensitive' as const } },
          ...(digits.length >= 3 ? [{ phone: { contains: digits } }] : []),
        ],
      }
    : {}
  const db = getDb()
  const [items, total] = await Promise.all([
    db.user.findMany({ where, select: listSelect, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * limit, take: limit }),
    db.user.count({ where }),
  ])
  return { items: items.map(withEffective), page, limit, total }
}

export async function getUserForAdmin(id: string): Promise<UserListItem | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null
  const user = await getDb().user.findUnique({ where: { id }, select: listSelect })
  return user ? withEffective(user) : null
}

interface AccessSnapshot {
  role: Role
  permissions: string[]
  assignedModules: string[]
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v) => b.includes(v))

/**
 * Changes a user's role, permissions and/or assigned modules, and writes the
 * `user:access_change` audit entry (actor, before, after) in the same transaction.
 * No entry when nothing changes. Rules:
 * - only an admin may change a role or a permissions list (a delegated `user:update`
 *   reaches assigned modules only, which grant nothing by themselves);
 * - only an admin may touch an admin account;
 * - nobody changes their own role or permissions (so the last admin cannot demote
 *   themselves), and the actor's own role is re-read under lock, so two admins
 *   demoting each other at once cannot both succeed.
 */
export async function updateUserAccess(actor: Actor, userId: string, change: UserAccessChange, requestId?: string): Promise<UserListItem> {
  if (!hasPermission(actor, 'user:update')) throw new DomainError('FORBIDDEN', 'Your account may not change user access.')
  if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new DomainError('NOT_FOUND', 'No such user.')

  const updated = await getDb().$transaction(async (tx) => {
    // Lock the target (and the actor) in a fixed order, so concurrent edits each see (and
    // audit) the true "before" and the actor's current role, without deadlocking.
    const locked = await tx.$queryRaw<{ id: string; role: Role; permissions: string[] }[]>`
      SELECT id::text AS id, role::text AS role, permissions FROM users
      WHERE id IN (${userId}::uuid, ${actor.id}::uuid) ORDER BY id FOR UPDATE`
    if (!locked.some((u) => u.id === userId)) throw new DomainError('NOT_FOUND', 'No such user.')
    const self = locked.find((u) => u.id === actor.id)
    if (!self || !hasPermission(self, 'user:update')) throw new DomainError('FORBIDDEN', 'Your account may not change user access.')
    const actorIsAdmin = self.role === 'admin'

    const current = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: listSelect })
    const before: AccessSnapshot = { role: current.role, permissions: [...current.permissions].sort(), assignedModules: [...current.assignedModules].sort() }
    const after: AccessSnapshot = {
      role: change.role ?? before.role,
      permissions: change.permissions ?? before.permissions,
      assignedModules: change.assignedModules ?? before.assignedModules,
    }
    const powersChange = after.role !== before.role || !sameList(after.permissions, before.permissions)
    if (!actorIsAdmin) {
      if (current.role === 'admin') throw new DomainError('FORBIDDEN', 'Only an admin may change an admin account.')
      if (powersChange) throw new DomainError('FORBIDDEN', 'Only an admin may change roles or permissions.')
    }
    if (powersChange && userId === actor.id) {
      throw new DomainError('STATE_NOT_ALLOWED', 'You cannot change your own role or permissions. Ask another admin.')
    }
    if (!powersChange && sameList(after.assignedModules, before.assignedModules)) return current
    const user = await tx.user.update({ where: { id: userId }, data: after, select: listSelect })
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'user:access_change',
      entityType: 'user',
      entityId: userId,
      before: { ...before },
      after: { ...after },
      requestId: requestId ?? null,
    })
    return user
  })
  return withEffective(updated)
}
