/**
 * A local stand-in for Cloudinary's Upload API: `POST /v1_1/<cloud>/<image|video>/upload`
 * and `.../destroy`, multipart bodies, signature checked the documented way (signed params
 * minus file/api_key/resource_type/cloud_name, sorted, `k=v&…` + secret, SHA-1 hex).
 * Keeps the uploaded assets in memory so tests can see what is stored.
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type net from 'node:net'
import { Readable } from 'node:stream'

export interface FakeAsset {
  publicId: string
  resourceType: string
  bytes: number
  folder: string | null
}

export interface FakeCloudinaryOptions {
  cloudName: string
  apiKey: string
  apiSecret: string
}

function expectedSignature(fields: Map<string, string>, secret: string): string {
  const payload = [...fields.entries()]
    .filter(([k]) => !['file', 'api_key', 'resource_type', 'cloud_name', 'signature'].includes(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  return createHash('sha1').update(payload + secret).digest('hex')
}

export async function startFakeCloudinary(opts: FakeCloudinaryOptions) {
  const assets = new Map<string, FakeAsset>()
  const calls: { op: string; resourceType: string; status: number }[] = []
  /** return a status ≥ 400 to make an upload fail (called with its 1-based upload number) */
  let failUpload: ((n: number, bytes: number) => number | null) | null = null
  let uploads = 0

  const server = http.createServer((req, res) => {
    void (async () => {
      const send = (status: number, body: unknown, op = '', resourceType = '') => {
        calls.push({ op, resourceType, status })
        res.writeHead(status, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      const m = /^\/v1_1\/([^/]+)\/(image|video)\/(upload|destroy)$/.exec(req.url ?? '')
      if (req.method !== 'POST' || !m) return send(404, { error: { message: 'Not found' } })
      const [, cloud, resourceType = 'image', op = 'upload'] = m
      if (cloud !== opts.cloudName) return send(404, { error: { message: 'Unknown cloud' } }, op, resourceType)
      const request = new Request(`http://fake${req.url}`, {
        method: 'POST',
        headers: req.headers as Record<string, string>,
        body: Readable.toWeb(req) as ReadableStream,
        duplex: 'half',
      } as RequestInit)
      const form = await request.formData()
      const fields = new Map<string, string>()
      let file: File | null = null
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') fields.set(k, v)
        else file = v
      }
      if (fields.get('api_key') !== opts.apiKey) return send(401, { error: { message: 'Invalid api_key' } }, op, resourceType)
      const ts = Number(fields.get('timestamp'))
      if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 3600) return send(401, { error: { message: 'Stale request' } }, op, resourceType)
      if (fields.get('signature') !== expectedSignature(fields, opts.apiSecret)) return send(401, { error: { message: 'Invalid Signature' } }, op, resourceType)

      if (op === 'destroy') {
        const id = fields.get('public_id') ?? ''
        const existed = assets.get(id)?.resourceType === resourceType && assets.delete(id)
        return send(200, { result: existed ? 'ok' : 'not found' }, op, resourceType)
      }
      if (!file) return send(400, { error: { message: 'Missing required parameter - file' } }, op, resourceType)
      const n = ++uploads
      const forced = failUpload?.(n, file.size) ?? null
      if (forced) return send(forced, { error: { message: 'Forced failure' } }, op, resourceType)
      const folder = fields.get('folder') ?? null
      const publicId = `${folder ? `${folder}/` : ''}${randomBytes(8).toString('hex')}`
      assets.set(publicId, { publicId, resourceType, bytes: file.size, folder })
      const url = `https://res.cloudinary.test/${opts.cloudName}/${resourceType}/upload/v1/${publicId}`
      return send(200, { public_id: publicId, resource_type: resourceType, bytes: file.size, secure_url: url, url }, op, resourceType)
    })().catch((err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: { message: String(err) } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    apiBase: `http://127.0.0.1:${port}`,
    cloudinaryUrl: `cloudinary://${opts.apiKey}:${opts.apiSecret}@${opts.cloudName}`,
    assets,
    calls,
    setFailUpload: (fn: ((n: number, bytes: number) => number | null) | null) => {
      failUpload = fn
      uploads = 0
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
