/**
 * Entry point of the stand-in schema engine (see ./schema-engine).
 *
 * Speaks the native schema engine's command line to the Prisma CLI:
 *   schema-engine --version
 *   schema-engine [--datamodels <path>]... [--datasource <json>]          JSON-RPC over stdio
 *   schema-engine --datasource <json> cli can-connect-to-database|create-database|drop-database
 *
 * JSON-RPC: one JSON object per line on stdin/stdout; log lines (JSON) on stderr.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { logLine, writeStderr, type CliArgs, type Datasource } from './cli-common.ts'

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { datamodels: [], datasource: undefined, version: false, help: false, positional: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.indexOf('=')
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined]
    const value = () => inline ?? argv[++i] ?? ''
    switch (flag) {
      case '--version':
      case '-V':
        args.version = true
        break
      case '--help':
      case '-h':
        args.help = true
        break
      case '--datamodels':
      case '-d':
        args.datamodels.push(value())
        break
      case '--datasource':
        args.datasource = JSON.parse(value()) as Datasource
        break
      case '--enabled-preview-features':
      case '--extension-types':
        value() // accepted, not used by the WebAssembly engine
        break
      default:
        args.positional.push(arg)
    }
  }
  return args
}

function engineCommitHash(): string {
  try {
    const require = createRequire(import.meta.url)
    const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(glue), 'package.json'), 'utf8')) as {
      version: string
    }
    return pkg.version.split('.').pop() ?? pkg.version
  } catch {
    return 'unknown'
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (error) {
    await writeStderr(logLine('ERROR', { message: `Invalid arguments: ${(error as Error).message}` }))
    process.exit(1)
  }
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${engineCommitHash()}\n`)
    return
  }
  if (args.help) {
    process.stdout.write(
      'Stand-in Prisma schema engine (WebAssembly). Usage:\n' +
        '  schema-engine [--datamodels <path>]... [--datasource <json>]     JSON-RPC on stdio\n' +
        '  schema-engine --datasource <json> cli can-connect-to-database|create-database|drop-database\n' +
        '  schema-engine --version\n',
    )
    return
  }
  if (args.positional[0] === 'cli') {
    const { runCliCommand } = await import('./oneshot.ts')
    const code = await runCliCommand(args, args.positional[1])
    process.exit(code)
  }
  const { RpcServer } = await import('./rpc.ts')
  await new RpcServer(args).serve()
}
