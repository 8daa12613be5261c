import { useEffect, useState } from 'react'
import { MEDIA_ACCEPT, MEDIA_LIMITS } from '#app/domain/product-input.ts'

interface Preview {
  url: string
  name: string
  kind: 'image' | 'video' | 'other'
  size: number
  problem: string | null
}

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`

function problemOf(file: File): string | null {
  const image = (MEDIA_LIMITS.imageTypes as readonly string[]).includes(file.type)
  const video = (MEDIA_LIMITS.videoTypes as readonly string[]).includes(file.type)
  if (!image && !video) return 'not a JPEG, PNG, WebP, AVIF, MP4 or WebM file'
  const max = image ? MEDIA_LIMITS.maxImageBytes : MEDIA_LIMITS.maxVideoBytes
  if (file.size > max) return `too large (${mb(file.size)}; at most ${mb(max)})`
  return null
}

/**
 * The file input of the media upload form. With JavaScript, the chosen files are previewed
 * (object URLs, released when the choice changes) with the same limits the server applies;
 * the server checks everything again. Without JavaScript it is a plain multiple file input.
 */
export function MediaUploadField({ id = 'media-files', name = 'files', describedBy }: { id?: string; name?: string; describedBy?: string }) {
  const [previews, setPreviews] = useState<Preview[]>([])
  useEffect(() => () => previews.forEach((p) => URL.revokeObjectURL(p.url)), [previews])
  const tooMany = previews.length > MEDIA_LIMITS.maxFiles
  return (
    <div>
      <input
        id={id}
        name={name}
        type="file"
        multiple
        accept={MEDIA_ACCEPT}
        aria-describedby={describedBy}
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])]
          setPreviews(
            files.map((f) => ({
              url: URL.createObjectURL(f),
              name: f.name,
              kind: f.type.startsWith('image/') ? 'image' : f.type.startsWith('video/') ? 'video' : 'other',
              size: f.size,
              problem: problemOf(f),
            })),
          )
        }}
        className="block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-stone-100 file:px-3 file:py-2"
      />
      {tooMany ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          You chose {previews.length} files; upload at most {MEDIA_LIMITS.maxFiles} at a time.
        </p>
      ) : null}
      {previews.length > 0 ? (
        <ul aria-label="Selected files" className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-5">
          {previews.map((p) => (
            <li key={p.url} className={`rounded-md border p-1 text-xs ${p.problem ? 'border-red-300 bg-red-50' : 'border-stone-200'}`}>
              {p.kind === 'image' ? <img src={p.url} alt={`Preview of ${p.name}`} className="aspect-square w-full rounded object-cover" /> : null}
              {p.kind === 'video' ? <video src={p.url} muted className="aspect-square w-full rounded object-cover" aria-label={`Preview of ${p.name}`} /> : null}
              <span className="mt-1 block truncate">{p.name}</span>
              <span className="block text-stone-500">{mb(p.size)}</span>
              {p.problem ? <span className="block text-red-700">{p.problem}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}
