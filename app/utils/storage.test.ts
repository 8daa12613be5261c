// Media upload checks and storage: content sniffing, limits, all-or-nothing batches, no
// temporary or stored file left behind on failure; local disk and Cloudinary (a local fake
// that checks signatures).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DomainError } from '#app/domain/errors.ts'
import { MEDIA_LIMITS } from '#app/domain/product-input.ts'
import { startFakeCloudinary } from '../../tests/mocks/cloudinary.ts'
import { mediaFixtures } from '../../tests/fixtures/media.ts'
import {
  checkUploads,
  CloudinaryStorage,
  LocalDiskStorage,
  parseCloudinaryUrl,
  signCloudinaryParams,
  sniffMediaType,
  storeAll,
  withTempUploads,
  type MediaStorage,
} from './storage.server.ts'

let work: string
let uploadDir: string
let tmpRoot: string

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-test-'))
  uploadDir = path.join(work, 'uploads')
  tmpRoot = path.join(work, 'tmp')
  fs.mkdirSync(tmpRoot)
})
afterEach(() => fs.rmSync(work, { recursive: true, force: true }))

/** Every file under `dir` (recursively), relative. */
function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile())
}

const file = (bytes: Buffer, name: string, type: string) => new File([new Uint8Array(bytes)], name, { type })

/** What a route does with a multipart batch: temp files → checks → parallel store. */
const upload = (storage: MediaStorage, files: File[]) => withTempUploads(files, async (temp) => storeAll(storage, await checkUploads(temp)), tmpRoot)

async function refused(p: Promise<unknown>, code: DomainError['code'] = 'VALIDATION'): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(DomainError)
  expect((err as DomainError).code).toBe(code)
  return (err as DomainError).message
}

