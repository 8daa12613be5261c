/** Roles, permission names (`entity:action`) and who holds what. Shared by server guards and the UI. */
export const ROLES = ['user', 'admin', 'account_manager', 'warehouse', 'accountant'] as const
export type Role = (typeof ROLES)[number]

export const STAFF_ROLES = ['admin', 'account_manager', 'warehouse', 'accountant'] as const satisfies readonly Role[]

export const PERMISSIONS = [
  'product:create',
  'product:update',
  'product:delete',
  'stock:update',
  'order:read',
  'order:update',
  'order:cancel',
  'payment:update',
  'user:read',
  'user:update',
  'report:read',
  'job:read',
  'job:retry',
  'audit:read',
] as const
export type Permission = (typeof PERMISSIONS)[number]

/** What each role may do without per-user grants. Admin implicitly holds every permission. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  user: [],
  admin: PERMISSIONS,
  account_manager: ['product:create', 'product:update', 'product:delete', 'stock:update', 'order:read', 'order:update', 'order:cancel', 'user:read', 'report:read'],
  warehouse: ['stock:update', 'order:read', 'order:update'],
  accountant: ['order:read', 'payment:update', 'report:read'],
}

export interface PermissionHolder {
  role: Role
  permissions: readonly string[]
}

export function isStaff(role: Role): boolean {
  return role !== 'user'
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value)
}

/** Role defaults plus the user's own grants; admin has all. */
export function hasPermission(user: PermissionHolder | null | undefined, permission: Permission): boolean {
  if (!user) return false
  if (user.role === 'admin') return true
  return ROLE_PERMISSIONS[user.role].includes(permission) || user.permissions.includes(permission)
}

export function effectivePermissions(user: PermissionHolder): Permission[] {
  if (user.role === 'admin') return [...PERMISSIONS]
  return PERMISSIONS.filter((p) => hasPermission(user, p))
}
