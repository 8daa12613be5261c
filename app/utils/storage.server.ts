/**
 * Product media storage: Cloudinary when CLOUDINARY_URL is set, else the local disk
 * (UPLOAD_DIR/products, served at /uploads). Uploads arrive as temporary files; this
 * module checks them (count, content type by magic bytes, size), stores a batch in
 * parallel (all or nothing), and always removes the temporary files.
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DomainError } from '#app/domain/errors.ts'
import { MEDIA_LIMITS, type MediaMimeType } from '#app/domain/product-input.ts'
import type { Env } from './env.server.ts'
import { getLogger } from './logger.server.ts'

export type MediaKind = 'image' | 'video'

export interface TempFile {
  /** where the bytes are (a temporary file) */
  path: string
  /** the type the client declared (not trusted) */
  mimeType: string
  originalName: string
}

export interface CheckedFile extends TempFile {
  mimeType: MediaMimeType
  kind: MediaKind
  size: number
}

export interface StoredMedia {
  publicId: string
  url: string
  type: MediaKind
}

export interface MediaStorage {
  readonly kind: 'local' | 'cloudinary'
  save(file: { path: string; mimeType: string; originalName: string }): Promise<StoredMedia>
  /** Deletes a stored file; `type` tells Cloudinary which resource type it is (image by default). */
  remove(publicId: string, type?: MediaKind): Promise<void>
}

const EXT: Record<MediaMimeType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
}

export const kindOf = (mime: MediaMimeType): MediaKind => (mime.startsWith('video/') ? 'video' : 'image')

const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'dash', 'M4V ', 'mmp4', 'MSNV'])

/** The media type the bytes say, by magic numbers; null for anything not accepted. */
export function sniffMediaType(head: Uint8Array): MediaMimeType | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png'
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp'
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    // ISO base media: the ftyp box lists a major brand and compatible brands.
    const boxSize = Math.min(b.readUInt32BE(0), b.length)
    const brands = [b.toString('latin1', 8, 12)]
    for (let i = 16; i + 4 <= boxSize; i += 4) brands.push(b.toString('latin1', i, i + 4))
    if (brands.includes('avif') || brands.includes('avis')) return 'image/avif'
    if (brands.some((x) => MP4_BRANDS.has(x))) return 'video/mp4'
    return null
  }
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) {
    // EBML (Matroska family): accept only the "webm" doc type.
    return b.subarray(0, 64).includes(Buffer.from('webm', 'latin1')) ? 'video/webm' : null
  }
  return null
}

