/**
 * /api/v1 adapters: JSON bodies parsed with zod (400 with `fields`), DomainError mapped to
 * its status, errors as `{ error: { code, message, fields? } }`. Bad input never yields a 500;
 * a bug yields a JSON 500 with no details (the stack goes to the log, with the request id).
 */
import type { z } from 'zod'
import { DomainError, STATUS_BY_CODE } from '#app/domain/errors.ts'
import { hasControlChars, PLAIN_TEXT_MESSAGE } from '#app/domain/text.ts'
import { apiError } from './auth.server.ts'
import { getLogger } from './logger.server.ts'
import { BodyTooLargeError, readBody } from './request-body.server.ts'
import { currentRequestId } from './request-context.server.ts'

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

/** The first string (key or value) in `value` holding a control character (tab and line breaks allowed): its path, '_' at the top. */
function controlCharPath(value: unknown, path: string[] = []): string | null {
  const here = () => path.join('.') || '_'
  if (typeof value === 'string') return hasControlChars(value, { multiline: true }) ? here() : null
  if (typeof value !== 'object' || value === null) return null
  for (const [k, v] of Object.entries(value)) {
    if (hasControlChars(k, { multiline: true })) return here()
    const found = controlCharPath(v, [...path, k])
    if (found) return found
  }
  return null
}

/**
 * The request's JSON body checked against `schema`; throws a 400 Response otherwise. Read with
 * a cap (chunked bodies are counted), decoded as strict UTF-8, and no string in it may hold a
 * control character other than tab and line breaks (PostgreSQL cannot even store NUL).
 */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const type = request.headers.get('Content-Type') ?? ''
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) throw badRequest('Send a JSON body with Content-Type: application/json.')
  let bytes: Uint8Array
  try {
    bytes = await readBody(request, MAX_JSON_BYTES)
  } catch (err) {
    throw badRequest(err instanceof BodyTooLargeError ? 'The request body is too large.' : 'The request body could not be read.')
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw badRequest('The request body is not valid UTF-8.')
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badRequest('The request body is not valid JSON.')
  }
  const controlAt = controlCharPath(body)
  if (controlAt) throw badRequest('Some fields are missing or invalid.', { [controlAt]: PLAIN_TEXT_MESSAGE })
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

/** PostgreSQL's "invalid byte sequence" (NUL), "untranslatable character" and "invalid text representation" (not a uuid…). */
const INVALID_TEXT_CODES = new Set(['22021', '22P05', '22P02'])
export const INVALID_TEXT_MESSAGE = 'The request holds text that cannot be stored (control characters or malformed values).'

/**
 * The database refused a value as text it cannot hold or parse: input that slipped past
 * validation, so a 400 (here, and for pages in server/app.ts). Prisma (through the pg
 * adapter) puts the SQLSTATE in `meta.driverAdapterError.cause.originalCode`; hand-written
 * SQL on pg has it as `code`.
 */
export function isInvalidText(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const e = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } }
  const code = e.meta?.driverAdapterError?.cause?.originalCode ?? e.code
  return typeof code === 'string' && INVALID_TEXT_CODES.has(code)
}

/**
 * Runs an API handler: thrown Responses are returned, DomainErrors mapped, an overloaded
 * database → 503 with Retry-After, text the database cannot take → 400; anything else is a
 * bug: logged with the request id, answered `500 { error: { code: 'INTERNAL' } }`.
 */
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
    if (isInvalidText(err)) {
      getLogger().warn('input the database cannot take: answered 400', { requestId: currentRequestId() })
      return badRequest(INVALID_TEXT_MESSAGE)
    }
    getLogger().error('unexpected API error', { requestId: currentRequestId(), error: err instanceof Error ? err.stack : String(err) })
    return apiError(500, 'INTERNAL', 'Something went wrong')
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