describe('sniffMediaType', () => {
  it('recognises the accepted formats by their bytes and nothing else', () => {
    expect(sniffMediaType(mediaFixtures.jpeg())).toBe('image/jpeg')
    expect(sniffMediaType(mediaFixtures.png())).toBe('image/png')
    expect(sniffMediaType(mediaFixtures.webp())).toBe('image/webp')
    expect(sniffMediaType(mediaFixtures.avif())).toBe('image/avif')
    expect(sniffMediaType(mediaFixtures.mp4())).toBe('video/mp4')
    expect(sniffMediaType(mediaFixtures.webm())).toBe('video/webm')
    expect(sniffMediaType(mediaFixtures.pdf())).toBeNull()
    expect(sniffMediaType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
    expect(sniffMediaType(Buffer.alloc(0))).toBeNull()
  })
})

describe('Cloudinary signing and configuration', () => {
  it("matches Cloudinary's documented example signature", () => {
    // From Cloudinary's "Generating authentication signatures" page (secret "abcd").
    const params = { eager: 'w_400,h_300,c_pad|w_260,h_200,c_crop', public_id: 'sample_image', timestamp: '1315060510', api_key: 'ignored', file: 'ignored' }
    expect(signCloudinaryParams(params, 'abcd')).toBe('bfd09f95f331f558cbd1320e67aa8d488770583e')
  })

  it('parses CLOUDINARY_URL and refuses a malformed one', () => {
    expect(parseCloudinaryUrl('cloudinary://123:s3cr%2Ft@my-cloud', 'http://127.0.0.1:9/')).toMatchObject({ apiKey: '123', apiSecret: 's3cr/t', cloudName: 'my-cloud', apiBase: 'http://127.0.0.1:9' })
    expect(() => parseCloudinaryUrl('cloudinary://my-cloud')).toThrow(/cloudinary:\/\/key:secret@cloud-name/)
  })
})

describe('local disk storage', () => {
  it('stores a batch of five in parallel under UPLOAD_DIR/products and removes the temporary files', async () => {
    const storage = new LocalDiskStorage(uploadDir)
    const stored = await upload(storage, [
      file(mediaFixtures.jpeg(), 'a.jpg', 'image/jpeg'),
      file(mediaFixtures.png(), 'b.png', 'image/png'),
      file(mediaFixtures.webp(), 'c.webp', ''),
      file(mediaFixtures.avif(), 'd.avif', 'image/avif'),
      file(mediaFixtures.mp4(), 'e.mp4', 'video/mp4'),
    ])
    expect(stored.map((s) => s.type)).toEqual(['image', 'image', 'image', 'image', 'video'])
    for (const s of stored) {
      expect(s.url).toBe(`/uploads/${s.publicId}`)
      expect(s.publicId).toMatch(/^products\/[0-9a-f]{24}\.(jpg|png|webp|avif|mp4)$/)
    }
    expect(filesIn(uploadDir).sort()).toEqual(stored.map((s) => s.publicId).sort())
    expect(fs.readFileSync(path.join(uploadDir, stored[1]!.publicId))).toEqual(mediaFixtures.png())
    expect(filesIn(tmpRoot)).toEqual([])
    expect(fs.readdirSync(tmpRoot)).toEqual([])

    await storage.remove(stored[0]!.publicId)
    expect(filesIn(uploadDir)).toHaveLength(4)
    await expect(storage.remove('../../etc/passwd')).rejects.toThrow(/escapes/)
  })

  it('refuses a file whose bytes are not an accepted format, whatever its name and declared type', async () => {
    const msg = await refused(upload(new LocalDiskStorage(uploadDir), [file(mediaFixtures.jpeg(), 'ok.jpg', 'image/jpeg'), file(mediaFixtures.pdf(), 'invoice.jpg', 'image/jpeg')]))
    expect(msg).toContain('invoice.jpg is not a supported file')
    expect(filesIn(uploadDir)).toEqual([])
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('refuses a file whose declared type disagrees with its contents', async () => {
    const msg = await refused(upload(new LocalDiskStorage(uploadDir), [file(mediaFixtures.png(), 'photo.jpg', 'image/jpeg')]))
    expect(msg).toMatch(/photo\.jpg says it is image\/jpeg but its contents are image\/png/)
    expect(filesIn(uploadDir)).toEqual([])
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('refuses an image over 5 MB, by declared size and by sniffed type', async () => {
    const big = mediaFixtures.png(MEDIA_LIMITS.maxImageBytes + 1)
    expect(await refused(upload(new LocalDiskStorage(uploadDir), [file(big, 'huge.png', 'image/png')]))).toMatch(/huge\.png is too large.*at most 5 MB/)
    // declared as something vague: written to a temporary file, sniffed as PNG, refused by the image limit
    expect(await refused(upload(new LocalDiskStorage(uploadDir), [file(big, 'huge.bin', 'application/octet-stream')]))).toMatch(/huge\.bin is too large.*images may be at most 5 MB/)
    expect(filesIn(uploadDir)).toEqual([])
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('refuses six files and an empty selection before writing anything', async () => {
    const six = Array.from({ length: 6 }, (_, i) => file(mediaFixtures.jpeg(), `${i}.jpg`, 'image/jpeg'))
    expect(await refused(upload(new LocalDiskStorage(uploadDir), six))).toBe('Upload at most 5 files at a time (you chose 6).')
    expect(await refused(upload(new LocalDiskStorage(uploadDir), []))).toMatch(/Choose at least one/)
    expect(filesIn(uploadDir)).toEqual([])
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('removes the already-stored files when one upload of the batch fails', async () => {
    const local = new LocalDiskStorage(uploadDir)
    let n = 0
    const flaky: MediaStorage = {
      kind: 'local',
      save: async (f) => {
        const mine = ++n
        // the failing one finishes last, after the others have been written
        if (mine === 2) {
          await new Promise((r) => setTimeout(r, 50))
          throw new Error('disk full')
        }
        return local.save(f)
      },
      remove: (id) => local.remove(id),
    }
    const files = [0, 1, 2, 3].map((i) => file(mediaFixtures.jpeg(), `${i}.jpg`, 'image/jpeg'))
    expect(await refused(upload(flaky, files), 'UNAVAILABLE')).toMatch(/nothing was saved/)
    expect(n).toBe(4)
    expect(filesIn(uploadDir)).toEqual([])
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('removes the temporary files when the work after the upload fails', async () => {
    await expect(withTempUploads([file(mediaFixtures.jpeg(), 'a.jpg', 'image/jpeg')], async () => Promise.reject(new Error('database down')), tmpRoot)).rejects.toThrow('database down')
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })
})

describe('Cloudinary storage (local fake)', () => {
  const creds = { cloudName: 'demo-cloud', apiKey: '1234567890', apiSecret: 'fake-secret-abc' }
  let fake: Awaited<ReturnType<typeof startFakeCloudinary>>
  beforeAll(async () => {
    fake = await startFakeCloudinary(creds)
  })
  afterAll(() => fake.close())
  beforeEach(() => {
    fake.assets.clear()
    fake.calls.length = 0
    fake.setFailUpload(null)
  })

  const storage = () => new CloudinaryStorage(parseCloudinaryUrl(fake.cloudinaryUrl, fake.apiBase))

  it('uploads images and videos with a valid signature to the right resource type, and destroys them', async () => {
    const stored = await upload(storage(), [file(mediaFixtures.jpeg(), 'a.jpg', 'image/jpeg'), file(mediaFixtures.webm(), 'b.webm', 'video/webm')])
    expect(stored.map((s) => s.type)).toEqual(['image', 'video'])
    expect(fake.calls.map((c) => `${c.op}:${c.resourceType}:${c.status}`).sort()).toEqual(['upload:image:200', 'upload:video:200'])
    for (const s of stored) {
      expect(s.url).toMatch(/^https:\/\/res\.cloudinary\.test\/demo-cloud\/(image|video)\/upload\//)
      expect(fake.assets.get(s.publicId)).toMatchObject({ folder: 'products', resourceType: s.type })
    }
    expect(fs.readdirSync(tmpRoot)).toEqual([])

    await storage().remove(stored[1]!.publicId, 'video')
    await storage().remove(stored[0]!.publicId)
    expect(fake.assets.size).toBe(0)
  })

  it('fails (and keeps nothing) when the signature is wrong', async () => {
    const wrong = new CloudinaryStorage({ ...parseCloudinaryUrl(fake.cloudinaryUrl, fake.apiBase), apiSecret: 'not-the-secret' })
    expect(await refused(upload(wrong, [file(mediaFixtures.png(), 'a.png', 'image/png')]), 'UNAVAILABLE')).toMatch(/nothing was saved/)
    expect(fake.calls.map((c) => c.status)).toEqual([401])
    expect(fake.assets.size).toBe(0)
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })

  it('destroys the uploads that succeeded when one of the batch fails', async () => {
    fake.setFailUpload((n) => (n === 2 ? 500 : null))
    const files = [file(mediaFixtures.jpeg(), 'a.jpg', 'image/jpeg'), file(mediaFixtures.png(), 'b.png', 'image/png'), file(mediaFixtures.mp4(), 'c.mp4', 'video/mp4')]
    expect(await refused(upload(storage(), files), 'UNAVAILABLE')).toMatch(/nothing was saved/)
    expect(fake.calls.filter((c) => c.op === 'upload').map((c) => c.status).sort()).toEqual([200, 200, 500])
    expect(fake.calls.filter((c) => c.op === 'destroy').map((c) => c.status)).toEqual([200, 200])
    expect(fake.assets.size).toBe(0)
    expect(fs.readdirSync(tmpRoot)).toEqual([])
  })
})

