import { data } from 'react-router'

// Any URL no other route matches: a real 404 status, shown by the root error boundary.
export async function loader() {
  throw data('Not found', { status: 404 })
}

export default function NotFound() {
  return null
}
