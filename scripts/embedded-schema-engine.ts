/**
 * The schema engine the Prisma CLI runs when DATABASE_URL is unset and no process serves the
 * embedded database (prisma.config.ts chooses it): it starts PGlite on the data folder, runs
 * the real engine (EMBEDDED_PG_SCHEMA_ENGINE) with the placeholder URL replaced by PGlite's,
 * and stops PGlite (flushed, lock released) once that engine has exited.
 *
 * stdout is the engine's JSON-RPC channel and stderr its JSON log, both read by the CLI: this
 * wrapper writes nothing to them but a log line in the engine's format when PGlite cannot start.
 */
import { spawn } from 'node:child_process'
import os from 'node:os'
import readline from 'node:readline'
import { EMBEDDED_PLACEHOLDER_URL } from '#app/utils/embedded-pg-url.ts'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '#app/utils/embedded-pg.server.ts'
import { logLine, writeStderr } from '#prisma/engine/cli-common.ts'

/** Time to wait for the engine of the previous command (or step) to let go of the folder. */
const LOCK_WAIT_MS = 15_000

export async function main(argv: string[]): Promise<void> {
  const dataDir = process.env.EMBEDDED_PG_DATA_DIR
  const engine = process.env.EMBEDDED_PG_SCHEMA_ENGINE
  if (!dataDir || !engine) throw new Error('EMBEDDED_PG_DATA_DIR and EMBEDDED_PG_SCHEMA_ENGINE are set by prisma.config.ts')

  // Nothing names the database (`--version`): the engine alone answers.
  if (!argv.some((arg) => arg.includes(EMBEDDED_PLACEHOLDER_URL))) {
    const plain = spawn(engine, argv, { stdio: 'inherit' })
    plain.once('exit', (code, signal) => process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0)))
    return
  }

  // The CLI stops the engine with SIGTERM (and a Ctrl-C reaches every process): pass it on
  // and stop once the engine has exited; before the engine runs, just stop.
  let interrupted: NodeJS.Signals | undefined
  let onSignal = (signal: NodeJS.Signals) => void (interrupted ??= signal)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => onSignal(signal))

  let pg: EmbeddedPostgres
  try {
    pg = await startEmbeddedPostgres({ dataDir, lockWaitMs: LOCK_WAIT_MS })
  } catch (err) {
    // As the engine reports an unreachable server: the CLI shows the message and the code.
    await writeStderr(logLine('INFO', { message: 'Starting the embedded PostgreSQL' }))
    await writeStderr(logLine('ERROR', { message: (err as Error).message, error_code: 'P1001' }))
    process.exit(1)
  }
  if (interrupted) {
    await pg.stop()
    process.exit(128 + os.constants.signals[interrupted])
  }

  const withUrl = (text: string) => text.split(EMBEDDED_PLACEHOLDER_URL).join(pg.url)
  const engineProcess = spawn(engine, argv.map(withUrl), { stdio: ['pipe', 'inherit', 'inherit'] })
  onSignal = (signal) => void engineProcess.kill(signal)
  // Requests can name the database too (db execute, migrate diff): one JSON object per line.
  const requests = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  requests.on('line', (line) => engineProcess.stdin.write(`${withUrl(line)}\n`))
  requests.on('close', () => engineProcess.stdin.end())
  engineProcess.stdin.on('error', () => undefined) // the engine exited first

  const code = await new Promise<number>((resolve) => {
    engineProcess.once('exit', (c, signal) => resolve(c ?? 128 + (signal ? os.constants.signals[signal] : 0)))
    engineProcess.once('error', (err) => {
      process.stderr.write(`${logLine('ERROR', { message: `Could not run the schema engine ${engine}: ${err.message}` })}\n`)
      resolve(1)
    })
  })
  requests.close()
  await pg.stop()
  process.exit(code)
}
