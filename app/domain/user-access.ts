/** Who may do what, as an admin edits it: the access-change schema and the staff modules. */
import { z } from 'zod'
import { PERMISSIONS, ROLES, type Permission } from './permissions.ts'

/**
 * The staff work areas. `assignedModules` names some of them per user (what a staff member
 * works on); a module is usable only with its permission. `path` is set once its pages exist.
 */
export const ADMIN_MODULES = [
  { id: 'catalog', label: 'Catalogue', permission: 'product:update', path: '/admin/products' },
  { id: 'stock', label: 'Stock', permission: 'stock:update', path: '/admin/products?stock=low' },
  { id: 'orders', label: 'Orders', permission: 'order:read', path: '/admin/orders' },
  { id: 'users', label: 'Users and roles', permission: 'user:read', path: '/admin/users' },
  { id: 'reports', label: 'Reports', permission: 'report:read', path: undefined },
  { id: 'jobs', label: 'Background jobs', permission: 'job:read', path: undefined },
  { id: 'audit', label: 'Audit log', permission: 'audit:read', path: undefined },
] as const satisfies readonly { id: string; label: string; permission: Permission; path: string | undefined }[]

export type AdminModule = (typeof ADMIN_MODULES)[number]
export type AdminModuleId = AdminModule['id']
export const ADMIN_MODULE_IDS = ADMIN_MODULES.map((m) => m.id) as [AdminModuleId, ...AdminModuleId[]]

const unique = <T extends z.ZodType<string>>(item: T) =>
  z.array(item).max(50).transform((list) => [...new Set(list)].sort() as z.infer<T>[])

/** A change to one user's access; any subset of the three fields, at least one. */
export const UserAccessChangeSchema = z
  .strictObject({
    role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }).optional(),
    permissions: unique(z.enum(PERMISSIONS, { error: 'is not a known permission' })).optional(),
    assignedModules: unique(z.enum(ADMIN_MODULE_IDS, { error: 'is not a known module' })).optional(),
  })
  .refine((c) => c.role !== undefined || c.permissions !== undefined || c.assignedModules !== undefined, {
    error: 'Give at least one of role, permissions, assignedModules',
  })
export type UserAccessChange = z.infer<typeof UserAccessChangeSchema>

export const UserSearchSchema = z.object({
  q: z.string().trim().max(100).optional().default(''),
  page: z.coerce.number().int().min(1).max(10_000).optional().default(1),
  limit: z.coerce.number().int().min(1).max(100).optional().default(20),
})
export type UserSearch = z.infer<typeof UserSearchSchema>
