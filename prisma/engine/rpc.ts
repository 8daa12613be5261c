/**
 * JSON-RPC server mode of the stand-in engine: one JSON object per line on
 * stdin/stdout, JSON log lines on stderr, answered by the WebAssembly engine.
 */
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { parseDatabaseUrl } from './adapter.ts'
import { logLine, redact, writeStderr, type CliArgs, type Datasource } from './cli-common.ts'
import { createDatabase } from './database.ts'
import { isEngineMethod, SchemaEngineSession, type EngineSessionOptions } from './engine.ts'
import { normalizeEngineError, SchemaEngineError } from './errors.ts'
import { loadSchemaEngineWasm } from './wasm.ts'

interface RpcRequest {
  jsonrpc?: string
  id?: number | string | null
  method?: string
  params?: unknown
}

/** Error response in the native engine's shape (`data.is_panic`, `data.message`, `data.error_code`). */
function rpcError(id: RpcRequest['id'], error: SchemaEngineError, datasource: Datasource | undefined): object {
  const message = redact(error.message, datasource)
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: 4466,
      message: 'An error happened. Check the data field for details.',
      data: {
        is_panic: error.isPanic,
        message,
        meta: error.meta ?? {},
        error_code: error.code ?? null,
        ...(error.isPanic ? { error: { message } } : {}),
      },
    },
  }
}

export class RpcServer {
  private session: Promise<SchemaEngineSession> | undefined
  private readonly extraSessions = new Map<string, Promise<SchemaEngineSession>>()
  private readonly sessionOptions: EngineSessionOptions

  constructor(private readonly args: CliArgs) {
    const datamodels = args.datamodels.map((file): [string, string] => {
      const resolved = path.resolve(file)
      return [resolved, fs.readFileSync(resolved, 'utf8')]
    })
    this.sessionOptions = {
      databaseUrl: args.datasource?.url,
      shadowDatabaseUrl: args.datasource?.shadowDatabaseUrl,
      datamodels: datamodels.length > 0 ? datamodels : undefined,
      onLog: (line) => process.stderr.write(`${line}\n`),
    }
  }

  private main(): Promise<SchemaEngineSession> {
    this.session ??= SchemaEngineSession.open(this.sessionOptions)
    this.session.catch(() => {
      this.session = undefined
    })
    return this.session
  }

  /** A session for a URL other than the configured one (db execute / diff --from-url). */
  private forUrl(url: string | undefined): Promise<SchemaEngineSession> {
    if (!url || url === this.args.datasource?.url) return this.main()
    let session = this.extraSessions.get(url)
    if (!session) {
      session = SchemaEngineSession.open({ ...this.sessionOptions, databaseUrl: url, shadowDatabaseUrl: undefined })
      this.extraSessions.set(url, session)
      session.catch(() => this.extraSessions.delete(url))
    }
    return session
  }

  async handle(method: string, params: unknown): Promise<unknown> {
    const p = (params ?? {}) as Record<string, unknown>
    switch (method) {
      case 'getDatabaseVersion':
        return (await this.main()).call('version', (params ?? null) as never)
      case 'createDatabase': {
        const ds = p.datasource as { tag?: string; url?: string } | undefined
        const url = ds?.tag === 'ConnectionString' && ds.url ? ds.url : this.args.datasource?.url
        if (!url) throw new SchemaEngineError('No database URL to create.')
        await createDatabase(url)
        return { databaseName: parseDatabaseUrl(url).database }
      }
      case 'dbExecute': {
        const target = p.datasourceType as { tag?: string; url?: string } | undefined
        const session = await this.forUrl(target?.tag === 'url' ? target.url : undefined)
        return session.call('dbExecute', params as never)
      }
      case 'diff': {
        const urls = [p.from, p.to]
          .map((t) => t as { tag?: string; url?: string } | undefined)
          .filter((t) => t?.tag === 'url')
          .map((t) => t?.url)
        const distinct = [...new Set(urls.filter((u) => u && u !== this.args.datasource?.url))]
        if (distinct.length > 1) {
          throw new SchemaEngineError('Diffing two different database URLs at once is not supported by the stand-in engine.')
        }
        const result = await (await this.forUrl(distinct[0])).call('diff', params as never)
        if (result.stdout !== null && result.stdout !== undefined) await this.print(result.stdout)
        return { ...result, stdout: null }
      }
      case 'getDatabaseDescription':
        throw new SchemaEngineError('getDatabaseDescription is not supported by the WebAssembly schema engine.')
      default:
        if (isEngineMethod(method)) return (await this.main()).call(method, params as never)
        throw Object.assign(new Error(`Method not found: ${method}`), { rpcCode: -32601 })
    }
  }

  async close(): Promise<void> {
    const sessions = [this.session, ...this.extraSessions.values()].filter(Boolean)
    await Promise.all(sessions.map(async (s) => (await s!.catch(() => undefined))?.close()))
  }

  private readonly pendingPrints = new Map<number, () => void>()
  private nextPrintId = 1

  private write(message: object): Promise<void> {
    return new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()))
  }

  /**
   * Asks the CLI to print `content` on its stdout (the native engine's `print`
   * request, which `migrate diff` relies on: the CLI prints nothing itself).
   */
  private async print(content: string): Promise<void> {
    const id = this.nextPrintId++
    const answered = new Promise<void>((resolve) => this.pendingPrints.set(id, resolve))
    await this.write({ jsonrpc: '2.0', id, method: 'print', params: { content } })
    await answered
  }

  async serve(): Promise<void> {
    // Nothing but responses may go to stdout.
    const toStderr = (...data: unknown[]) => process.stderr.write(`${data.map(String).join(' ')}\n`)
    console.log = toStderr
    console.info = toStderr
    console.debug = toStderr
    // Start loading the engine while the CLI prepares its first request.
    loadSchemaEngineWasm().catch(() => {})

    let queue: Promise<void> = Promise.resolve()
    let exitCode = 0
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
    lines.on('line', (line) => {
      if (!line.trim()) return
      let request: RpcRequest
      try {
        request = JSON.parse(line) as RpcRequest
      } catch {
        void this.write({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
        return
      }
      // An answer to one of our own requests (print): settle it now, not behind the queue.
      if (typeof request.method !== 'string') {
        const settle = typeof request.id === 'number' ? this.pendingPrints.get(request.id) : undefined
        if (settle && typeof request.id === 'number') {
          this.pendingPrints.delete(request.id)
          settle()
        }
        return
      }
      if (request.id === undefined || request.id === null) return // notification
      const { id, method, params } = request
      queue = queue.then(async () => {
        if (exitCode !== 0) return
        try {
          const result = await this.handle(method, params)
          await this.write({ jsonrpc: '2.0', id, result: result ?? null })
        } catch (error) {
          const rpcCode = (error as { rpcCode?: number }).rpcCode
          if (rpcCode) {
            await this.write({ jsonrpc: '2.0', id, error: { code: rpcCode, message: (error as Error).message } })
            return
          }
          const e = normalizeEngineError(error)
          await this.write(rpcError(id, e, this.args.datasource))
          if (e.isPanic) {
            await writeStderr(logLine('ERROR', { message: redact(e.message, this.args.datasource), is_panic: true }))
            exitCode = 101
            await this.close().catch(() => {})
            process.exit(101)
          }
        }
      })
    })
    await new Promise<void>((resolve) => lines.once('close', () => resolve()))
    await queue
    await this.close().catch(() => {})
    process.exit(exitCode)
  }
}

