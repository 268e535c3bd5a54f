/**
 * Decode: NDJSON bytes in memory, cut into chunks, to JSON values. Contenders: @proj's
 * `NdjsonDecoder` (and its `parse()` stream, for the pipe style), `ndjson.parse()` and
 * `split2(JSON.parse)`. Reference (1.00): `JSON.parse` over the same lines already split into
 * strings — what any NDJSON decoder costs at best.
 */
import { NdjsonDecoder, parse as projParse } from '@proj/core';
import ndjson from 'ndjson';
import { isAscii } from 'node:buffer';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import split2 from 'split2';
import type { BenchConfig } from './bench-config.js';
import { compare, type Comparison } from './comparison.js';
import { buildCorpus, chunk, type Corpus } from './corpus.js';
import { interleave, type Trial } from './interleave.js';

/** A stream with a writable byte side and a readable object side. */
interface ObjectStream {
  write(chunk: Buffer): boolean;
  end(): void;
  on(event: 'data', listener: (value: unknown) => void): unknown;
  on(event: 'end' | 'drain', listener: () => void): unknown;
  once(event: 'end' | 'drain', listener: () => void): unknown;
}

/** Decodes every chunk through a stream, honouring its backpressure; resolves with the number of values. */
async function throughStream(stream: ObjectStream, chunks: readonly Buffer[]): Promise<number> {
  let values = 0;
  stream.on('data', () => values++);
  // Rejects on 'error' too: a failing stream ends the measurement instead of hanging it.
  const ended = once(stream as unknown as NodeJS.EventEmitter, 'end');
  for (const c of chunks) if (!stream.write(c)) await once(stream as unknown as NodeJS.EventEmitter, 'drain');
  stream.end();
  await ended;
  return values;
}

/** Times `decode` and checks it produced one value per line. Returns values per second. */
async function timed(corpus: Corpus, decode: () => number | Promise<number>): Promise<number> {
  const start = performance.now();
  const values = await decode();
  const seconds = (performance.now() - start) / 1000;
  if (values !== corpus.lines.length) throw new Error(`decoded ${values} values, expected ${corpus.lines.length}`);
  return values / seconds;
}

/**
 * The reference's input: flat strings allocated together, as a splitter hands them over, made
 * once per case (untimed) and kept for all its trials, so that after the warm-up they sit in the
 * old generation like any long-lived input. Made anew before each trial instead, every collection
 * inside the timed loop copied the whole young corpus, which made the reference 1.2-1.6x slower
 * than itself from trial to trial (123-187 k/s for the ~1 KiB corpus, against 212-226 k/s kept):
 * ratios above 1 against the limit, and quartiles 0.3 apart. Timed over `corpus.lines`
 * themselves (`JSON.stringify` output, which V8 may keep as unflattened cons strings), its
 * throughput differed 2x between two cases of one run.
 */
function referenceLines(corpus: Corpus): string[] {
  return corpus.lines.map((line) => Buffer.from(line, 'utf8').toString('utf8'));
}

function reference(lines: readonly string[]): number {
  let values = 0;
  for (const line of lines) {
    JSON.parse(line);
    values++;
  }
  return values;
}

function projDecoder(chunks: readonly Buffer[]): number {
  let values = 0;
  const decoder = new NdjsonDecoder({
    onValue: () => values++,
    onError: (error) => {
      throw error;
    },
  });
  for (const c of chunks) decoder.push(c);
  decoder.flush();
  return values;
}

/** Each line's own UTF-8 bytes (with no newline), made once per case like the reference's strings. */
function lineBytes(corpus: Corpus): Buffer[] {
  return corpus.lines.map((line) => Buffer.from(line, 'utf8'));
}

/**
 * Decodes and parses each line from its own bytes, with no splitting at all: what decoding bytes
 * costs at best when no more than about a line can be decoded at a time, which is the case when
 * chunks are no larger than the messages (~1 KiB messages in 1 KiB chunks). With larger chunks a
 * decoder decodes whole windows, at a lower cost per byte, and can beat it.
 */
function perLineDecode(lines: readonly Buffer[]): number {
  let values = 0;
  for (const bytes of lines) {
    JSON.parse(bytes.toString('utf8'));
    values++;
  }
  return values;
}

