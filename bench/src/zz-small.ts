import { buildCorpus, chunk } from './corpus.js';
import { isAscii } from 'node:buffer';
import { NdjsonDecoder as Cur } from '../../packages/core/src/ndjson-decoder.js';
// @ts-ignore
import { NdjsonDecoder as VarA } from '/tmp/var/A/ndjson-decoder.ts';
const shape = (process.argv[2] ?? 'small') as 'small';
const size = Number(process.argv[3] ?? 1024);
const corpus = buildCorpus(shape, 4 * 1024 * 1024);
const lines = corpus.lines.map((l) => Buffer.from(l, 'utf8').toString('utf8'));
const chunks = chunk(corpus.bytes, size);
function run(D: any): number { let n = 0; const d = new D({ onValue: () => n++, onError: (e: unknown) => { throw e; } }); for (const c of chunks) d.push(c); d.flush(); return n; }
function minimal(): number {
  let values = 0; const onValue = (_v: unknown): void => { values++; };
  let held = '';
  for (const c of chunks) {
    if (!isAscii(c)) throw new Error('x');
    const text = (c as any).latin1Slice(0, c.length) as string;
    let nl = text.indexOf('\n');
    if (nl === -1) { held += text; continue; }
    onValue(JSON.parse(held + text.slice(0, nl)));
    let pos = nl + 1;
    while ((nl = text.indexOf('\n', pos)) !== -1) { onValue(JSON.parse(text.slice(pos, nl))); pos = nl + 1; }
    held = text.slice(pos);
  }
  if (held !== '') onValue(JSON.parse(held));
  return values;
}
const fns: Record<string, () => number> = {
  ref: () => { let n = 0; for (const l of lines) { JSON.parse(l); n++; } return n; },
  minimal,
  cur: () => run(Cur),
  varA: () => run(VarA),
};
const names = Object.keys(fns);
const ratios: Record<string, number[]> = {};
const R = Number(process.argv[4] ?? 30);
for (let r = 0; r < R; r++) {
  const order = r % 2 ? names : [...names].reverse();
  const t: Record<string, number> = {};
  for (const name of order) { const s = performance.now(); const n = fns[name]!(); t[name] = performance.now() - s; if (n !== lines.length) throw new Error(name + n); }
  if (r >= 5) for (const name of names) (ratios[name] ??= []).push(t.ref! / t[name]!);
}
const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))]!;
for (const name of names) console.log(name.padEnd(8), q(ratios[name]!, 0.5).toFixed(3), `[${q(ratios[name]!, 0.25).toFixed(3)}-${q(ratios[name]!, 0.75).toFixed(3)}]`);
