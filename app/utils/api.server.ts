/**
 * /api/v1 adapters: JSON bodies parsed with zod (400 with `fields`), DomainError mapped to
 * its status, errors as `{ error: { code, message, fields? } }`. Bad input never yields a 500.
 */
import type { z } from 'zod'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { apiError } from './auth.server.ts'
import { getLogger } from './logger.server.ts'

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
  // The contract puts the short items inside `error`: { error: { code: "OUT_OF_STOCK", message, items } }.
  if (err.code === 'OUT_OF_STOCK' && Array.isArray(details.items)) extra.items = details.items
  const retryAfter = typeof details.retryAfter === 'number' ? details.retryAfter : undefined
  if (retryAfter !== undefined) extra.retryAfter = retryAfter
  const res = apiError(STATUS_BY_CODE[err.code], err.code, err.message, extra)
  if (retryAfter !== undefined) res.headers.set('Retry-After', String(retryAfter))
  return res
}

/**
 * The database could not take the request in time (every pooled connection busy, or a
 * transaction not started within its wait): an overload to retry, not a bug. Nothing was
 * written — the request never got a connection, or its transaction was rolled back.
 */
function isDatabaseBusy(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  return code === 'P2024' || code === 'P2028' || /timeout exceeded when trying to connect/i.test(err.message)
}

/** Runs an API handler: thrown Responses are returned, DomainErrors mapped, an overloaded database → 503 with Retry-After, anything else rethrown (500, logged). */
export async function handleApi(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof Response) return err
    if (err instanceof DomainError) return domainErrorResponse(err)
    if (isDatabaseBusy(err)) {
      getLogger().warn('database busy: answered 503', { error: err instanceof Error ? err.message : String(err) })
      return domainErrorResponse(new DomainError('UNAVAILABLE', 'The shop is very busy right now. Please try again in a moment.', { retryAfter: 1 }))
    }
    throw err
  }
}

/** handleApi for answers about one user (orders, profile): every response, errors included, is `Cache-Control: private, no-store`. */
export async function handlePrivateApi(fn: () => Promise<Response>): Promise<Response> {
  const res = await handleApi(fn)
  res.headers.set('Cache-Control', 'private, no-store')
  return res
}

export function methodNotAllowed(allow: string): Response {
  const res = apiError(405, 'METHOD_NOT_ALLOWED', `Use ${allow} for this endpoint.`)
  res.headers.set('Allow', allow)
  return res
}
