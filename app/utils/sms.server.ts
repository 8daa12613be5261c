/**
 * Outgoing SMS: a generic JSON HTTP provider when SMS_API_URL is set, else one file per
 * message under $OUTBOX_DIR/sms for a developer to read. Logs show masked numbers only.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Env } from './env.server.ts'
import { getLogger, maskPhone } from './logger.server.ts'

export interface SmsMessage {
  /** E.164 */
  to: string
  message: string
}

export interface SmsSender {
  readonly kind: string
  /** Resolves once the message is accepted; rejects when it is not. */
  send(msg: SmsMessage): Promise<void>
}

/** Development: writes `<dir>/sms/<time>-<random>.json` ({ to, sender, message, createdAt }). */
export class OutboxSmsSender implements SmsSender {
  readonly kind = 'outbox'
  constructor(
    private readonly outboxDir: string,
    private readonly sender = 'STORE',
  ) {}

  get dir() {
    return path.resolve(this.outboxDir, 'sms')
  }

  async send(msg: SmsMessage): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true })
    // Base-36 time sorts by age and keeps long digit runs (which logs mask as phones) out of the name.
    const name = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.json`
    const body = { to: msg.to, sender: this.sender, message: msg.message, createdAt: new Date().toISOString() }
    await fs.writeFile(path.join(this.dir, name), `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 })
    getLogger().info('sms written to the outbox', { to: maskPhone(msg.to), file: path.join('sms', name) })
  }
}

export interface HttpSmsOptions {
  url: string
  apiKey: string
  sender: string
  timeoutMs?: number
  fetch?: typeof fetch
}

/** A JSON HTTP provider: POST url, `Authorization: Bearer <key>`, body { to, message, sender }; non-2xx is an error. */
export class HttpSmsSender implements SmsSender {
  readonly kind = 'http'
  constructor(private readonly opts: HttpSmsOptions) {}

  async send(msg: SmsMessage): Promise<void> {
    const doFetch = this.opts.fetch ?? fetch
    const res = await doFetch(this.opts.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${this.opts.apiKey}` },
      body: JSON.stringify({ to: msg.to, message: msg.message, sender: this.opts.sender }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    })
    // The provider's reply may echo the message (and so the code): never put it in an error.
    await res.body?.cancel().catch(() => undefined)
    if (!res.ok) throw new SmsError(`SMS provider answered ${res.status}`, res.status)
    getLogger().info('sms sent', { to: maskPhone(msg.to), provider: new URL(this.opts.url).host })
  }
}

export class SmsError extends Error {
  constructor(
    message: string,
    public readonly status?: number,
  ) {
    super(message)
    this.name = 'SmsError'
  }
}

export function createSmsSender(env: Pick<Env, 'SMS_API_URL' | 'SMS_API_KEY' | 'SMS_SENDER_ID' | 'OUTBOX_DIR'>): SmsSender {
  if (env.SMS_API_URL && env.SMS_API_KEY) return new HttpSmsSender({ url: env.SMS_API_URL, apiKey: env.SMS_API_KEY, sender: env.SMS_SENDER_ID })
  return new OutboxSmsSender(env.OUTBOX_DIR, env.SMS_SENDER_ID)
}

const g = globalThis as unknown as { __smsSender?: SmsSender; __smsSenderEnv?: object }

/** The process's sender, chosen from `env` (tests may replace it with setSmsSender). */
export function getSmsSender(env: Env): SmsSender {
  if (!g.__smsSender || (g.__smsSenderEnv && g.__smsSenderEnv !== env)) {
    g.__smsSender = createSmsSender(env)
    g.__smsSenderEnv = env
  }
  return g.__smsSender
}

/** Replaces the sender (tests); `null` goes back to choosing by env. */
export function setSmsSender(sender: SmsSender | null) {
  g.__smsSender = sender ?? undefined
  g.__smsSenderEnv = undefined
}
