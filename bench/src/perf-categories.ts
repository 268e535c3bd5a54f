/**
 * Groups `perf report` output by where the time went, one column per profile. Not part of the
 * benchmark run; made for `profile-decode.ts` (see its header), and usable on any profile of
 * a Node process recorded with `--perf-basic-prof`, `rtt-in-process.ts` for one.
 *
 *   perf report -i a.perf --no-children --sort dso,symbol --stdio -n > a.txt
 *   npx tsx bench/src/perf-categories.ts a.txt b.txt [c.txt ...]
 *
 * Prints a markdown table: samples per category in each profile, also counted per 100 of the
 * profile's own JSON.parse samples, and each profile's difference from the first in those units.
 * With `--share`, counted in % of each profile's samples instead.
 * Categories are matched on native symbol names (V8, ICU, libc, the kernel) and, for
 * JIT-compiled JavaScript, on the source file, so @proj's own code, `ws`, Node's internals and
 * the bench's code come out apart. A symbol matching no rule counts as "other"; `--other` lists
 * the largest of them.
 */
import fs from 'node:fs';

interface Row {
  samples: number;
  dso: string;
  symbol: string;
}

/** The category every profile is counted against by default: each decode workload parses the same lines. */
const PARSE = 'JSON.parse (V8 JsonParser, its string table and object building)';

/**
 * First match wins: JavaScript first (a JIT frame's name can contain anything), then the kernel
 * (by library: its `free_*` would pass for libc), the compiler and the GC (their symbols contain
 * `Mark`, `FixedArray`, `Transition`), and only then the JSON parser, the denominator.
 */
const CATEGORIES: [name: string, test: (row: Row) => boolean][] = [
  ['JS: @proj packages', (r) => isJit(r) && r.symbol.includes('/packages/')],
  ['JS: ws', (r) => isJit(r) && r.symbol.includes('/node_modules/ws/')],
  ['JS: bench code', (r) => isJit(r) && r.symbol.includes('/bench/src/')],
  ['JS: Node internals', (r) => isJit(r) && /\snode:/.test(r.symbol)],
  ['JS: other', (r) => isJit(r)],
  ['kernel', (r) => r.dso.includes('kernel')],
  ['V8 builtins and inline caches', (r) => r.symbol.startsWith('Builtins_')],
  ['V8 compiler, parser and snapshot', (r) => /compiler::|interpreter::|maglev::|baseline::|Scanner::|v8::internal::(Parser|PreParser|ParserBase)|AstValueFactory|CalculateLineEnds|Deserializer|Compil/.test(r.symbol)],
  ['GC', (r) => /Scaveng|GarbageCollect|v8::internal::Heap::|Evacuat|MarkCompact|Marking|Marker|Sweep|SemiSpace|MemoryChunk|::Page::|StringTableCleaner/.test(r.symbol)],
  [PARSE, (r) => /JsonParser|Builtin_JsonParse|StringTable::|Factory::InternalizeString|Strtod|StringToDouble|TransitionsAccessor|TransitionArray|ObjectLiteralMapFromCache|Factory::(NewJSObject|InitializeJSObject|NewJSArray|NewFixedArray|AllocateRawWithAllocationSite)|BinarySearch<|CloseAndEscape/.test(r.symbol)],
  ['UTF-8 to UTF-16 (ICU converter, V8 decoder, Node glue)', (r) => /ucnv|_toUnicode|Utf8Decoder|StringBytes|ConverterObject|i18n/.test(r.symbol)],
  ['string and view creation (V8 allocation)', (r) => /NewRaw|NewStringFrom|TypedArray|ArrayBuffer|AllocateRaw/.test(r.symbol)],
  ['malloc/free', (r) => /^(malloc|free|cfree|calloc|realloc|__libc_(malloc|free|calloc|realloc)|_int_(malloc|free|realloc)|malloc_consolidate|unlink_chunk)|operator new|operator delete/.test(r.symbol)],
  ['copies and byte scans (memcpy, memchr, simdutf)', (r) => /memmove|memcpy|memchr|memrchr|memcmp|CopyChars|simdutf|IsAscii|IsUtf8/.test(r.symbol)],
  ['syscall wrappers (libc)', (r) => /^(epoll_pwait|epoll_wait|__GI___writev|writev|read|__read|__libc_read|write|__write|__GI___libc_write|recv|sendmsg|recvmsg)(@|$)/.test(r.symbol)],
  ['Node, libuv and V8 API (calls between C++ and JS)', (r) => /^(node::|non-virtual thunk to node::|uv_|uv__|v8::Function::|v8::Context::|v8::HandleScope|v8::internal::\(anonymous namespace\)::Invoke|v8::Isolate::|v8::Object::|v8::String::|v8::ArrayBuffer|v8::Value::|v8::Array::|v8::TryCatch)/.test(r.symbol)],
];

