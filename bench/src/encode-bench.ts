/**
 * Encode: JSON values to NDJSON text. Contenders: @proj's `encodeLine` (what `send()` uses; and
 * its `stringify()` stream, for the pipe style) and `ndjson.stringify()`. Reference (1.00):
 * `JSON.stringify` alone on each value.
 */
import { encodeLine, stringify as projStringify } from '@proj/core';
import ndjson from 'ndjson';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Transform } from 'node:stream';
import type { BenchConfig } from './bench-config.js';
import { compare, type Comparison } from './comparison.js';
import { buildCorpus, type Corpus } from './corpus.js';
import { interleave, type Trial } from './interleave.js';

/** Writes every value into an object-mode stream, honouring backpressure; resolves with the output length. */
async function throughStream(stream: Transform, values: readonly unknown[]): Promise<number> {
  let length = 0;
  stream.on('data', (chunk: Buffer | string) => (length += chunk.length));
  const ended = once(stream, 'end');
  for (const value of values) if (!stream.write(value)) await once(stream, 'drain');
  stream.end();
  await ended;
  return length;
}

/** Times `encode` over the corpus; returns values per second. The output length keeps the work observable. */
async function timed(corpus: Corpus, encode: () => number | Promise<number>): Promise<number> {
  const start = performance.now();
  const length = await encode();
  const seconds = (performance.now() - start) / 1000;
  if (length < corpus.bytes.length / 3) throw new Error(`encoded only ${length} units for ${corpus.bytes.length} bytes of corpus`);
  return corpus.values.length / seconds;
}

function reference(values: readonly unknown[]): number {
  let length = 0;
  for (const value of values) length += JSON.stringify(value).length;
  return length;
}

function proj(values: readonly unknown[]): number {
  let length = 0;
  for (const value of values) length += encodeLine(value).length;
  return length;
}

const REFERENCE = 'JSON.stringify alone';

/** The contenders, by report name. */
export const ENCODERS = {
  proj: '@proj encodeLine',
  projStream: '@proj stringify() stream',
  ndjson: 'ndjson.stringify()',
} as const;

/** Runs the encode benchmark for both shapes. */
export async function encodeBench(config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const results: Comparison[] = [];
  for (const shape of ['small', 'medium'] as const) {
    const corpus = buildCorpus(shape, config.framing.corpusBytes);
    const label = shape === 'small' ? `small msgs (~${Math.round(corpus.meanLineBytes)} B)` : `~1 KiB msgs (~${Math.round(corpus.meanLineBytes)} B)`;
    const trials: Trial<number>[] = [
      { id: 'reference', run: () => timed(corpus, () => reference(corpus.values)) },
      { id: 'proj', run: () => timed(corpus, () => proj(corpus.values)) },
      { id: 'projStream', run: () => timed(corpus, () => throughStream(projStringify(), corpus.values)) },
      { id: 'ndjson', run: () => timed(corpus, () => throughStream(ndjson.stringify(), corpus.values)) },
    ];
    const samples = await interleave(trials, { rounds: config.framing.rounds, warmup: config.framing.warmup });
    const ref = samples.get('reference')!;
    const rows = Object.entries(ENCODERS).map(([id, name]) =>
      compare({ section: 'encode', case: label, contender: name, reference: REFERENCE, metric: 'throughput', better: 'higher', unit: 'msg/s' }, samples.get(id)!, ref),
    );
    results.push(...rows);
    log(`encode ${label}: ${rows.map((r) => `${r.contender} ${r.ratio.median.toFixed(2)}×`).join(', ')}`);
  }
  return results;
}
