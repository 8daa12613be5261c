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
 * No entry when nothing changes. Rules: an admin cannot demote themselves; only an
 * admin may touch admin accounts, grant the admin role, or grant a permission the
 * actor does not hold (so a delegated `user:update` cannot escalate itself).
 */
export async function updateUserAccess(actor: Actor, userId: string, change: UserAccessChange, requestId?: string): Promise<UserListItem> {
  if (!hasPermission(actor, 'user:update')) throw new DomainError('FORBIDDEN', 'Your account may not change user access.')
  if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new DomainError('NOT_FOUND', 'No such user.')
  if (actor.id === userId && change.role !== undefined && change.role !== actor.role && actor.role === 'admin') {
    throw new DomainError('STATE_NOT_ALLOWED', 'You cannot remove your own admin role. Ask another admin.')
  }
  const actorIsAdmin = actor.role === 'admin'
  if (!actorIsAdmin && change.role === 'admin') throw new DomainError('FORBIDDEN', 'Only an admin may grant the admin role.')

  const updated = await getDb().$transaction(async (tx) => {
    // Lock the row so concurrent edits each see (and audit) the true "before".
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`
    if (locked.length === 0) throw new DomainError('NOT_FOUND', 'No such user.')
    const current = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: listSelect })
    if (!actorIsAdmin) {
      if (current.role === 'admin') throw new DomainError('FORBIDDEN', 'Only an admin may change an admin account.')
      const added = (change.permissions ?? []).filter((p) => !current.permissions.includes(p) && !hasPermission(actor, p))
      if (added.length) throw new DomainError('FORBIDDEN', `You cannot grant permissions you do not hold: ${added.join(', ')}.`)
    }
    const before: AccessSnapshot = { role: current.role, permissions: [...current.permissions].sort(), assignedModules: [...current.assignedModules].sort() }
    const after: AccessSnapshot = {
      role: change.role ?? before.role,
      permissions: change.permissions ?? before.permissions,
      assignedModules: change.assignedModules ?? before.assignedModules,
    }
    if (after.role === before.role && sameList(after.permissions, before.permissions) && sameList(after.assignedModules, before.assignedModules)) {
      return current
    }
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
