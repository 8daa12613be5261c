/** winston logger: JSON lines to stdout, optionally to logs/error.log and logs/combined.log. */
import fs from 'node:fs'
import path from 'node:path'
import winston from 'winston'

const SECRET_KEYS = /pass(word)?|secret|token|otp|code|authorization|cookie|card/i
// A run of 10+ digits (spaces or dashes allowed) standing alone: not part of an id such as a
// UUID, a migration name or a base-36 file name, and not a date (8 digits). In URLs the `+`
// and spaces may be percent-encoded (`%2B91…`, `%20`, even twice: `%252B`), and a number may
// follow another escape (`phone%3D91…`), so those count as separators too.
const PHONE = /(?<=^|[^\w-]|%[\da-f]{2})(?:\+|%(?:25)?2b)?\d(?:[\d\s-]|%(?:25)?20){7,}\d(?![\w-])/gi
const URL_SEPARATORS = /%(?:25)?(2b|20)/gi
const maskIfPhone = (m: string) => {
  const plain = m.replace(URL_SEPARATORS, (_, hex: string) => (hex.toLowerCase() === '2b' ? '+' : ' '))
  return plain.replace(/\D/g, '').length >= 10 ? maskPhone(plain) : m
}

/** Masks a phone number to its last 2 digits: +91******12. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '')
  if (digits.length < 4) return '***'
  return `${phone.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}${'*'.repeat(Math.max(digits.length - 4, 2))}${digits.slice(-2)}`
}

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]'
  if (typeof value === 'string') return value.replace(PHONE, maskIfPhone)
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1))
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) && k !== 'statusCode' ? '[redacted]' : scrub(v, depth + 1)
    }
    return out
  }
  return value
}

/** Drops secrets and masks phone numbers in every log record. */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue
    const v = (info as Record<string, unknown>)[key]
    ;(info as Record<string, unknown>)[key] = SECRET_KEYS.test(key) && key !== 'statusCode' ? '[redacted]' : scrub(v)
  }
  return info
})

export interface LoggerOptions {
  level?: string
  toFiles?: boolean
  dir?: string
  silent?: boolean
}

export function createLogger(opts: LoggerOptions = {}): winston.Logger {
  const format = winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), redact(), winston.format.json())
  const transports: winston.transport[] = [new winston.transports.Console({ silent: opts.silent })]
  if (opts.toFiles) {
    const dir = opts.dir ?? 'logs'
    fs.mkdirSync(dir, { recursive: true })
    transports.push(
      new winston.transports.File({ filename: path.join(dir, 'error.log'), level: 'error' }),
      new winston.transports.File({ filename: path.join(dir, 'combined.log') }),
    )
  }
  return winston.createLogger({ level: opts.level ?? 'info', format, transports })
}

const globalForLogger = globalThis as unknown as { __logger?: winston.Logger; __stdoutOnly?: boolean }

/** The process-wide logger (shared by server.ts and Vite-loaded modules through globalThis). */
export function getLogger(): winston.Logger {
  if (!globalForLogger.__logger) {
    const opts = {
      level: process.env.LOG_LEVEL ?? 'info',
      toFiles: ['true', '1', 'yes'].includes(process.env.LOG_TO_FILES ?? ''),
      dir: process.env.LOG_DIR ?? 'logs',
      silent: process.env.LOG_SILENT === 'true',
    }
    globalForLogger.__logger = createLogger(opts)
    globalForLogger.__stdoutOnly = !opts.toFiles && !opts.silent
  }
  return globalForLogger.__logger
}

export function setLogger(logger: winston.Logger) {
  globalForLogger.__logger = logger
  globalForLogger.__stdoutOnly = false
}

/**
 * The one line per request. At `info` on the process logger writing only to stdout (the
 * default), the line is built and written here: the same record the logger would write
 * (fields scrubbed, timestamp, JSON) for a quarter of the cost of winston's stream pipeline,
 * which at thousands of requests a second was half the cached API's CPU. Any other level,
 * destination or logger goes through the logger.
 */
export function logRequestLine(level: 'info' | 'warn' | 'error', line: Record<string, unknown>) {
  const logger = getLogger()
  if (level !== 'info' || !globalForLogger.__stdoutOnly) {
    logger.log(level, 'request', line)
    return
  }
  if (!logger.isLevelEnabled('info')) return
  const record: Record<string, unknown> = { level: 'info', message: 'request' }
  for (const [k, v] of Object.entries(line)) {
    if (v !== undefined) record[k] = SECRET_KEYS.test(k) && k !== 'statusCode' ? '[redacted]' : scrub(v)
  }
  record.timestamp = new Date().toISOString()
  process.stdout.write(`${JSON.stringify(record)}\n`)
}
