// Bundles server.ts and worker.ts for plain `node` (after `react-router build`).
import { build } from 'esbuild'

await build({
  entryPoints: { server: 'server.ts', worker: 'worker.ts' },
  outdir: 'build',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  // server.ts reaches the SSR build at run time, never at bundle time.
  external: ['./server/app.ts', 'vite'],
})
console.log('bundled build/server.js and build/worker.js')
