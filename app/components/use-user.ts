import { useRouteLoaderData } from 'react-router'
import type { Permission } from '#app/domain/permissions.ts'
import type { loader as rootLoader } from '#app/root.tsx'

/** The signed-in user as the root loader saw it, or null. */
export function useOptionalUser() {
  return useRouteLoaderData<typeof rootLoader>('root')?.user ?? null
}

/**
 * Whether the signed-in user holds `permission` — for deciding what to show only;
 * the server checks every loader and action itself.
 */
export function usePermission(permission: Permission): boolean {
  const user = useOptionalUser()
  return Boolean(user?.permissions.includes(permission))
}
