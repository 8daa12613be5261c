/**
 * Turning what the WebAssembly engine throws into errors people (and the
 * Prisma CLI) can read.
 *
 *  - Errors thrown inside the driver adapter reach us as "External error id#N";
 *    the original is in the bound factory's error registry (pitfall 7).
 *  - A Rust panic is a WebAssembly trap; its message is in the panic registry
 *    (pitfall 2).
 *  - A failed migration comes back as "external connector error ... with
 *    migration_name=..." without an error code: we rebuild the native engine's
 *    P3018 message from the migration name and the database error we saw.
 */
import { isWasmPanic, lastPanicMessage } from './wasm.ts'

export interface ErrorRegistryLike {
  consumeError(id: number): { error: unknown } | undefined
}

/** The database error of the last failed `executeScript` call. */
export interface ScriptErrorInfo {
  code: string
  message: string
  detail?: string | undefined
  hint?: string | undefined
  position?: string | undefined
  where?: string | undefined
}

export class SchemaEngineError extends Error {
  /** Prisma error code (e.g. `P3018`), when known. */
  readonly code: string | undefined
  readonly isPanic: boolean
  /** For P3018: the migration that failed. */
  readonly migrationName: string | undefined
  readonly meta: Record<string, unknown> | undefined

  constructor(
    message: string,
    options: {
      code?: string | undefined
      isPanic?: boolean
      migrationName?: string | undefined
      meta?: Record<string, unknown> | undefined
      cause?: unknown
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SchemaEngineError'
    this.code = options.code
    this.isPanic = options.isPanic ?? false
    this.migrationName = options.migrationName
    this.meta = options.meta
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message)
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}

/** Replaces every "External error id#N" with the message of the registered error. */
export function unwrapExternalErrors(message: string, registry: ErrorRegistryLike | undefined): string {
  if (!registry) return message
  return message.replace(/External error id#(\d+)/g, (whole, id: string) => {
    const record = registry.consumeError(Number(id))
    if (!record) return whole
    return messageOf(record.error)
  })
}

/** Cuts the span trace ("   0: sql_schema_connector::...") off an engine message. */
export function stripSpanTrace(message: string): string {
  const index = message.search(/\n\s+0: [a-z_]+::/)
  return (index >= 0 ? message.slice(0, index) : message).trimEnd()
}

const MIGRATION_NAME_RE = /migration_name="([^"]+)"/

function formatScriptError(scriptError: ScriptErrorInfo | undefined, fallback: string): string {
  if (!scriptError) return fallback
  const lines = [scriptError.message.startsWith('ERROR') ? scriptError.message : `ERROR: ${scriptError.message}`]
  if (scriptError.detail) lines.push(`DETAIL: ${scriptError.detail}`)
  if (scriptError.hint) lines.push(`HINT: ${scriptError.hint}`)
  if (scriptError.where) lines.push(`CONTEXT: ${scriptError.where}`)
  if (scriptError.position) lines.push(`Position: ${scriptError.position}`)
  return lines.join('\n')
}

export interface NormalizeContext {
  registry?: ErrorRegistryLike | undefined
  /** Last script error seen by the adapter (for failed migrations). */
  lastScriptError?: ScriptErrorInfo | undefined
  method?: string | undefined
}

/** Any error from an engine call, as a SchemaEngineError. */
export function normalizeEngineError(error: unknown, context: NormalizeContext = {}): SchemaEngineError {
  if (error instanceof SchemaEngineError) return error
  if (isWasmPanic(error)) {
    const panic = lastPanicMessage() || messageOf(error)
    return new SchemaEngineError(panic, { isPanic: true, cause: error })
  }
  const raw = unwrapExternalErrors(messageOf(error), context.registry)
  const code =
    error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : undefined
  const meta =
    error && typeof error === 'object' && typeof (error as { meta?: unknown }).meta === 'object'
      ? ((error as { meta: Record<string, unknown> }).meta ?? undefined)
      : undefined

  // A migration script failed (applyMigrations): rebuild native P3018.
  const migrationMatch = MIGRATION_NAME_RE.exec(raw)
  if (!code && migrationMatch && /apply_migration|apply_script|Applying migration/.test(raw)) {
    const migrationName = migrationMatch[1]
    const dbMessage = formatScriptError(context.lastScriptError, stripSpanTrace(raw))
    const lines = [
      'A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve',
      '',
      `Migration name: ${migrationName}`,
      '',
    ]
    if (context.lastScriptError?.code) lines.push(`Database error code: ${context.lastScriptError.code}`, '')
    lines.push('Database error:', dbMessage)
    return new SchemaEngineError(lines.join('\n'), {
      code: context.method === 'applyMigrations' ? 'P3018' : undefined,
      migrationName,
      meta: {
        migration_name: migrationName,
        database_error_code: context.lastScriptError?.code,
        database_error: dbMessage,
      },
      cause: error,
    })
  }

  // Span traces ("   0: schema_engine_wasm::...") are noise for people.
  let message = stripSpanTrace(raw)
  if (context.method === 'introspectSql') {
    message += '\n\nTypedSQL (`prisma generate --sql`) is not supported by the WebAssembly schema engine; use $queryRaw with explicit casts instead.'
  }
  return new SchemaEngineError(message, { code: code ?? inferErrorCode(message), meta, cause: error })
}

/** The native engine's code for connection errors the WebAssembly engine reports without one. */
function inferErrorCode(message: string): string | undefined {
  if (/^Can't reach database server/.test(message)) return 'P1001'
  if (/^Database `[^`]*` does not exist/.test(message)) return 'P1003'
  if (/^Authentication failed against database server/.test(message)) return 'P1000'
  return undefined
}
