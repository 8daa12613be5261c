/**
 * Loads the WebAssembly build of Prisma's schema engine
 * (`@prisma/schema-engine-wasm`) in plain Node.
 *
 * The package is a wasm-bindgen "bundler" build (`import * as wasm from
 * "./schema_engine_bg.wasm"`), which Node cannot import. We instantiate the
 * `.wasm` file ourselves, with the JS glue module as its import object, and
 * hand the instance back to the glue (pitfall 1).
 *
 * While doing so we also:
 *  - install `globalThis.PRISMA_WASM_PANIC_REGISTRY`, without which a Rust
 *    panic dies silently (pitfall 2);
 *  - unref every timer the engine arms: it never clears them, which kept
 *    processes alive for ~10 s after the work was done (pitfall 8).
 */
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg'

export type SchemaEngineGlue = typeof glue
export type WasmSchemaEngine = glue.SchemaEngine

/** Same shape as the registry the Prisma CLI installs in its own process. */
export interface PanicRegistry {
  set_message(message: string): void
  get(): string
}

class PanicMessageRegistry implements PanicRegistry {
  private message = ''
  set_message(message: string): void {
    this.message = `RuntimeError: ${message}`
  }
  get(): string {
    return this.message
  }
  clear(): void {
    this.message = ''
  }
}

declare global {
  var PRISMA_WASM_PANIC_REGISTRY: PanicRegistry | undefined
}

/** Installs the panic registry if nobody did yet, and returns the active one. */
export function ensurePanicRegistry(): PanicRegistry {
  if (!globalThis.PRISMA_WASM_PANIC_REGISTRY) {
    globalThis.PRISMA_WASM_PANIC_REGISTRY = new PanicMessageRegistry()
  }
  return globalThis.PRISMA_WASM_PANIC_REGISTRY
}

/** Last panic message recorded by the engine ('' if none). */
export function lastPanicMessage(): string {
  try {
    return ensurePanicRegistry().get()
  } catch {
    return ''
  }
}

export function clearPanicMessage(): void {
  // Prisma Client installs its own registry whose set_message() throws a
  // PrismaClientRustPanicError: only ever clear a registry of ours.
  const registry = ensurePanicRegistry()
  if (registry instanceof PanicMessageRegistry) registry.clear()
}

/** A WebAssembly trap (Rust `panic!` compiles to `unreachable`). */
export function isWasmPanic(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.name === 'RuntimeError')
}

/** Absolute path of the engine's `.wasm` file, next to the glue module. */
export function schemaEngineWasmPath(): string {
  const require = createRequire(import.meta.url)
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
  return path.join(path.dirname(gluePath), 'schema_engine_bg.wasm')
}

type LoadState = { glue: SchemaEngineGlue; promise: Promise<SchemaEngineGlue> }
const STATE_KEY = Symbol.for('storefront.prisma.schemaEngineWasm')
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: LoadState }

/**
 * Instantiates the engine once per glue module. The glue keeps the wasm
 * instance in a module-level variable, so instantiating twice against the
 * same glue would pull the memory out from under a live engine: the state is
 * kept on globalThis (this file may be evaluated more than once, e.g. by a
 * test runner), keyed by the glue module itself.
 */
export function loadSchemaEngineWasm(): Promise<SchemaEngineGlue> {
  ensurePanicRegistry()
  const g = globalThis as GlobalWithState
  const existing = g[STATE_KEY]
  if (existing && existing.glue === glue) return existing.promise

  const promise = (async () => {
    const bytes = await fs.promises.readFile(schemaEngineWasmPath())
    const imports: Record<string, unknown> = { ...glue }
    for (const name of Object.keys(glue)) {
      if (name.startsWith('__wbg_setTimeout_')) {
        imports[name] = (callback: () => void, ms: number) => {
          const timer = setTimeout(callback, ms >>> 0)
          timer.unref()
          return timer
        }
      }
    }
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': imports as WebAssembly.ModuleImports,
    })
    const exports = instance.exports as unknown as { __wbindgen_start: () => void }
    glue.__wbg_set_wasm(instance.exports)
    exports.__wbindgen_start()
    return glue
  })()
  g[STATE_KEY] = { glue, promise }
  promise.catch(() => {
    if (g[STATE_KEY]?.promise === promise) delete g[STATE_KEY]
  })
  return promise
}

/**
 * Drops the loaded instance (after a panic the instance is unusable): the next
 * `loadSchemaEngineWasm()` instantiates a fresh one.
 */
export function forgetSchemaEngineWasm(): void {
  const g = globalThis as GlobalWithState
  if (g[STATE_KEY]?.glue === glue) delete g[STATE_KEY]
}

/** Version (commit hash) of the engine build, e.g. `0edf323e...`. */
export async function schemaEngineVersion(): Promise<string> {
  const g = await loadSchemaEngineWasm()
  return g.version()
}
