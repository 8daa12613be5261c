/**
 * The CSP nonce of the current response, for components that render inline scripts.
 * Set on the server only (entry.server.tsx); in the browser it is '' — browsers hide
 * nonce attributes from the DOM, and scripts added after hydration need none.
 */
import { createContext, useContext } from 'react'

const NonceContext = createContext<string>('')

export const NonceProvider = NonceContext.Provider

export function useNonce(): string {
  return useContext(NonceContext)
}