function refuse(message: string): DomainError {
  return new DomainError('VALIDATION', message, { fields: { files: message } })
}

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`

/** Refuses an empty selection or more than MEDIA_LIMITS.maxFiles, before anything is written. */
export function checkFileCount(count: number): void {
  if (count === 0) throw refuse('Choose at least one image or video to upload.')
  if (count > MEDIA_LIMITS.maxFiles) throw refuse(`Upload at most ${MEDIA_LIMITS.maxFiles} files at a time (you chose ${count}).`)
}

/**
 * Checks every file of a batch: count, type by content (the declared type must agree when
 * it names a media type), size per type. Throws DomainError VALIDATION naming the file.
 */
export async function checkUploads(files: TempFile[]): Promise<CheckedFile[]> {
  checkFileCount(files.length)
  const allowed = [...MEDIA_LIMITS.imageTypes, ...MEDIA_LIMITS.videoTypes] as string[]
  return Promise.all(
    files.map(async (f) => {
      const name = f.originalName || 'A file'
      const handle = await fs.promises.open(f.path, 'r')
      let size: number
      const head = Buffer.alloc(64)
      let read: number
      try {
        size = (await handle.stat()).size
        read = (await handle.read(head, 0, head.length, 0)).bytesRead
      } finally {
        await handle.close()
      }
      if (size === 0) throw refuse(`${name} is empty.`)
      const sniffed = sniffMediaType(head.subarray(0, read))
      if (!sniffed) throw refuse(`${name} is not a supported file. Use JPEG, PNG, WebP or AVIF images, or MP4 or WebM videos.`)
      const declared = f.mimeType.toLowerCase().split(';')[0]?.trim() ?? ''
      if (allowed.includes(declared) && declared !== sniffed) throw refuse(`${name} says it is ${declared} but its contents are ${sniffed}. Save it in the right format and try again.`)
      const kind = kindOf(sniffed)
      const max = kind === 'video' ? MEDIA_LIMITS.maxVideoBytes : MEDIA_LIMITS.maxImageBytes
      if (size > max) throw refuse(`${name} is too large (${mb(size)}); ${kind === 'video' ? 'videos' : 'images'} may be at most ${mb(max)}.`)
      return { ...f, mimeType: sniffed, kind, size }
    }),
  )
}

/** The largest multipart body worth reading: every file at the video limit, plus form fields. */
export const MAX_UPLOAD_REQUEST_BYTES = MEDIA_LIMITS.maxFiles * MEDIA_LIMITS.maxVideoBytes + 1024 * 1024

/**
 * Writes the uploaded `File`s to a fresh temporary directory, runs `fn` with them, and
 * removes the directory afterwards whatever happens. Count and declared sizes are checked
 * before a byte is written.
 */
export async function withTempUploads<T>(files: File[], fn: (temp: TempFile[]) => Promise<T>, tmpRoot = os.tmpdir()): Promise<T> {
  checkFileCount(files.length)
  for (const f of files) {
    // The exact check (by content type) follows in checkUploads; this one spares the disk.
    const image = f.type.startsWith('image/')
    const limit = image ? MEDIA_LIMITS.maxImageBytes : MEDIA_LIMITS.maxVideoBytes
    if (f.size > limit) throw refuse(`${f.name || 'A file'} is too large (${mb(f.size)}); ${image ? 'images' : 'videos'} may be at most ${mb(limit)}.`)
  }
  const dir = await fs.promises.mkdtemp(path.join(tmpRoot, 'upload-'))
  try {
    const temp = await Promise.all(
      files.map(async (f, i) => {
        const p = path.join(dir, `${i}.part`)
        await fs.promises.writeFile(p, new Uint8Array(await f.arrayBuffer()))
        return { path: p, mimeType: f.type, originalName: f.name }
      }),
    )
    return await fn(temp)
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true })
  }
}

/**
 * Stores a checked batch in parallel. All or nothing: when one upload fails, the ones that
 * succeeded are removed again and a DomainError UNAVAILABLE is thrown.
 */
export async function storeAll(storage: MediaStorage, files: CheckedFile[]): Promise<StoredMedia[]> {
  const results = await Promise.allSettled(files.map((f) => storage.save(f)))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (!failed) return results.map((r) => (r as PromiseFulfilledResult<StoredMedia>).value)
  const stored = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  await removeAll(storage, stored)
  getLogger().warn('media upload failed; batch rolled back', { storage: storage.kind, removed: stored.length, error: failed.reason instanceof Error ? failed.reason.message : String(failed.reason) })
  throw new DomainError('UNAVAILABLE', 'The upload failed and nothing was saved. Please try again.')
}

/** Best-effort removal (logged, never thrown): used for rollbacks and after a media row is deleted. */
export async function removeAll(storage: MediaStorage, media: { publicId: string; type: MediaKind }[]): Promise<void> {
  await Promise.all(
    media.map((m) =>
      storage.remove(m.publicId, m.type).catch((err: unknown) => {
        getLogger().warn('could not remove stored media', { storage: storage.kind, publicId: m.publicId, error: err instanceof Error ? err.message : String(err) })
      }),
    ),
  )
}

// ───────────── local disk ─────────────

/** Files under `<uploadDir>/products/<random>.<ext>`, served by server.ts at `/uploads`. */
export class LocalDiskStorage implements MediaStorage {
  readonly kind = 'local'
  private readonly root: string

  constructor(uploadDir: string) {
    this.root = path.resolve(uploadDir)
  }

  async save(file: { path: string; mimeType: string }): Promise<StoredMedia> {
    const mime = file.mimeType as MediaMimeType
    const ext = EXT[mime]
    if (!ext) throw new Error(`unsupported media type ${file.mimeType}`)
    const publicId = `products/${randomBytes(12).toString('hex')}.${ext}`
    const dest = this.resolve(publicId)
    await fs.promises.mkdir(path.dirname(dest), { recursive: true })
    // copy, not rename: the temporary directory may be on another file system
    await fs.promises.copyFile(file.path, dest, fs.constants.COPYFILE_EXCL)
    return { publicId, url: `/uploads/${publicId}`, type: kindOf(mime) }
  }

  async remove(publicId: string): Promise<void> {
    await fs.promises.rm(this.resolve(publicId), { force: true })
  }

  private resolve(publicId: string): string {
    const p = path.resolve(this.root, publicId)
    if (!p.startsWith(this.root + path.sep)) throw new Error('media path escapes the upload directory')
    return p
  }
}

// ───────────── Cloudinary ─────────────

export interface CloudinaryConfig {
  cloudName: string
  apiKey: string
  apiSecret: string
  apiBase: string
  folder: string
}

/** `cloudinary://<key>:<secret>@<cloud>` → its parts; throws on anything else. */
export function parseCloudinaryUrl(value: string, apiBase = 'https://api.cloudinary.com'): CloudinaryConfig {
  const u = new URL(value)
  const apiKey = decodeURIComponent(u.username)
  const apiSecret = decodeURIComponent(u.password)
  if (u.protocol !== 'cloudinary:' || !apiKey || !apiSecret || !u.hostname) throw new Error('CLOUDINARY_URL must look like cloudinary://key:secret@cloud-name')
  return { cloudName: u.hostname, apiKey, apiSecret, apiBase: apiBase.replace(/\/+$/, ''), folder: 'products' }
}

