/**
 * One-shot mode of the stand-in engine: `--datasource <json> cli <command>`,
 * which the Prisma CLI runs before migrate commands (can-connect, then create
 * the database on P1003).
 */
import { parseDatabaseUrl } from './adapter.ts'
import { logLine, redact, writeStderr, type CliArgs } from './cli-common.ts'
import { canConnectToDatabase, createDatabase, dropDatabase } from './database.ts'
import { normalizeEngineError, SchemaEngineError } from './errors.ts'

export async function runCliCommand(args: CliArgs, command: string | undefined): Promise<number> {
  const url = args.datasource?.url
  // The CLI parses every stderr line but the first as JSON: open with a log
  // line (as the native engine does) and keep Node's warnings off stderr.
  process.emitWarning = () => {}
  await writeStderr(logLine('INFO', { message: `Starting schema engine CLI: ${command ?? ''}` }))
  try {
    if (!url) throw new SchemaEngineError('The `--datasource` argument with a `url` is required for `cli` commands.')
    switch (command) {
      case 'can-connect-to-database':
        await canConnectToDatabase(url)
        await writeStderr(logLine('INFO', { message: 'Connection successful' }))
        return 0
      case 'create-database': {
        await createDatabase(url)
        const name = parseDatabaseUrl(url).database
        process.stdout.write(`Database '${name}' was successfully created.\n`)
        return 0
      }
      case 'drop-database': {
        await dropDatabase(url)
        const name = parseDatabaseUrl(url).database
        process.stdout.write(`The database '${name}' was successfully dropped.\n`)
        return 0
      }
      default:
        throw new SchemaEngineError(`Unknown cli command: ${command ?? '(none)'}`)
    }
  } catch (error) {
    const e = error instanceof SchemaEngineError ? error : normalizeEngineError(error)
    const fields: Record<string, unknown> = { message: redact(e.message, args.datasource) }
    if (e.code) fields.error_code = e.code
    await writeStderr(logLine('ERROR', fields))
    return 1
  }
}

