import { buildOpenApiDocument } from '#app/domain/openapi.ts'
import { methodNotAllowed } from '#app/utils/api.server.ts'
import { getRuntime } from '#app/utils/runtime.server.ts'
import type { Route } from './+types/api.v1.openapi[.]json'

/** GET /api/v1/openapi.json: the OpenAPI 3.1 description of /api/v1 (kept true by tests/integration/openapi.test.ts). */
export function loader({ request }: Route.LoaderArgs) {
  return Response.json(buildOpenApiDocument({ serverUrl: getRuntime().env.PUBLIC_URL ?? new URL(request.url).origin }), { headers: { 'Cache-Control': 'public, max-age=300' } })
}

export function action() {
  return methodNotAllowed('GET')
}