/**
 * Cloudinary's request signature: every signed parameter except file, cloud_name,
 * resource_type and api_key, sorted by name, joined as `k=v&k=v`, the API secret
 * appended, SHA-1 hex digest.
 */
export function signCloudinaryParams(params: Record<string, string>, apiSecret: string): string {
  const excluded = new Set(['file', 'cloud_name', 'resource_type', 'api_key', 'signature'])
  const payload = Object.keys(params)
    .filter((k) => !excluded.has(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')
  return createHash('sha1').update(payload + apiSecret).digest('hex')
}

/** Signed uploads to Cloudinary's REST Upload API (no SDK). */
export class CloudinaryStorage implements MediaStorage {
  readonly kind = 'cloudinary'
  constructor(
    private readonly config: CloudinaryConfig,
    private readonly timeoutMs = 120_000,
  ) {}

  private async call(type: MediaKind, op: 'upload' | 'destroy', params: Record<string, string>, file?: Blob): Promise<Record<string, unknown>> {
    const signed = { ...params, timestamp: String(Math.floor(Date.now() / 1000)) }
    const body = new FormData()
    for (const [k, v] of Object.entries(signed)) body.set(k, v)
    body.set('api_key', this.config.apiKey)
    body.set('signature', signCloudinaryParams(signed, this.config.apiSecret))
    if (file) body.set('file', file)
    const res = await fetch(`${this.config.apiBase}/v1_1/${encodeURIComponent(this.config.cloudName)}/${type}/${op}`, { method: 'POST', body, signal: AbortSignal.timeout(this.timeoutMs) })
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>
    if (!res.ok) {
      const message = (json.error as { message?: string } | undefined)?.message ?? res.statusText
      throw new Error(`Cloudinary ${op} failed (${res.status}): ${message}`)
    }
    return json
  }

  async save(file: { path: string; mimeType: string; originalName: string }): Promise<StoredMedia> {
    const type = kindOf(file.mimeType as MediaMimeType)
    const blob = await fs.openAsBlob(file.path, { type: file.mimeType })
    const json = await this.call(type, 'upload', { folder: this.config.folder }, blob)
    const publicId = typeof json.public_id === 'string' ? json.public_id : ''
    const url = typeof json.secure_url === 'string' ? json.secure_url : ''
    if (!publicId || !url) throw new Error('Cloudinary upload answered without public_id/secure_url')
    return { publicId, url, type }
  }

  async remove(publicId: string, type: MediaKind = 'image'): Promise<void> {
    await this.call(type, 'destroy', { public_id: publicId, invalidate: 'true' })
  }
}

// ───────────── choice ─────────────

let override: MediaStorage | null = null
const byConfig = new Map<string, MediaStorage>()

/** Cloudinary when CLOUDINARY_URL is set, else local disk. */
export function getMediaStorage(env: Pick<Env, 'CLOUDINARY_URL' | 'CLOUDINARY_API_BASE' | 'UPLOAD_DIR'>): MediaStorage {
  if (override) return override
  const key = env.CLOUDINARY_URL ? `c|${env.CLOUDINARY_URL}|${env.CLOUDINARY_API_BASE ?? ''}` : `l|${env.UPLOAD_DIR}`
  let s = byConfig.get(key)
  if (!s) {
    s = env.CLOUDINARY_URL ? new CloudinaryStorage(parseCloudinaryUrl(env.CLOUDINARY_URL, env.CLOUDINARY_API_BASE)) : new LocalDiskStorage(env.UPLOAD_DIR)
    byConfig.set(key, s)
  }
  return s
}

/** The store that holds an existing media row: local files are recognisable by their URL. */
export function storageForUrl(url: string, env: Pick<Env, 'CLOUDINARY_URL' | 'CLOUDINARY_API_BASE' | 'UPLOAD_DIR'>): MediaStorage {
  return url.startsWith('/uploads/') ? new LocalDiskStorage(env.UPLOAD_DIR) : getMediaStorage(env)
}

/** Tests only: force a storage (null restores the configured one). */
export function setMediaStorage(storage: MediaStorage | null): void {
  override = storage
}
