/**
 * Decode: NDJSON bytes in memory, cut into chunks, to JSON values. Contenders: @proj's
 * `NdjsonDecoder` (and its `parse()` stream, for the pipe style), `ndjson.parse()` and
 * `split2(JSON.parse)`. Reference (1.00): `JSON.parse` over the same lines already split into
 * strings — what any NDJSON decoder costs at best.
 */
import { NdjsonDecoder, parse as projParse } from '@proj/core';
import ndjson from 'ndjson';
import { isAscii, isUtf8 } from 'node:buffer';
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
export function referenceLines(corpus: Corpus): string[] {
  return corpus.lines.map((line) => Buffer.from(line, 'utf8').toString('utf8'));
}

export function reference(lines: readonly string[]): number {
  let values = 0;
  for (const line of lines) {
    JSON.parse(line);
    values++;
  }
  return values;
}

export function projDecoder(chunks: readonly Buffer[]): number {
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

/**
 * ICU's UTF-8 converter (a streaming `TextDecoder`; Node sends non-streaming UTF-8 calls to V8's
 * decoder), the fastest per-call decoder Node 20 has for ~1 KiB of non-ASCII text. Measured per
 * ~949 B line of this corpus with `JSON.parse` after it, against `JSON.parse` on pre-split
 * strings (10 rounds, 3 runs): `Buffer#toString` 0.71×, non-streaming `TextDecoder` 0.71×,
 * `buffer.transcode` 0.61–0.64×, ICU after a validity scan (`isUtf8`) 0.74–0.75×, ICU alone
 * 0.76–0.77×.
 */
const icu = new TextDecoder('utf-8', { ignoreBOM: true });
const STREAM = { stream: true } as const;

/**
 * `bytes[from, to)` decoded the fastest way that is still exact: ICU, after a validity scan only
 * when the range ends in a non-ASCII byte, where a streaming converter could keep a character's
 * start pending (ICU replaces invalid sequences as `Buffer#toString` does otherwise; @proj's
 * `utf8.test.ts` checks it). The route @proj's decoder takes for such text.
 */
function decodeIcu(bytes: Buffer, from: number, to: number): string {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from);
  if (bytes[to - 1]! >= 0x80 && !isUtf8(view)) return bytes.toString('utf8', from, to);
  return icu.decode(view, STREAM);
}

/** Each line's own UTF-8 bytes (with no newline), made once per case like the reference's strings. */
export function lineBytes(corpus: Corpus): Buffer[] {
  return corpus.lines.map((line) => Buffer.from(line, 'utf8'));
}

/**
 * Decodes and parses each line from its own bytes, with no splitting at all: what decoding bytes
 * costs at best when no more than about a line can be decoded at a time, which is the case when
 * chunks are no larger than the messages (~1 KiB messages in 1 KiB chunks). A measured limit, not
 * a proven one (see {@link minimalChunked} for the one alternative that makes fewer decode calls).
 * With larger chunks a decoder decodes whole windows, at a lower cost per byte, and beats it.
 */
export function perLineDecode(lines: readonly Buffer[]): number {
  let values = 0;
  for (const bytes of lines) {
    JSON.parse(decodeIcu(bytes, 0, bytes.length));
    values++;
  }
  return values;
}

/**
 * The least a decoder of byte chunks does when lines straddle them, with nothing a library adds:
 * the bytes a chunk ends in kept by reference, copied with the next chunk's head into one buffer
 * when the line ends, decoded (as {@link perLineDecode} does) and parsed; lines inside a chunk
 * decoded from the chunk; each value handed to a callback. No line limit, counters or error
 * handling. Decoding each chunk whole with one streaming converter and ending lines by string
 * concatenation instead measured 0.70× against this design's 0.70–0.74× (one run each, ~1 KiB
 * messages in 1 KiB chunks): `JSON.parse` flattens the joined string, a copy of twice the bytes.
 */
export function minimalChunked(chunks: readonly Buffer[]): number {
  let values = 0;
  const onValue = (_value: unknown): void => {
    values++;
  };
  const join = Buffer.allocUnsafeSlow(64 * 1024);
  // The held line: first[firstFrom, end) by reference, then any whole chunks without a newline.
  let first: Buffer | undefined;
  let firstFrom = 0;
  const more: Buffer[] = [];
  for (const c of chunks) {
    let nl = c.indexOf(10);
    if (nl === -1 && first !== undefined) {
      more.push(c);
      continue;
    }
    if (nl === -1) {
      first = c;
      firstFrom = 0;
      continue;
    }
    if (first !== undefined) {
      let at = first.copy(join, 0, firstFrom);
      for (const piece of more) at += piece.copy(join, at);
      if (at + nl > join.length) throw new Error('minimal chunked decoder: line over 64 KiB');
      c.copy(join, at, 0, nl);
      onValue(JSON.parse(decodeIcu(join, 0, at + nl)));
      first = undefined;
      more.length = 0;
    } else onValue(JSON.parse(decodeIcu(c, 0, nl)));
    let pos = nl + 1;
    while ((nl = c.indexOf(10, pos)) !== -1) {
      onValue(JSON.parse(decodeIcu(c, pos, nl)));
      pos = nl + 1;
    }
    if (pos < c.length) {
      first = c;
      firstFrom = pos;
    }
  }
  if (first !== undefined) {
    const rest = Buffer.concat([first.subarray(firstFrom), ...more]);
    onValue(JSON.parse(decodeIcu(rest, 0, rest.length)));
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
export function minimalSplitter(chunks: readonly Buffer[]): number {
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
export const PER_LINE_BOUND = 'bound: ICU decode + JSON.parse per pre-split line';

/** The row of {@link minimalChunked}, for the ~1 KiB messages only. */
export const MINIMAL_CHUNKED = 'floor: minimal chunked decoder, no limits';

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
      // The yardsticks of this shape, timed in the same rounds: the bound and the floor (~1 KiB) or the floor (~40 B ASCII).
      const yardsticks: (Trial<number> & { name: string })[] = [];
      if (shape === 'medium') {
        const bytes = lineBytes(corpus);
        yardsticks.push({ id: 'bound', name: PER_LINE_BOUND, run: () => timed(corpus, () => perLineDecode(bytes)) });
        yardsticks.push({ id: 'chunked', name: MINIMAL_CHUNKED, run: () => timed(corpus, () => minimalChunked(chunks)) });
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
