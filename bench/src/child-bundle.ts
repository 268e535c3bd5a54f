/**
 * The benchmark's child processes, compiled once per run instead of by tsx at every start. A
 * child started through tsx spent ~0.48 s loading its TypeScript (`BenchChild.start` of a
 * transport server, 3 of 3 starts), two of them per transport job, for a job whose loads take
 * ~0.5–1 s in a quick run. The compiled children run the same code: esbuild is what tsx
 * transforms with, and every package (`@proj/*` from its built `dist`, `ws`, `socket.io`, …)
 * stays an import resolved at run time, as under tsx.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The modules `BenchChild.start` is given as entries. */
const ENTRIES = ['transport-server', 'transport-client', 'memory-server', 'memory-client', 'reconnect-server', 'reconnect-child'];

/**
 * Where they go: under `bench/`, so that their package imports resolve from `bench/node_modules`
 * and the workspace's as they do from `src/` (git ignores `dist/`).
 */
const OUT_DIR = fileURLToPath(new URL('../dist/children/', import.meta.url));

/**
 * Compiles the child entries into {@link OUT_DIR} and returns it. Split into chunks, so that a
 * child loads only what it imports: a contender's modules and packages stay behind their dynamic
 * `import()` (see `contenders/index.ts`), as they do under tsx.
 */
export async function compileChildren(): Promise<string> {
  // Chunk names carry a content hash: a previous run's would pile up.
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  await build({
    entryPoints: ENTRIES.map((name) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url))),
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  return OUT_DIR;
}
