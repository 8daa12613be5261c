/**
 * /api/v1 adapters: JSON bodies parsed with zod (400 with `fields`), DomainError mapped to
 * its status, errors as `{ error: { code, message, fields? } }`. Bad input never yields a 500.
 */
import type { z } from 'zod'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { apiError } from './auth.server.ts'

const MAX_JSON_BYTES = 64 * 1024

/** `{ "a.b": "first message" }` from a zod error. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_'
    fields[key] ??= issue.message
  }
  return fields
}

function badRequest(message: string, fields?: Record<string, string>): Response {
  return apiError(400, 'VALIDATION', message, fields ? { fields } : undefined)
}

/** The request's JSON body checked against `schema`; throws a 400 Response otherwise. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const type = request.headers.get('Content-Type') ?? ''
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) throw badRequest('Send a JSON body with Content-Type: application/json.')
  const declared = Number(request.headers.get('Content-Length') ?? 0)
  if (declared > MAX_JSON_BYTES) throw badRequest('The request body is too large.')
  let text: string
  try {
    text = await request.text()
  } catch {
    throw badRequest('The request body could not be read.')
  }
  if (text.length > MAX_JSON_BYTES) throw badRequest('The request body is too large.')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badRequest('The request body is not valid JSON.')
  }
  const result = await schema.safeParseAsync(body)
  if (!result.success) throw badRequest('Some fields are missing or invalid.', fieldErrors(result.error))
  return result.data
}

/** A DomainError as an API response (Retry-After for RATE_LIMITED). */
export function domainErrorResponse(err: DomainError): Response {
  const extra: Record<string, unknown> = {}
  const details = err.details ?? {}
  if (details.fields && typeof details.fields === 'object') extra.fields = details.fields
  const retryAfter = typeof details.retryAfter === 'number' ? details.retryAfter : undefined
  if (retryAfter !== undefined) extra.retryAfter = retryAfter
  const res = apiError(STATUS_BY_CODE[err.code], err.code, err.message, extra)
  if (retryAfter !== undefined) res.headers.set('Retry-After', String(retryAfter))
  return res
}

/** Runs an API handler: thrown Responses are returned, DomainErrors mapped, anything else rethrown (500, logged). */
export async function handleApi(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof Response) return err
    if (err instanceof DomainError) return domainErrorResponse(err)
    throw err
  }
}

export function methodNotAllowed(allow: string): Response {
  const res = apiError(405, 'METHOD_NOT_ALLOWED', `Use ${allow} for this endpoint.`)
  res.headers.set('Allow', allow)
  return res
}
