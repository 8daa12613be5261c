import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['build/', 'node_modules/', '.react-router/', 'app/generated/', 'test-results/', 'playwright-report/', '.data/', 'uploads/', 'outbox/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'react-router-dom', message: 'Import from react-router.' },
            { name: '@remix-run/node', message: 'Import from react-router.' },
            { name: '@remix-run/react', message: 'Import from react-router.' },
          ],
        },
      ],
    },
  },
  {
    // Services and utilities never reach up into routes, components or react-router.
    files: ['app/services/**', 'app/domain/**', 'app/jobs/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['react-router', '#app/routes/*', '#app/components/*'], message: 'Services stay independent of the web layer.' }] },
      ],
    },
  },
)
