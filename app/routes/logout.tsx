import { redirect } from 'react-router'
import { logout } from '#app/utils/session.server.ts'
import type { Route } from './+types/logout'

// Signing out is a POST (a link or prefetch must not sign anyone out); a GET just goes home.
export function loader() {
  return redirect('/')
}

export async function action({ request }: Route.ActionArgs) {
  return logout(request)
}
