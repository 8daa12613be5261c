/** Configuration: every environment variable the app reads, validated once at start. */
import proxyaddr from 'proxy-addr'
import { z } from 'zod'

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)))

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback
      const n = Number(v)
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer between ${min} and ${max}` })
        return z.NEVER
      }
      return n
    })

const urlWithProtocols = (protocols: string[], example: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine(
      (v) => {
        if (v === undefined) return true
        try {
          const u = new URL(v)
          return protocols.includes(u.protocol) && u.hostname !== ''
        } catch {
          return false
        }
      },
      { message: `must be a URL like ${example}` },
    )

/**
 * A comma-separated list of proxy-addr names (`loopback`, `linklocal`, `uniquelocal`),
 * addresses and CIDR ranges, checked with proxy-addr itself.
 */
const proxyList = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v?.trim() ? v : fallback)
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
      try {
        if (!list.length) throw new Error('empty')
        proxyaddr.compile(list)
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of loopback, linklocal, uniquelocal, IP addresses or CIDR ranges' })
        return z.NEVER
      }
      return list
    })

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000, 0, 65535),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: urlWithProtocols(['http:', 'https:'], 'https://shop.example.com'),
    // Proxies in front of the app whose X-Forwarded-For/-Host/-Proto are believed (client
    // address for rate limits, host for the cross-site check). Only trust what you run.
    TRUST_PROXY: proxyList('loopback'),
    DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgresql://user:pass@host:5432/db'),
    DB_POOL_MAX: int(10, 1, 200),
    DATA_DIR: z.string().default('.data'),
    REDIS_URL: urlWithProtocols(['redis:', 'rediss:'], 'redis://127.0.0.1:6379/0').refine(
      // ioredis reads the path as the database number and carries on in database 0 when it is not one.
      (v) => v === undefined || !URL.canParse(v) || /^\/?\d*$/.test(new URL(v).pathname),
      { message: 'must name its database by number, like redis://127.0.0.1:6379/0' },
    ),
    REDIS_KEY_PREFIX: z.string().default('shop:'),
    SESSION_SECRET: z.string().optional(),
    JWT_SECRET: z.string().optional(),
    DEV_OTP_CODE: z
      .string()
      .regex(/^\d{6}$/, 'must be exactly 6 digits')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    LOG_TO_FILES: bool(false),
    LOG_DIR: z.string().default('logs'),
    RUN_WORKER: bool(true),
    SEED_ON_EMPTY: bool(true),
    SMTP_URL: urlWithProtocols(['smtp:', 'smtps:'], 'smtp://user:pass@smtp.example.com:587'),
    MAIL_FROM: z.string().default('Store <no-reply@localhost>'),
    OUTBOX_DIR: z.string().default('outbox'),
    // SMS provider for sign-in codes (a generic JSON HTTP API); unset: codes go to $OUTBOX_DIR/sms.
    SMS_API_URL: urlWithProtocols(['http:', 'https:'], 'https://sms.example.com/v1/messages'),
    SMS_API_KEY: z.string().optional(),
    SMS_SENDER_ID: z.string().default('STORE'),
    UPLOAD_DIR: z.string().default('uploads'),
    CLOUDINARY_URL: urlWithProtocols(['cloudinary:'], 'cloudinary://key:secret@cloud-name'),
    // Cloudinary's API origin; overridable so tests can point at a local fake.
    CLOUDINARY_API_BASE: urlWithProtocols(['http:', 'https:'], 'https://api.cloudinary.com').transform((v) => v ?? 'https://api.cloudinary.com'),
    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
    // Google's OAuth endpoints; overridable so tests can point at a local fake.
    GOOGLE_AUTH_URL: urlWithProtocols(['http:', 'https:'], 'https://accounts.google.com/o/oauth2/v2/auth').transform((v) => v ?? 'https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: urlWithProtocols(['http:', 'https:'], 'https://oauth2.googleapis.com/token').transform((v) => v ?? 'https://oauth2.googleapis.com/token'),
    GOOGLE_USERINFO_URL: urlWithProtocols(['http:', 'https:'], 'https://www.googleapis.com/oauth2/v3/userinfo').transform((v) => v ?? 'https://www.googleapis.com/oauth2/v3/userinfo'),
    RAZORPAY_KEY_ID: z.string().optional(),
    RAZORPAY_KEY_SECRET: z.string().optional(),
    RAZORPAY_WEBHOOK_SECRET: z.string().optional(),
    // Razorpay's API origin; overridable so tests can point at a local fake.
    RAZORPAY_API_BASE: urlWithProtocols(['http:', 'https:'], 'https://api.razorpay.com').transform((v) => v ?? 'https://api.razorpay.com'),
    // An online-payment order still unpaid after this long is cancelled and its stock released.
    PAYMENT_TIMEOUT_MINUTES: int(30, 1, 7 * 24 * 60),
    SHOP_NAME: z.string().default('Kirana Threads'),
    CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as INR').default('INR'),
    LOCALE: z.string().default('en-IN'),
    SHOP_TIMEZONE: z.string().default('Asia/Kolkata'),
    SHUTDOWN_TIMEOUT_MS: int(15000, 0),
    // Anonymous catalogue pages kept rendered in process for at most this long (and only until
    // the next catalogue change); 0 turns it off. -1 (the default): 60 for the production
    // build, off under Vite's development server (edited components would meet stale HTML).
    PAGE_CACHE_SECONDS: int(-1, -1, 3600),
    // Fixed-window rate limits per client IP, shared through Redis when REDIS_URL is set.
    RATE_LIMIT_WINDOW_MS: int(900_000, 1_000),
    RATE_LIMIT_API_MAX: int(100, 1),
    RATE_LIMIT_AUTH_MAX: int(10, 1),
    // Sign-in codes per phone number (whoever asks): at most this many per window, and one per resend interval.
    RATE_LIMIT_OTP_PHONE_MAX: int(10, 1),
    RATE_LIMIT_OTP_PHONE_WINDOW_MS: int(900_000, 1_000),
    RATE_LIMIT_OTP_RESEND_MS: int(30_000, 0, 3_600_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      for (const key of ['SESSION_SECRET', 'JWT_SECRET'] as const) {
        const v = env[key]
        if (!v || v.length < 32) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production (at least 32 characters)' })
      }
      if (env.DEV_OTP_CODE) ctx.addIssue({ code: 'custom', path: ['DEV_OTP_CODE'], message: 'must not be set in production' })
    }
    if (env.SMS_API_URL && !env.SMS_API_KEY) {
      ctx.addIssue({ code: 'custom', path: ['SMS_API_KEY'], message: 'is required when SMS_API_URL is set' })
    }
    if (Boolean(env.GOOGLE_CLIENT_ID) !== Boolean(env.GOOGLE_CLIENT_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['GOOGLE_CLIENT_SECRET'], message: 'GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET go together' })
    }
    if (Boolean(env.RAZORPAY_KEY_ID) !== Boolean(env.RAZORPAY_KEY_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['RAZORPAY_KEY_SECRET'], message: 'RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET go together' })
    }
    try {
      new Intl.DateTimeFormat('en', { timeZone: env.SHOP_TIMEZONE })
    } catch {
      ctx.addIssue({ code: 'custom', path: ['SHOP_TIMEZONE'], message: 'is not a known IANA time zone' })
    }
  })
  .transform((env) => ({
    ...env,
    // Development-only fallbacks; production refuses to start without real secrets (above).
    SESSION_SECRET: env.SESSION_SECRET ?? 'dev-session-secret-not-for-production-use',
    JWT_SECRET: env.JWT_SECRET ?? 'dev-jwt-secret-not-for-production-use-000',
  }))

export type Env = z.infer<typeof EnvSchema>

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'EnvError'
  }
}

/** Parses an environment; throws EnvError listing every problem (never the values). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source)
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`))
  }
  return result.data
}

let cached: Env | undefined
/** The validated environment of this process (parsed on first use). */
export function getEnv(): Env {
  cached ??= parseEnv(process.env)
  return cached
}

/** Values safe to hand to the browser. */
export function getPublicEnv(env: Env = getEnv()) {
  return {
    SHOP_NAME: env.SHOP_NAME,
    CURRENCY: env.CURRENCY,
    LOCALE: env.LOCALE,
  }
}
