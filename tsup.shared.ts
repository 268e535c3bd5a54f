import { defineConfig, type Options } from 'tsup';

/** The build every adapter package shares: ESM + CJS + type declarations for Node, deps external. */
export function nodePackage(entry: string[] = ['src/index.ts'], overrides: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
    ...overrides,
  });
}