/**
 * The least a decoder of ASCII chunks does, with nothing a library adds: each chunk checked for
 * ASCII and copied into one string (`isAscii` + `latin1Slice`, as @proj does), split with
 * `indexOf`/`slice`, the line a chunk ends in held as a string and ended by concatenation, each
 * value handed to a callback. No line limit, no counters, no error handling, no non-ASCII path.
 * For the ~40 B ASCII messages: how close to the reference splitting lets a callback decoder come.
 * The loop is raw net's `LineSplitter` written out with its held line in a local: the class, with
 * that line in a private field, measured 2–5 points lower here (4 quick runs each), a weaker floor.
 */
function minimalSplitter(chunks: readonly Buffer[]): number {
  let values = 0;
  const onValue = (_value: unknown): void => {
    values++;
  };
  let held = '';
  for (const c of chunks) {
    // Latin-1 decodes ASCII right and nothing else: a decoder has to know a chunk is ASCII first.
    if (!isAscii(c)) throw new Error('minimal splitter: chunk is not ASCII');
    const text = (c as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(0, c.length);
    let nl = text.indexOf('\n');
    if (nl === -1) {
      held += text;
      continue;
    }
    onValue(JSON.parse(held + text.slice(0, nl)));
    let pos = nl + 1;
    while ((nl = text.indexOf('\n', pos)) !== -1) {
      onValue(JSON.parse(text.slice(pos, nl)));
      pos = nl + 1;
    }
    held = text.slice(pos);
  }
  if (held !== '') onValue(JSON.parse(held));
  return values;
}

const REFERENCE = 'JSON.parse on pre-split lines';

/** The row of {@link perLineDecode}, for the ~1 KiB messages only: for ~40 B ASCII lines a call per line costs more than any decoder pays. */
export const PER_LINE_BOUND = 'bound: UTF-8 decode + JSON.parse per pre-split line';

/** The row of {@link minimalSplitter}, for the ~40 B ASCII messages only. */
export const MINIMAL_SPLITTER = 'floor: minimal ASCII splitter, no limits';

/** The contenders, by report name. */
export const DECODERS = {
  proj: '@proj NdjsonDecoder',
  projStream: '@proj parse() stream',
  ndjson: 'ndjson.parse()',
  split2: 'split2(JSON.parse)',
} as const;

/** Runs the decode benchmark for both shapes and every chunk size. */
export async function decodeBench(config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const results: Comparison[] = [];
  for (const shape of ['small', 'medium'] as const) {
    const corpus = buildCorpus(shape, config.framing.corpusBytes);
    const ascii = shape === 'small' && isAscii(corpus.bytes);
    for (const size of config.framing.chunkSizes) {
      const chunks = chunk(corpus.bytes, size);
      const label = `${shape === 'small' ? `small msgs (~${Math.round(corpus.meanLineBytes)} B)` : `~1 KiB msgs (~${Math.round(corpus.meanLineBytes)} B)`}, ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`} chunks`;
      const lines = referenceLines(corpus);
      const trials: Trial<number>[] = [
        { id: 'reference', run: () => timed(corpus, () => reference(lines)) },
        { id: 'proj', run: () => timed(corpus, () => projDecoder(chunks)) },
        { id: 'projStream', run: () => timed(corpus, () => throughStream(projParse(), chunks)) },
        { id: 'ndjson', run: () => timed(corpus, () => throughStream(ndjson.parse(), chunks)) },
        { id: 'split2', run: () => timed(corpus, () => throughStream(split2(JSON.parse), chunks)) },
      ];
      // The yardstick of this shape, timed in the same rounds: the bound (~1 KiB) or the floor (~40 B ASCII).
      const yardsticks: (Trial<number> & { name: string })[] = [];
      if (shape === 'medium') {
        const bytes = lineBytes(corpus);
        yardsticks.push({ id: 'bound', name: PER_LINE_BOUND, run: () => timed(corpus, () => perLineDecode(bytes)) });
      }
      if (ascii) yardsticks.push({ id: 'minimal', name: MINIMAL_SPLITTER, run: () => timed(corpus, () => minimalSplitter(chunks)) });
      trials.push(...yardsticks);
      const samples = await interleave(trials, { rounds: config.framing.rounds, warmup: config.framing.warmup });
      const ref = samples.get('reference')!;
      const names: [string, string][] = [...Object.entries(DECODERS), ...yardsticks.map((y): [string, string] => [y.id, y.name])];
      const rows = names.map(([id, name]) =>
        compare({ section: 'decode', case: label, contender: name, reference: REFERENCE, metric: 'throughput', better: 'higher', unit: 'msg/s' }, samples.get(id)!, ref),
      );
      results.push(...rows);
      log(`decode ${label}: ${rows.map((r) => `${r.contender} ${r.ratio.median.toFixed(2)}×`).join(', ')}`);
    }
  }
  return results;
}
