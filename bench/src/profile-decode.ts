/**
 * One decode workload alone in its process, for a native profiler. Not part of the benchmark run;
 * the tool behind what RESULTS.md says about where the decode rows' time goes.
 *
 *   perf record -e cpu-clock -F 4000 -o proj.perf node --perf-basic-prof --logfile=/dev/null --import tsx bench/src/profile-decode.ts proj
 *   perf report -i proj.perf --no-children --sort dso,symbol --stdio -n > proj.txt
 *   npx tsx bench/src/perf-categories.ts reference.txt bound.txt proj.txt
 *
 * Workloads, on the decode section's corpus and chunks: `reference` (`JSON.parse` on pre-split
 * strings), `bound` (each line decoded from its own bytes and parsed), `floor` (the minimal
 * chunked decoder for ~1 KiB messages, the minimal splitter for small ones) and `proj` (@proj's
 * `NdjsonDecoder`). Arguments after the workload: `passes` (default 60), `--small` for the ~40 B
 * messages instead of the ~1 KiB ones, `--chunk=BYTES` (default 1024). Runs 3 unmeasured passes,
 * then `passes` over the corpus, and prints the wall time per line of those. The profile holds
 * the rest of the process too (tsx compiling, building the corpus, the warm-up): with the
 * default 60 passes about a quarter of its samples (5,700 of 22,700 in one run), mostly in the
 * kernel, V8's compiler and the GC, alike for every workload, so compare the categories the
 * workloads' loops fill (JSON parser, UTF-8 conversion, allocation, copies, JS). Run it from the repository root, after `npx nx run-many -t build`: `proj` runs the
 * built `@proj/core`.
 *
 * `node --cpu-prof` charges `JSON.parse` and ICU's converter to the JavaScript that called them;
 * `perf` with `--perf-basic-prof` names both, and the JIT-compiled functions too. Every workload
 * parses the same lines, so the samples in V8's `JsonParser` come out alike in each: the
 * categories' differences are what the workloads add to parsing. `perf` needs no hardware
 * counters (`cpu-clock` is a software event). Node writes its symbol map to `/tmp/perf-PID.map`,
 * and with `--perf-basic-prof` a V8 log to `isolate-*.log` in the working directory unless
 * `--logfile=/dev/null`.
 */
import { buildCorpus, chunk } from './corpus.js';
import { lineBytes, minimalChunked, minimalSplitter, perLineDecode, projDecoder, reference, referenceLines } from './decode-bench.js';

const WORKLOADS = ['reference', 'bound', 'floor', 'proj'] as const;
type Workload = (typeof WORKLOADS)[number];

const USAGE = `usage: profile-decode.ts ${WORKLOADS.join('|')} [passes] [--small] [--chunk=BYTES]`;
const args = process.argv.slice(2);
const workload = args[0] as Workload;
if (!WORKLOADS.includes(workload)) throw new Error(USAGE);
const flags = args.slice(1).filter((a) => a.startsWith('-'));
const positional = args.slice(1).filter((a) => !a.startsWith('-'));
const unknown = flags.filter((f) => f !== '--small' && !/^--chunk=\d+$/.test(f));
if (unknown.length > 0 || positional.length > 1) throw new Error(`${USAGE}; not understood: ${[...unknown, ...positional.slice(1)].join(' ')}`);
const passes = Number(positional[0] ?? 60);
const small = flags.includes('--small');
const chunkBytes = Number(flags.find((a) => a.startsWith('--chunk='))?.slice('--chunk='.length) ?? 1024);
if (!Number.isInteger(passes) || passes < 1 || chunkBytes < 1) throw new Error(`${USAGE}; passes and --chunk must be positive integers`);
if (small && workload === 'bound') throw new Error('no bound for the small messages (see decode-bench.ts)');

const corpus = buildCorpus(small ? 'small' : 'medium', 8 * 1024 * 1024);
const chunks = chunk(corpus.bytes, chunkBytes);
const pass = makePass(workload);

function makePass(w: Workload): () => number {
  switch (w) {
    case 'reference': {
      const lines = referenceLines(corpus);
      return () => reference(lines);
    }
    case 'bound': {
      const bytes = lineBytes(corpus);
      return () => perLineDecode(bytes);
    }
    case 'floor':
      return small ? () => minimalSplitter(chunks) : () => minimalChunked(chunks);
    case 'proj':
      return () => projDecoder(chunks);
  }
}

function checked(values: number): void {
  if (values !== corpus.lines.length) throw new Error(`decoded ${values} values, expected ${corpus.lines.length}`);
}

for (let i = 0; i < 3; i++) checked(pass());
const start = process.hrtime.bigint();
for (let i = 0; i < passes; i++) checked(pass());
const ns = Number(process.hrtime.bigint() - start);
console.log(
  JSON.stringify({ workload, shape: corpus.shape, chunkBytes, passes, lines: corpus.lines.length, usPerLine: Number((ns / 1000 / (passes * corpus.lines.length)).toFixed(3)) }),
);
