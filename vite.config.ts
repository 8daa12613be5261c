import { reactRouter } from '@react-router/dev/vite'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'

export default defineConfig(({ isSsrBuild }) => ({
  // The SSR bundle's entry is server/app.ts (request handler + socket handlers),
  // which imports React Router's virtual server build.
  build: isSsrBuild ? { rollupOptions: { input: './server/app.ts' } } : undefined,
  plugins: [tailwindcss(), reactRouter()],
  server: { watch: { ignored: ['**/.data/**', '**/uploads/**', '**/outbox/**', '**/logs/**'] } },
}))
