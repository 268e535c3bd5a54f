/**
 * The decoders and yardsticks the published decode ratios rest on: each must decode and parse
 * every line (a malformed one makes it throw) and count one value per line, wherever the chunks
 * are cut. Values are counted, not kept, so the count is what can be checked.
 */
import { describe, expect, it } from 'vitest';
import { buildCorpus, chunk, type Corpus } from './corpus.js';
import { lineBytes, minimalChunked, minimalSplitter, perLineDecode, projDecoder, reference, referenceLines } from './decode-bench.js';

const SIZES = [1, 7, 1024, 65_536];
const MALFORMED = '{"type":';

const small = buildCorpus('small', 64 * 1024);
const medium = buildCorpus('medium', 64 * 1024);
const corpora = { small, medium };

/** The corpus bytes with line `index` replaced by malformed JSON. */
function withMalformedLine(corpus: Corpus, index: number): Buffer {
  let start = 0;
  for (let i = 0; i < index; i++) start = corpus.bytes.indexOf(10, start) + 1;
  const end = corpus.bytes.indexOf(10, start);
  return Buffer.concat([corpus.bytes.subarray(0, start), Buffer.from(MALFORMED), corpus.bytes.subarray(end)]);
}

/** What `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const middle = (corpus: Corpus): number => Math.floor(corpus.lines.length / 2);

describe('withMalformedLine, the helper of these tests', () => {
  it('replaces exactly one line', () => {
    const lines = withMalformedLine(small, 3).toString('utf8').split('\n');
    expect(lines.slice(0, -1)).toEqual(small.lines.map((line, i) => (i === 3 ? MALFORMED : line)));
  });
});

describe('referenceLines', () => {
  it('returns strings equal to the corpus lines, in a new array', () => {
    for (const corpus of [small, medium]) {
      const lines = referenceLines(corpus);
      expect(lines).toEqual(corpus.lines);
      expect(lines).not.toBe(corpus.lines);
    }
  });
});

describe('reference', () => {
  it('counts one value per line', () => {
    expect(reference(referenceLines(small))).toBe(small.lines.length);
    expect(reference(referenceLines(medium))).toBe(medium.lines.length);
  });

  it('throws a SyntaxError on a malformed line', () => {
    const lines = referenceLines(medium);
    lines[middle(medium)] = MALFORMED;
    expect(() => reference(lines)).toThrow(SyntaxError);
  });
});

describe('projDecoder', () => {
  for (const [shape, corpus] of Object.entries(corpora)) {
    it(`counts one value per line of the ${shape} corpus at every chunk size`, () => {
      for (const size of SIZES) expect(projDecoder(chunk(corpus.bytes, size)), `${size} B chunks`).toBe(corpus.lines.length);
    });

    it(`throws the decoder's malformed-line error on a malformed line of the ${shape} corpus at every chunk size`, () => {
      const bytes = withMalformedLine(corpus, middle(corpus));
      for (const size of SIZES) {
        expect(thrown(() => projDecoder(chunk(bytes, size))), `${size} B chunks`).toMatchObject({ code: 'PROJ_ERR_MALFORMED_LINE', details: { line: middle(corpus) + 1 } });
      }
    });
  }

  it('counts a last line without a newline (flush)', () => {
    for (const size of SIZES) expect(projDecoder(chunk(medium.bytes.subarray(0, -1), size))).toBe(medium.lines.length);
  });
});

describe('minimalSplitter', () => {
  it('counts one value per line of the small corpus at every chunk size', () => {
    for (const size of SIZES) expect(minimalSplitter(chunk(small.bytes, size)), `${size} B chunks`).toBe(small.lines.length);
  });

  it('throws a SyntaxError on a malformed line at every chunk size', () => {
    const bytes = withMalformedLine(small, middle(small));
    for (const size of SIZES) expect(() => minimalSplitter(chunk(bytes, size)), `${size} B chunks`).toThrow(SyntaxError);
  });

  it('throws on a chunk that is not ASCII', () => {
    for (const size of SIZES) expect(() => minimalSplitter(chunk(medium.bytes, size)), `${size} B chunks`).toThrow('chunk is not ASCII');
  });

  it('counts a last line without a newline', () => {
    for (const size of SIZES) expect(minimalSplitter(chunk(small.bytes.subarray(0, -1), size))).toBe(small.lines.length);
  });
});

describe('minimalChunked', () => {
  for (const [shape, corpus] of Object.entries(corpora)) {
    it(`counts one value per line of the ${shape} corpus at every chunk size`, () => {
      for (const size of SIZES) expect(minimalChunked(chunk(corpus.bytes, size)), `${size} B chunks`).toBe(corpus.lines.length);
    });

    it(`throws a SyntaxError on a malformed line of the ${shape} corpus at every chunk size`, () => {
      const bytes = withMalformedLine(corpus, middle(corpus));
      for (const size of SIZES) expect(() => minimalChunked(chunk(bytes, size)), `${size} B chunks`).toThrow(SyntaxError);
    });
  }

  it('counts a last line without a newline', () => {
    for (const size of SIZES) expect(minimalChunked(chunk(medium.bytes.subarray(0, -1), size))).toBe(medium.lines.length);
  });
});

describe('minimalChunked and projDecoder on lines cut inside a multi-byte character', () => {
  for (const size of [1, 7]) {
    it(`count right on the medium corpus at ${size} B chunks`, () => {
      const chunks = chunk(medium.bytes, size);
      // A chunk starting with a continuation byte (10xxxxxx) cuts a character in two.
      expect(chunks.some((c) => (c[0]! & 0xc0) === 0x80)).toBe(true);
      expect(minimalChunked(chunks)).toBe(medium.lines.length);
      expect(projDecoder(chunks)).toBe(medium.lines.length);
    });
  }
});

describe('lineBytes', () => {
  it("returns each line's UTF-8 bytes without a newline", () => {
    const bytes = lineBytes(medium);
    expect(bytes.map((b) => b.toString('utf8'))).toEqual(medium.lines);
    expect(bytes.every((b) => !b.includes(10))).toBe(true);
  });
});

describe('perLineDecode', () => {
  it('counts one value per line', () => {
    expect(perLineDecode(lineBytes(small))).toBe(small.lines.length);
    expect(perLineDecode(lineBytes(medium))).toBe(medium.lines.length);
  });

  it('throws a SyntaxError on a malformed line', () => {
    const bytes = lineBytes(medium);
    bytes[middle(medium)] = Buffer.from(MALFORMED);
    expect(() => perLineDecode(bytes)).toThrow(SyntaxError);
  });
});
