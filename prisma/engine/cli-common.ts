/** Shared bits of the stand-in engine's command line (see main.ts). */

export interface Datasource {
  url?: string
  shadowDatabaseUrl?: string
}

export interface CliArgs {
  datamodels: string[]
  datasource: Datasource | undefined
  version: boolean
  help: boolean
  positional: string[]
}

/** A log line in the format the CLI reads from the native engine's stderr. */
export function logLine(level: 'INFO' | 'ERROR' | 'WARN', fields: Record<string, unknown>): string {
  return JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target: 'schema_engine::logger' })
}

export function writeStderr(line: string): Promise<void> {
  return new Promise((resolve) => process.stderr.write(`${line}\n`, () => resolve()))
}

/** Hides the datasource URLs in a message. */
export function redact(message: string, datasource: Datasource | undefined): string {
  let out = message
  for (const url of [datasource?.url, datasource?.shadowDatabaseUrl]) {
    if (url) out = out.split(url).join('<REDACTED>')
  }
  return out
}
