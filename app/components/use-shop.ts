import { useRouteLoaderData } from 'react-router'
import type { loader as shopLoader } from '#app/routes/_shop.tsx'

const EMPTY: readonly string[] = []

/** Pieces in the visitor's cart, as the shop layout's loader saw them. */
export function useCartCount(): number {
  return useRouteLoaderData<typeof shopLoader>('routes/_shop')?.cartCount ?? 0
}

/** Ids of the signed-in user's wishlisted products (empty for guests). */
export function useWishlistIds(): readonly string[] {
  return useRouteLoaderData<typeof shopLoader>('routes/_shop')?.wishlist ?? EMPTY
}
