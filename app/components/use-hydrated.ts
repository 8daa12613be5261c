import { useSyncExternalStore } from 'react'

const subscribe = () => () => undefined

/** false in the server render and during hydration, true once React runs in the browser. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  )
}
