// @ts-check
import tseslint from 'typescript-eslint';

/**
 * The core/adapter boundary is enforced here, not in review:
 * - core imports no transport module (node:net, node:tls, node:dgram, ws, http);
 * - adapters and apps import @proj/* through public entry points only, never a package's src/ or dist/.
 */
const transportModules = ['net', 'node:net', 'tls', 'node:tls', 'dgram', 'node:dgram', 'http', 'node:http', 'https', 'node:https', 'ws'];
const deepImports = { group: ['@proj/*/src', '@proj/*/src/**', '@proj/*/dist', '@proj/*/dist/**', '**/packages/*/src/**', '**/packages/*/dist/**'], message: 'Import @proj/* packages through their public entry point only.' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': 'error',
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: transportModules.map((name) => ({ name, message: 'core is transport-agnostic: transports live in adapter packages.' })),
        patterns: [deepImports, { group: ['@proj/*'], message: 'core depends on no other @proj package.' }],
      }],
      'no-console': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The browser client runs on the global WebSocket: no Node modules, no `ws`.
    files: ['packages/ws/src/browser.ts', 'packages/ws/src/ws-browser.ts', 'packages/ws/src/browser-link.ts', 'packages/core/src/browser.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepImports, { group: ['node:*', 'ws'], message: 'browser code: no Node modules.' }] }],
    },
  },
);
