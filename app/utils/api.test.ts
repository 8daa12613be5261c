// The /api/v1 adapter's answers to bad input and to bugs: JSON bodies read with a cap even
// when chunked, strict UTF-8, no control characters in any string (400 naming the field);
// text PostgreSQL refuses (a real NUL error from the database) → 400; anything unexpected →
// a JSON 500 with no details, logged with the request id.
import { Writable } from 'node:stream'
import winston from 'winston'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { withTestRuntime } from '../../tests/fixtures/runtime.ts'
import { handleApi, parseJsonBody } from './api.server.ts'
import { getDb } from './db.server.ts'
import { getLogger, setLogger } from './logger.server.ts'
import { runInRequest } from './request-context.server.ts'

withTestRuntime('api_adapter')

const Schema = z.object({ name: z.string(), note: z.string().optional(), lines: z.array(z.object({ size: z.string() })).optional() })

function jsonRequest(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request('http://shop.test/api/v1/things', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body, duplex: 'half' } as RequestInit)
}

/** A body sent in chunks with no Content-Length, as a client streaming it would. */
function chunked(text: string, chunkSize = 8 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let at = 0
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close()
      c.enqueue(bytes.slice(at, at + chunkSize))
      at += chunkSize
    },
  })
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; error: { code: string; message: string; fields?: Record<string, string> } }> {
  const res = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(res).toBeInstanceOf(Response)
  const r = res as Response
  return { status: r.status, ...((await r.json()) as { error: { code: string; message: string; fields?: Record<string, string> } }) }
}

describe('parseJsonBody', () => {
  it('refuses a control character in any string, naming the field; tab and line breaks are fine', async () => {
    const nul = await refusal(parseJsonBody(jsonRequest(JSON.stringify({ name: 'ok', lines: [{ size: 'M\u0000' }] })), Schema))
    expect(nul).toMatchObject({ status: 400, error: { code: 'VALIDATION', fields: { 'lines.0.size': expect.stringMatching(/control characters/) } } })
    const escape = await refusal(parseJsonBody(jsonRequest(JSON.stringify({ name: '\u001b[31mred' })), Schema))
    expect(escape.error.fields).toEqual({ name: expect.any(String) })
    expect(await parseJsonBody(jsonRequest(JSON.stringify({ name: 'Kurta', note: 'first line\n\tsecond\r\n' })), Schema)).toEqual({ name: 'Kurta', note: 'first line\n\tsecond\r\n' })
  })

  it('refuses a body over 64 KB whether or not it declares its length, and bytes that are not UTF-8', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) })
    const streamed = await refusal(parseJsonBody(jsonRequest(chunked(big)), Schema))
    expect(streamed).toMatchObject({ status: 400, error: { code: 'VALIDATION', message: 'The request body is too large.' } })
    const declared = await refusal(parseJsonBody(jsonRequest('{}', { 'Content-Length': String(big.length) }), Schema))
    expect(declared.error.message).toBe('The request body is too large.')
    const latin1 = await refusal(parseJsonBody(jsonRequest(new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])), Schema))
    expect(latin1.error.message).toBe('The request body is not valid UTF-8.')
    // just under the cap, streamed, is read in full
    expect(await parseJsonBody(jsonRequest(chunked(JSON.stringify({ name: 'y'.repeat(60 * 1024) }))), Schema)).toEqual({ name: 'y'.repeat(60 * 1024) })
  })
})

describe('handleApi', () => {
  let lines: string[] = []
  const previous = getLogger()
  beforeAll(() => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    setLogger(winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] }))
  })
  afterAll(() => setLogger(previous))

  it('answers 400 when PostgreSQL refuses the text (NUL), as a last line of defence', async () => {
    const res = await handleApi(async () => Response.json(await getDb().product.findFirst({ where: { slug: 'kurta\u0000' } })))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION', message: expect.stringMatching(/cannot be stored/) } })
  })

  it('answers a bug with a JSON 500 that tells nothing, and logs the stack with the request id', async () => {
    lines = []
    const res = await runInRequest('req-bad-input-1', () =>
      handleApi(async () => {
        throw new Error('secret internals at line 42')
      }),
    )
    expect(res.status).toBe(500)
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'Something went wrong' } })
    expect(text).not.toContain('secret internals')
    const logged = lines.map((l) => JSON.parse(l) as { level: string; requestId?: string; error?: string }).find((l) => l.level === 'error')
    expect(logged).toMatchObject({ requestId: 'req-bad-input-1', error: expect.stringContaining('secret internals at line 42') })
  })
})
