/**
 * One WebAssembly schema engine bound to one database, with the workarounds
 * the CLI-facing server and the in-process API share.
 */
import type * as Wasm from '@prisma/schema-engine-wasm/schema_engine_bg'
import { createSchemaEngineAdapterFactory, type SchemaEnginePgFactory } from './adapter.ts'
import { normalizeEngineError, SchemaEngineError } from './errors.ts'
import { clearPanicMessage, forgetSchemaEngineWasm, loadSchemaEngineWasm, type WasmSchemaEngine } from './wasm.ts'

/** The engine methods callable through `call`, with their parameter and result types. */
export interface EngineMethods {
  applyMigrations: [Wasm.ApplyMigrationsInput, Wasm.ApplyMigrationsOutput]
  createMigration: [Wasm.CreateMigrationInput, Wasm.CreateMigrationOutput]
  dbExecute: [Wasm.DbExecuteParams, void]
  devDiagnostic: [Wasm.DevDiagnosticInput, Wasm.DevDiagnosticOutput]
  diagnoseMigrationHistory: [Wasm.DiagnoseMigrationHistoryInput, Wasm.DiagnoseMigrationHistoryOutput]
  diff: [Wasm.DiffParams, Wasm.DiffResult]
  ensureConnectionValidity: [Wasm.EnsureConnectionValidityParams, Wasm.EnsureConnectionValidityResult]
  evaluateDataLoss: [Wasm.EvaluateDataLossInput, Wasm.EvaluateDataLossOutput]
  introspect: [Wasm.IntrospectParams, Wasm.IntrospectResult]
  introspectSql: [Wasm.IntrospectSqlParams, Wasm.IntrospectSqlResult]
  markMigrationApplied: [Wasm.MarkMigrationAppliedInput, Wasm.MarkMigrationAppliedOutput]
  markMigrationRolledBack: [Wasm.MarkMigrationRolledBackInput, Wasm.MarkMigrationRolledBackOutput]
  reset: [Wasm.ResetInput, void]
  schemaPush: [Wasm.SchemaPushInput, Wasm.SchemaPushOutput]
  version: [Wasm.GetDatabaseVersionInput | null | undefined, string]
  debugPanic: [undefined, void]
}
export type EngineMethod = keyof EngineMethods

export const ENGINE_METHODS: readonly EngineMethod[] = [
  'applyMigrations',
  'createMigration',
  'dbExecute',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'diff',
  'ensureConnectionValidity',
  'evaluateDataLoss',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
  'version',
  'debugPanic',
]

export function isEngineMethod(name: string): name is EngineMethod {
  return (ENGINE_METHODS as readonly string[]).includes(name)
}

export interface EngineSessionOptions {
  /** Main database. Without it, only calls that need no database work. */
  databaseUrl?: string | undefined
  shadowDatabaseUrl?: string | undefined
  /** Prisma schema files as [path, content]. */
  datamodels?: [string, string][] | undefined
  /** Receives each engine log line (a JSON string). Dropped by default. */
  onLog?: ((line: string) => void) | undefined
}

const SHADOW_CACHE_ERROR = /shadow DB must be provided through an external factory/i

/** Engine + adapter factory for one database; `close()` when done. */
export class SchemaEngineSession {
  private poisoned: SchemaEngineError | undefined
  private closed = false

  private constructor(
    private readonly engine: WasmSchemaEngine,
    private readonly factory: SchemaEnginePgFactory,
    private readonly registry: { consumeError(id: number): { error: unknown } | undefined },
    private readonly onLog: ((line: string) => void) | undefined,
  ) {}

