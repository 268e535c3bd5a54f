import { defineConfig } from 'vitest/config';

// No `@proj/source` condition here: e2e imports the built packages, as users install them.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Files run one at a time: "client before server" tests dial ports that nothing owns yet, and
    // a concurrently running file could be handed the same free port for its own server.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
