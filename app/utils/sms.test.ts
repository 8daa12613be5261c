import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeSmsProvider } from '../../tests/mocks/sms-provider.ts'
import { parseEnv } from './env.server.ts'
import { createSmsSender, HttpSmsSender, OutboxSmsSender } from './sms.server.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-outbox-'))
let provider: Awaited<ReturnType<typeof startFakeSmsProvider>>
beforeAll(async () => {
  provider = await startFakeSmsProvider()
})
afterAll(async () => {
  await provider.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('OutboxSmsSender', () => {
  it('writes one readable JSON file per message under <OUTBOX_DIR>/sms', async () => {
    const sender = new OutboxSmsSender(dir, 'SHOP')
    await sender.send({ to: '+919876543210', message: '111111 is your code' })
    await sender.send({ to: '+919876543211', message: '222222 is your code' })
    const files = fs.readdirSync(path.join(dir, 'sms'))
    expect(files).toHaveLength(2)
    const bodies = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'sms', f), 'utf8')) as Record<string, string>)
    expect(bodies).toEqual(expect.arrayContaining([expect.objectContaining({ to: '+919876543210', sender: 'SHOP', message: '111111 is your code' })]))
    // File names carry no phone number.
    for (const f of files) expect(f).not.toMatch(/9876543/)
  })
})

describe('HttpSmsSender', () => {
  it('POSTs { to, message, sender } with the bearer key', async () => {
    const sender = new HttpSmsSender({ url: provider.url, apiKey: 'key-123', sender: 'SHOP' })
    await sender.send({ to: '+447700900123', message: 'hello' })
    const req = provider.requests.at(-1)
    expect(req).toMatchObject({ method: 'POST', path: '/v1/messages', body: { to: '+447700900123', message: 'hello', sender: 'SHOP' } })
    expect(req?.headers.authorization).toBe('Bearer key-123')
    expect(req?.headers['content-type']).toMatch(/application\/json/)
  })

  it('a non-2xx answer is an error that does not echo the message', async () => {
    provider.setStatus(500)
    const sender = new HttpSmsSender({ url: provider.url, apiKey: 'key-123', sender: 'SHOP' })
    const err = await sender.send({ to: '+447700900123', message: '999999 secret' }).catch((e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    expect(err?.message).toContain('500')
    expect(err?.message).not.toContain('999999')
    provider.setStatus(202)
  })
})

describe('createSmsSender', () => {
  it('chooses HTTP when SMS_API_URL is set, else the outbox', () => {
    expect(createSmsSender(parseEnv({ OUTBOX_DIR: dir })).kind).toBe('outbox')
    expect(createSmsSender(parseEnv({ SMS_API_URL: provider.url, SMS_API_KEY: 'k', OUTBOX_DIR: dir })).kind).toBe('http')
  })

  it('SMS_API_URL without SMS_API_KEY is a configuration error', () => {
    expect(() => parseEnv({ SMS_API_URL: provider.url })).toThrow(/SMS_API_KEY/)
  })
})
