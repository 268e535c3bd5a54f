import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Node: ESM + CJS, dependencies stay external.
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
  },
  {
    // Browsers (the `browser` export condition): one self-contained ESM file. reconnect-core and
    // backoff are CommonJS written for Node; they are bundled with small `events`/`util` shims so
    // no bundler needs Node polyfills.
    entry: ['src/browser.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    platform: 'browser',
    target: 'es2022',
    tsconfig: 'tsconfig.build.json',
    noExternal: ['reconnect-core', 'backoff', 'precond'],
    esbuildOptions(options) {
      options.alias = { events: './shims/events.js', util: './shims/util.js' };
    },
  },
]);
