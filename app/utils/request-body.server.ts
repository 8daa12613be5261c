/**
 * Request bodies read with a cap. A declared Content-Length over the cap is refused before a
 * byte is read; a body without one (chunked) is counted as it arrives and refused the moment
 * it passes the cap, so no endpoint ever buffers more than it accepts. The rest of a refused
 * body is never read: the client gets its answer, and Node closes the stalled connection
 * after its keep-alive timeout.
 */

export class BodyTooLargeError extends Error {
  constructor(public readonly maxBytes: number) {
    super(`The request body is larger than ${maxBytes} bytes.`)
    this.name = 'BodyTooLargeError'
  }
}

/** `body` passed through until more than `maxBytes` have come, then failed (and `onExceeded` called). */
function capped(body: ReadableStream<Uint8Array>, maxBytes: number, onExceeded: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let total = 0
  // No cancel(): cancelling the source would destroy the socket before the refusal is sent.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read()
      if (done) return controller.close()
      total += value.byteLength
      if (total > maxBytes) {
        onExceeded()
        controller.error(new BodyTooLargeError(maxBytes))
        return
      }
      controller.enqueue(value)
    },
  })
}

/** Runs `read` on a copy of `request` whose body fails past `maxBytes`; that failure comes out as BodyTooLargeError. */
async function readCapped<T>(request: Request, maxBytes: number, read: (r: Request) => Promise<T>): Promise<T> {
  if (Number(request.headers.get('Content-Length') ?? 0) > maxBytes) throw new BodyTooLargeError(maxBytes)
  if (!request.body) return read(request)
  let exceeded = false
  // `duplex` (required for a streamed body) is missing from the DOM typings of RequestInit.
  const init = { method: request.method, headers: request.headers, body: capped(request.body, maxBytes, () => (exceeded = true)), duplex: 'half' }
  const limited = new Request(request.url, init as RequestInit)
  try {
    return await read(limited)
  } catch (err) {
    throw exceeded ? new BodyTooLargeError(maxBytes) : err
  }
}

/** The body's bytes; BodyTooLargeError past `maxBytes`. */
export function readBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  return readCapped(request, maxBytes, async (r) => new Uint8Array(await r.arrayBuffer()))
}

/** `request.formData()` (multipart or urlencoded); BodyTooLargeError past `maxBytes`, the parser's own error for a malformed body. */
export function readFormData(request: Request, maxBytes: number): Promise<FormData> {
  return readCapped(request, maxBytes, (r) => r.formData())
}
