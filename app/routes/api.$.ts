import { apiError } from '#app/utils/auth.server.ts'

// Any /api/ URL no endpoint matches, whatever the method: the contract's JSON 404, not the
// storefront's page (a resource route, so the Response goes out as it is).
function notFound(): Response {
  return apiError(404, 'NOT_FOUND', 'No such endpoint.')
}

export const loader = notFound
export const action = notFound
