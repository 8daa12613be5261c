/**
 * Who may open the staff catalogue pages: anyone holding one of the catalogue permissions
 * (product:create, product:update, product:delete, stock:update). Viewing is shared so that
 * warehouse staff (stock:update only) can find a product and set its stock; every form on
 * those pages checks its own permission again in the action.
 */
import { hasPermission, type Permission } from '#app/domain/permissions.ts'
import { requireUser, type AuthUser } from './auth.server.ts'

export const CATALOG_PERMISSIONS = ['product:create', 'product:update', 'product:delete', 'stock:update'] as const satisfies readonly Permission[]

export async function requireCatalogStaff(request: Request): Promise<AuthUser> {
  const user = await requireUser(request)
  if (!CATALOG_PERMISSIONS.some((p) => hasPermission(user, p))) throw new Response('Your account is not allowed to see this page.', { status: 403 })
  return user
}
