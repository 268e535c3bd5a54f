import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entries: the Node transport (on `ws`) and the browser one (on the global WebSocket),
  // exported as `@proj/ws` and `@proj/ws/browser`.
  entry: ['src/index.ts', 'src/browser.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
