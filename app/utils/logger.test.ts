import { Writable } from 'node:stream'
import winston from 'winston'
import { describe, expect, it, vi } from 'vitest'
import { createLogger, getLogger, logRequestLine, maskPhone, setLogger } from './logger.server.ts'

function capture() {
  const lines: string[] = []
  const logger = createLogger({ level: 'debug' })
  logger.clear()
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk))
          cb()
        },
      }),
    }),
  )
  return { logger, lines }
}

describe('logger', () => {
  it('writes one JSON object per line with level, message and timestamp', () => {
    const { logger, lines } = capture()
    logger.info('request', { requestId: 'r1', method: 'GET', path: '/', status: 200, durationMs: 3.2 })
    const rec = JSON.parse(lines[0]!)
    expect(rec).toMatchObject({ level: 'info', message: 'request', requestId: 'r1', status: 200 })
    expect(rec.timestamp).toBeTruthy()
  })

  it('never writes secrets, tokens, OTP codes or full phone numbers', () => {
    const { logger, lines } = capture()
    logger.info('otp sent', { phone: '+919876543210', code: '493021', token: 'eyJhbGciOi.secret', password: 'hunter2', nested: { authorization: 'Bearer abc' } })
    logger.warn('login for +91 98765 43210 failed')
    const out = lines.join('\n')
    for (const secret of ['9876543210', '98765 43210', '493021', 'eyJhbGciOi', 'hunter2', 'Bearer abc']) expect(out).not.toContain(secret)
    expect(out).toContain('+91********10')
  })

  it('leaves request ids, migration names and dates readable, but masks a number at the end of a sentence', () => {
    const { logger, lines } = capture()
    const ids = { requestId: '1322d72e-5812-49d5-8a1f-000000000000', uuid: '01937aa0-1234-7123-8123-123456789012', migration: '20261123221153_init', day: '2026-12-01' }
    logger.info('ids', ids)
    logger.info('sms sent to 9876543210.')
    const rec = JSON.parse(lines[0]!)
    expect(rec).toMatchObject(ids)
    expect(lines[1]).not.toContain('9876543210')
  })

  it.each([
    ['an encoded +', '/login?phone=%2B919812300001&redirectTo=%2Faccount', '919812300001'],
    ['a lower-case encoded +', '/login?phone=%2b919812300001', '919812300001'],
    ['a twice-encoded +', '/login?next=%2Flogin%3Fphone%3D%252B919812300001', '919812300001'],
    ['encoded spaces', '/login?phone=%2B91%2098123%2000001', '98123%2000001'],
    ['a bare number', '/login?phone=9812300001', '9812300001'],
    ['a number after another escape', '/x?redirectTo=%2Flogin%3Fphone%3D919812300001', '919812300001'],
    ['a number in a path', '/users/919812300001/orders', '919812300001'],
  ])('masks a phone number in a URL with %s', (_label, url, digits) => {
    const { logger, lines } = capture()
    logger.error('error while streaming a page', { url })
    logger.info(`GET ${url}`)
    const out = lines.join('\n')
    expect(out).not.toContain(digits)
    expect(out).not.toContain('98123')
    expect(out).toMatch(/\d\d\*{4,}01/)
  })

  it('leaves other URLs, escapes and short numbers alone', () => {
    const { logger, lines } = capture()
    const url = '/search?q=kurta%20size%2042&page=12&sort=price_asc&id=01937aa0-1234-7123-8123-123456789012&t=%2B1234567'
    logger.info('request', { url })
    expect(JSON.parse(lines[0]!).url).toBe(url)
  })

  it('masks a phone number down to its country code and last two digits', () => {
    expect(maskPhone('+919876543210')).toBe('+91********10')
  })

  it('writes the request line itself, as the logger would, when the process logger writes only to stdout', () => {
    const previous = getLogger()
    const env = { LOG_SILENT: process.env.LOG_SILENT, LOG_LEVEL: process.env.LOG_LEVEL }
    const written: string[] = []
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    try {
      ;(globalThis as { __logger?: unknown }).__logger = undefined
      process.env.LOG_SILENT = 'false'
      process.env.LOG_LEVEL = 'info'
      logRequestLine('info', { requestId: 'r2', method: 'GET', path: '/api/v1/orders/+919876543210', status: 200, durationMs: 1.5, userId: undefined, token: 'abc' })
      expect(written).toHaveLength(1)
      expect(written[0]!.endsWith('\n')).toBe(true)
      const rec = JSON.parse(written[0]!)
      expect(rec).toEqual({ level: 'info', message: 'request', requestId: 'r2', method: 'GET', path: '/api/v1/orders/+91********10', status: 200, durationMs: 1.5, token: '[redacted]', timestamp: expect.any(String) })
      expect(Number.isNaN(Date.parse(rec.timestamp))).toBe(false)

      // below the logger's level: nothing
      ;(globalThis as { __logger?: unknown }).__logger = undefined
      process.env.LOG_LEVEL = 'warn'
      logRequestLine('info', { requestId: 'r3', method: 'GET', path: '/', status: 200, durationMs: 1 })
      expect(written).toHaveLength(1)
    } finally {
      write.mockRestore()
      process.env.LOG_SILENT = env.LOG_SILENT
      process.env.LOG_LEVEL = env.LOG_LEVEL
      if (env.LOG_LEVEL === undefined) delete process.env.LOG_LEVEL
      setLogger(previous)
    }
  })

  it('hands other levels and replaced loggers to the logger', () => {
    const previous = getLogger()
    const { logger, lines } = capture()
    setLogger(logger)
    try {
      logRequestLine('info', { requestId: 'r4', method: 'GET', path: '/', status: 200, durationMs: 1 })
      logRequestLine('error', { requestId: 'r5', method: 'GET', path: '/', status: 500, durationMs: 1 })
      expect(lines.map((l) => JSON.parse(l))).toMatchObject([
        { level: 'info', message: 'request', requestId: 'r4' },
        { level: 'error', message: 'request', requestId: 'r5', status: 500 },
      ])
    } finally {
      setLogger(previous)
    }
  })
})