  static async open(options: EngineSessionOptions = {}): Promise<SchemaEngineSession> {
    const glue = await loadSchemaEngineWasm()
    const { factory, bound } = createSchemaEngineAdapterFactory(options.databaseUrl, {
      shadowDatabaseUrl: options.shadowDatabaseUrl,
    })
    const onLog = options.onLog
    const logCallback = (line: unknown) => {
      if (onLog) onLog(typeof line === 'string' ? line.trimEnd() : JSON.stringify(line))
    }
    try {
      const engine = await keepAlive(() =>
        glue.SchemaEngine.new({ datamodels: options.datamodels }, logCallback, bound),
      )
      return new SchemaEngineSession(engine, factory, bound.errorRegistry, onLog)
    } catch (error) {
      await factory.disposeAll()
      const normalized = normalizeEngineError(error, { registry: bound.errorRegistry })
      if (normalized.isPanic) forgetSchemaEngineWasm()
      throw normalized
    }
  }

  /**
   * Calls an engine method. Errors come back as SchemaEngineError (external
   * errors unwrapped, panics recognised, failed migrations as P3018).
   */
  async call<M extends EngineMethod>(method: M, params: EngineMethods[M][0]): Promise<EngineMethods[M][1]> {
    if (this.closed) throw new SchemaEngineError('The schema engine session is closed.')
    if (this.poisoned) throw this.poisoned
    try {
      return await this.invoke(method, params)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      // Pitfall 6: evaluateDataLoss/createMigration reuse the shadow schema that
      // devDiagnostic cached, and applyMigrations clears it. Re-run devDiagnostic once.
      if ((method === 'evaluateDataLoss' || method === 'createMigration') && SHADOW_CACHE_ERROR.test(message)) {
        const input = params as Wasm.EvaluateDataLossInput | Wasm.CreateMigrationInput
        this.onLog?.(
          JSON.stringify({
            level: 'WARN',
            fields: { message: `${method}: shadow schema cache was cleared; re-running devDiagnostic and retrying once` },
            target: 'storefront::schema_engine',
          }),
        )
        try {
          await this.invoke('devDiagnostic', { migrationsList: input.migrationsList, filters: input.filters })
          return await this.invoke(method, params)
        } catch (retryError) {
          throw this.normalize(retryError, method)
        }
      }
      throw this.normalize(error, method)
    }
  }

  /** The adapter factory (for diagnostics and tests). */
  get adapterFactory(): SchemaEnginePgFactory {
    return this.factory
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      if (!this.poisoned) this.engine.free()
    } catch {
      // freeing a poisoned instance may trap; nothing to do
    }
    await this.factory.disposeAll()
  }

  private async invoke<M extends EngineMethod>(method: M, params: EngineMethods[M][0]): Promise<EngineMethods[M][1]> {
    this.factory.lastScriptError = undefined
    clearPanicMessage()
    const fn = (this.engine as unknown as Record<string, (p: unknown) => Promise<unknown> | unknown>)[method]
    if (typeof fn !== 'function') throw new SchemaEngineError(`Unknown schema engine method: ${method}`)
    return (await keepAlive(async () => fn.call(this.engine, params ?? undefined))) as EngineMethods[M][1]
  }

  private normalize(error: unknown, method: EngineMethod): SchemaEngineError {
    const normalized = normalizeEngineError(error, {
      registry: this.registry,
      lastScriptError: this.factory.lastScriptError,
      method,
    })
    if (normalized.isPanic) {
      // The wasm instance is unusable after a trap: the next session gets a fresh one.
      this.poisoned = normalized
      forgetSchemaEngineWasm()
    }
    return normalized
  }
}

/**
 * Runs `fn` while holding a ref'd timer. The engine's own timers are unref'd
 * (pitfall 8), so without this a process with nothing else to do could exit
 * in the middle of an engine call.
 */
export async function keepAlive<T>(fn: () => Promise<T> | T): Promise<T> {
  const timer = setInterval(() => {}, 60_000)
  try {
    return await fn()
  } finally {
    clearInterval(timer)
  }
}

/** Opens a session, runs `fn`, and always closes the session. */
export async function withEngine<T>(
  options: EngineSessionOptions,
  fn: (session: SchemaEngineSession) => Promise<T>,
): Promise<T> {
  const session = await SchemaEngineSession.open(options)
  try {
    return await fn(session)
  } finally {
    await session.close()
  }
}
