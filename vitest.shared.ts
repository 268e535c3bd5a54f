import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings. Tests run on source: the `@proj/source` export condition resolves
 * workspace packages to their `src/index.ts`, so `npm test` needs no build step.
 */
export default defineConfig({
  resolve: { conditions: ['@proj/source'] },
  ssr: { resolve: { conditions: ['@proj/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