function isJit(row: Row): boolean {
  return row.dso.startsWith('[JIT]') || row.symbol.startsWith('JS:');
}

/** Rows of `perf report --stdio -n --sort dso,symbol`: "  12.34%  1234  dso  [.] symbol". */
function parseReport(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(.+?)\s+\[[.k]\]\s+(.*?)\s*$/.exec(line);
    if (m !== null) rows.push({ samples: Number(m[1]), dso: m[2]!, symbol: m[3]!.replace(/\s+-\s+-$/, '') });
  }
  if (rows.length === 0) throw new Error('no rows: expected `perf report --stdio -n --sort dso,symbol` output');
  return rows;
}

function categorize(rows: Row[]): { totals: Map<string, number>; other: Row[] } {
  const totals = new Map<string, number>([...CATEGORIES.map(([name]): [string, number] => [name, 0]), ['other', 0]]);
  const other: Row[] = [];
  for (const row of rows) {
    const name = CATEGORIES.find(([, test]) => test(row))?.[0] ?? 'other';
    totals.set(name, totals.get(name)! + row.samples);
    if (name === 'other') other.push(row);
  }
  return { totals, other };
}

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) throw new Error('usage: perf-categories.ts a.txt [b.txt ...] [--share] [--other]');
const profiles = files.map((file) => ({ file, ...categorize(parseReport(fs.readFileSync(file, 'utf8'))) }));
const names = [...profiles[0]!.totals.keys()];
// Samples depend on how fast the machine ran each process (it moves by ±30 % here), the work
// parsed does not: each profile is also counted per 100 of its own JSON.parse samples.
// With --share, per 100 samples of the profile instead (for profiles that parse little, like a round trip's).
const share = process.argv.includes('--share');
if (!share) {
  for (const p of profiles) {
    if (p.totals.get(PARSE)! < 100) console.error(`${p.file}: ${p.totals.get(PARSE)} samples in the JSON parser, too few to count against: use --share`);
  }
}
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
const per100 = (p: (typeof profiles)[number], n: number): number => (100 * n) / Math.max(1, share ? sum(p.totals) : p.totals.get(PARSE)!);
const head = ['category', ...profiles.map((p) => p.file), ...profiles.slice(1).map((p) => `${p.file} − ${profiles[0]!.file}`)];
const unit = share ? '% of the profile' : 'per 100 JSON.parse samples of the same profile';
console.log(`Samples (and ${unit}); the differences are in the same unit.\n`);
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const name of [...names, 'total']) {
  const value = (p: (typeof profiles)[number]): number => (name === 'total' ? sum(p.totals) : p.totals.get(name)!);
  const cells = profiles.map((p) => `${value(p)} (${per100(p, value(p)).toFixed(1)})`);
  const diffs = profiles.slice(1).map((p) => (per100(p, value(p)) - per100(profiles[0]!, value(profiles[0]!))).toFixed(1));
  console.log(`| ${[name, ...cells, ...diffs].join(' | ')} |`);
}
if (process.argv.includes('--other')) {
  for (const p of profiles) {
    const top = p.other.sort((a, b) => b.samples - a.samples).slice(0, 15);
    console.log(`\n${p.file}, largest "other": ${top.map((r) => `${r.symbol.slice(0, 70)} ${r.samples}`).join('; ')}`);
  }
}
