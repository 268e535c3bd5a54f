import { isAscii } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { buildCorpus, chunk, seededRandom, tick, type Shape } from './corpus.js';

const TARGET = 64 * 1024;

describe('buildCorpus', () => {
  for (const shape of ['small', 'medium'] as const satisfies readonly Shape[]) {
    describe(shape, () => {
      const corpus = buildCorpus(shape, TARGET);

      it('builds the same corpus every time', () => {
        const again = buildCorpus(shape, TARGET);
        expect(again.lines).toEqual(corpus.lines);
        expect(again.values).toEqual(corpus.values);
        expect(again.bytes.equals(corpus.bytes)).toBe(true);
      });

      it('holds the lines joined with newlines, a trailing one included, as UTF-8 bytes', () => {
        expect(corpus.shape).toBe(shape);
        expect(corpus.bytes.equals(Buffer.from(corpus.lines.join('\n') + '\n', 'utf8'))).toBe(true);
      });

      it('holds values that JSON.stringify to its lines', () => {
        expect(corpus.values).toHaveLength(corpus.lines.length);
        corpus.values.forEach((value, i) => expect(JSON.stringify(value)).toBe(corpus.lines[i]));
      });

      it('reaches the target size and goes over it by at most its last line', () => {
        const last = corpus.lines[corpus.lines.length - 1]!;
        expect(corpus.bytes.length).toBeGreaterThanOrEqual(TARGET);
        expect(corpus.bytes.length - (Buffer.byteLength(last) + 1)).toBeLessThan(TARGET);
      });

      it('gives the mean line size in UTF-8 bytes, newline included', () => {
        const bytes = corpus.lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8') + 1, 0);
        expect(corpus.meanLineBytes).toBe(bytes / corpus.lines.length);
      });
    });
  }

  it('makes small lines the ticks of the issue: ASCII, about 40 B each', () => {
    const corpus = buildCorpus('small', TARGET);
    expect(isAscii(corpus.bytes)).toBe(true);
    corpus.lines.forEach((line, i) => {
      expect(line).toBe(`{"type":"tick","good":1234,"seq":${i}}`);
      expect(corpus.values[i]).toEqual(tick(i));
    });
    for (const line of corpus.lines) expect(Buffer.byteLength(line) + 1).toBeGreaterThanOrEqual(35);
    for (const line of corpus.lines) expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(45);
  });

  it('makes medium lines about 1 KiB on average, each with non-ASCII text', () => {
    const corpus = buildCorpus('medium', TARGET);
    expect(corpus.meanLineBytes).toBeGreaterThanOrEqual(800);
    expect(corpus.meanLineBytes).toBeLessThanOrEqual(1300);
    // Every name and city of a medium message has a non-ASCII character.
    for (const line of corpus.lines) expect(Buffer.byteLength(line)).toBeGreaterThan(line.length);
    expect(isAscii(corpus.bytes)).toBe(false);
  });

  it('makes a smaller corpus the start of a larger one of the same shape', () => {
    const small = buildCorpus('medium', 8 * 1024);
    const large = buildCorpus('medium', TARGET);
    expect(large.lines.slice(0, small.lines.length)).toEqual(small.lines);
  });
});

describe('chunk', () => {
  // Buffer.alloc is never pooled: a copying chunk() could not share this ArrayBuffer by chance.
  const bytes = Buffer.alloc(100);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i;

  it('cuts into views of the input: the same ArrayBuffer at successive offsets, no copy', () => {
    const chunks = chunk(bytes, 7);
    chunks.forEach((c, i) => {
      expect(c.buffer).toBe(bytes.buffer);
      expect(c.byteOffset).toBe(bytes.byteOffset + i * 7);
    });
    chunks[1]![0] = 0xff;
    expect(bytes[7]).toBe(0xff);
    bytes[7] = 7;
  });

  it('makes every chunk size bytes but the last when size does not divide the length', () => {
    const chunks = chunk(bytes, 7);
    expect(chunks.map((c) => c.length)).toEqual([...Array<number>(14).fill(7), 2]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('makes equal chunks when size divides the length', () => {
    const chunks = chunk(bytes, 25);
    expect(chunks.map((c) => c.length)).toEqual([25, 25, 25, 25]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('concatenates back to the input at any size, 1 byte and larger than the input included', () => {
    for (const size of [1, 3, 7, 64, 99, 100, 101, 65_536]) {
      const chunks = chunk(bytes, size);
      expect(chunks).toHaveLength(Math.ceil(bytes.length / size));
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    }
  });

  it('cuts a corpus anywhere, inside multi-byte characters too', () => {
    const corpus = buildCorpus('medium', 16 * 1024);
    const chunks = chunk(corpus.bytes, 7);
    expect(Buffer.concat(chunks).equals(corpus.bytes)).toBe(true);
    // A chunk starting with a continuation byte (10xxxxxx) begins inside a character.
    expect(chunks.some((c) => (c[0]! & 0xc0) === 0x80)).toBe(true);
  });

  it('returns no chunk for an empty input', () => {
    expect(chunk(Buffer.alloc(0), 7)).toEqual([]);
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
  });

  it('gives different sequences for different seeds', () => {
    const a = seededRandom(1);
    const b = seededRandom(2);
    expect(Array.from({ length: 10 }, () => b())).not.toEqual(Array.from({ length: 10 }, () => a()));
  });

  it('stays in [0, 1) and covers it', () => {
    const random = seededRandom(12_345);
    const draws = Array.from({ length: 10_000 }, () => random());
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    // Not a randomness test: only that the draws are not stuck in part of the range.
    expect(Math.min(...draws)).toBeLessThan(0.01);
    expect(Math.max(...draws)).toBeGreaterThan(0.99);
    expect(new Set(draws).size).toBeGreaterThan(9_900);
  });
});
