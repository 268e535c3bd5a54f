import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, ProjError, isProjError } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES, NdjsonDecoder, type NdjsonDecoderOptions } from './ndjson-decoder.js';

type Event = { value: unknown } | { error: string; line: number | undefined };

/** A decoder that records values and errors, in order, as one event list. */
function recorder(options: Partial<NdjsonDecoderOptions> = {}) {
  const events: Event[] = [];
  const errors: ProjError[] = [];
  const decoder = new NdjsonDecoder({
    onValue: (value) => events.push({ value }),
    onError: (error) => {
      errors.push(error);
      events.push({ error: error.code, line: error.details.line });
    },
    ...options,
  });
  const values = () => events.flatMap((e) => ('value' in e ? [e.value] : []));
  return { decoder, events, errors, values };
}

const bytes = (s: string) => Buffer.from(s, 'utf8');

/** Pushes `input` cut at the given byte offsets, then flushes. */
function pushCut(decoder: NdjsonDecoder, input: Uint8Array, cuts: number[]): void {
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    decoder.push(input.subarray(from, cut));
    from = cut;
  }
  decoder.flush();
}

describe('NdjsonDecoder', () => {
  describe('framing', () => {
    it('decodes many lines in one chunk', () => {
      const { decoder, values } = recorder();
      decoder.push(bytes('{"a":1}\n{"b":2}\n[3]\n'));
      expect(values()).toEqual([{ a: 1 }, { b: 2 }, [3]]);
      expect(decoder.bufferedBytes).toBe(0);
    });

    it('decodes one byte per chunk', () => {
      const { decoder, values } = recorder();
      const input = bytes('{"a":"héllo"}\r\n[1,2]\n"x"\n');
      for (let i = 0; i < input.length; i++) decoder.push(input.subarray(i, i + 1));
      expect(values()).toEqual([{ a: 'héllo' }, [1, 2], 'x']);
    });

    it('decodes two lines on two writes', () => {
      const { decoder, values } = recorder();
      decoder.push(bytes('"hello"'));
      decoder.push(bytes('\n"world"'));
      decoder.flush();
      expect(values()).toEqual(['hello', 'world']);
    });

    it('gives exactly two objects for CRLF, LF and a blank line in one chunk', () => {
      const { decoder, events } = recorder();
      decoder.push(bytes('{"good": 1234}\r\n{"good": 4567}\n\n'));
      decoder.flush();
      expect(events).toEqual([{ value: { good: 1234 } }, { value: { good: 4567 } }]);
      expect(decoder.stats.lines).toBe(3);
    });

    it('delivers null, numbers, strings, booleans and arrays as values', () => {
      const { decoder, values } = recorder();
      decoder.push(bytes('null\n0\n-1.5e3\n"s"\ntrue\nfalse\n[]\n[null]\n{}\n'));
      expect(values()).toEqual([null, 0, -1500, 's', true, false, [], [null], {}]);
      expect(decoder.stats.values).toBe(9);
    });

    it('skips blank and whitespace-only lines but counts them in line numbers', () => {
      const { decoder, events } = recorder();
      decoder.push(bytes('\n  \t\n\r\n \r\n1\n{bad\n'));
      expect(events).toEqual([{ value: 1 }, { error: ErrorCode.MALFORMED_LINE, line: 6 }]);
    });

    it('decodes a trailing line without newline on flush() and stays usable', () => {
      const { decoder, values } = recorder();
      decoder.push(bytes('1\n{"last":'));
      decoder.push(bytes('true}'));
      expect(values()).toEqual([1]);
      expect(decoder.bufferedBytes).toBe(13);
      decoder.flush();
      expect(values()).toEqual([1, { last: true }]);
      decoder.flush();
      decoder.push(bytes('2\n'));
      expect(values()).toEqual([1, { last: true }, 2]);
      expect(decoder.stats.lines).toBe(3);
    });

    it('drops a partial line on reset() and returns its size', () => {
      const { decoder, values } = recorder();
      decoder.push(bytes('1\n{"cut'));
      expect(decoder.reset()).toBe(5);
      expect(decoder.bufferedBytes).toBe(0);
      decoder.push(bytes('2\n'));
      expect(values()).toEqual([1, 2]);
    });
  });

  describe('UTF-8', () => {
    const line = '{"k":"é€😀","é":["ß","中文","🎉"]}\n';
    const expected = [{ k: 'é€😀', é: ['ß', '中文', '🎉'] }];

    it('decodes 2-, 3- and 4-byte characters split at every byte offset', () => {
      const input = bytes(line + line);
      for (let cut = 1; cut < input.length; cut++) {
        const { decoder, values } = recorder();
        pushCut(decoder, input, [cut]);
        expect(values(), `cut at ${cut}`).toEqual([...expected, ...expected]);
      }
    });

    it('decodes characters split at every pair of byte offsets, whatever path each piece takes', () => {
      const input = bytes(line);
      for (let a = 1; a < input.length; a++) {
        for (let b = a; b < input.length; b++) {
          const { decoder, values } = recorder();
          pushCut(decoder, input, [a, b]);
          expect(values(), `cuts at ${a}, ${b}`).toEqual(expected);
        }
      }
    });

    it('decodes characters split two bytes by two', () => {
      const { decoder, values } = recorder();
      const input = bytes('"烫烫烫"\r\n"烫烫烫"');
      for (let i = 0; i < input.length; i += 2) decoder.push(input.subarray(i, i + 2));
      decoder.flush();
      expect(values()).toEqual(['烫烫烫', '烫烫烫']);
    });

    it('replaces a truncated character at the end of the input with U+FFFD', () => {
      const { decoder, errors } = recorder();
      const input = bytes('"烫烫');
      decoder.push(input.subarray(0, 4));
      decoder.push(input.subarray(4, 5));
      decoder.flush();
      expect(errors.map((e) => [e.code, e.details.sample])).toEqual([[ErrorCode.MALFORMED_LINE, '"烫\uFFFD']]);
    });

    it('replaces an invalid byte inside a string with U+FFFD whatever the chunking', () => {
      const input = Buffer.concat([bytes('"a'), Buffer.from([0xe7]), bytes('b"\n')]);
      for (let cut = 1; cut < input.length; cut++) {
        const { decoder, values } = recorder();
        pushCut(decoder, input, [cut]);
        expect(values()).toEqual(['a\uFFFDb']);
      }
    });

    it('accepts plain Uint8Array chunks as well as Buffers', () => {
      const { decoder, values } = recorder();
      const input = new Uint8Array(bytes(line));
      decoder.push(input.subarray(0, 9));
      decoder.push(input.subarray(9));
      expect(values()).toEqual(expected);
    });
  });

  describe('string input', () => {
    it('decodes frames without a trailing newline with flush()', () => {
      const { decoder, values } = recorder();
      for (const frame of ['{"a":1}', 'null', '"é😀"']) {
        decoder.push(frame);
        decoder.flush();
      }
      expect(values()).toEqual([{ a: 1 }, null, 'é😀']);
    });

    it('decodes frames carrying several lines, with or without the trailing newline', () => {
      const { decoder, values } = recorder();
      decoder.push('1\n2\r\n3');
      decoder.flush();
      decoder.push('4\n5\n');
      decoder.flush();
      expect(values()).toEqual([1, 2, 3, 4, 5]);
    });

    it('joins a line spread over several strings, a surrogate pair split between two of them', () => {
      const { decoder, values } = recorder();
      const text = '["😀","é"]\n';
      for (let i = 0; i < text.length; i++) decoder.push(text[i]!);
      decoder.push('"a\uD83D');
      decoder.push('\uDE00"\n');
      expect(values()).toEqual([['😀', 'é'], 'a😀']);
    });

    it('mixes string and byte chunks within one line', () => {
      const { decoder, values } = recorder();
      decoder.push('{"a":"é');
      decoder.push(bytes('€","b":'));
      decoder.push('[1,');
      decoder.push(bytes('2]}\n'));
      expect(values()).toEqual([{ a: 'é€', b: [1, 2] }]);
    });

    it('ends held text in a lone high surrogate with U+FFFD before a byte chunk, whatever its size', () => {
      for (const pad of [0, 300]) {
        const { decoder, values } = recorder();
        decoder.push('"\uD83D');
        // 4 bytes, or 304: the second is an all-ASCII chunk decoded whole.
        decoder.push(bytes(`"\n${' '.repeat(pad)}1\n`));
        expect(values()).toEqual(['\uFFFD', 1]);
      }
    });

    it('counts the join of a line held as text, from strings or from all-ASCII chunks, in bytesCopied', () => {
      const { decoder, values } = recorder();
      decoder.push('"ab');
      decoder.push('cd"\n');
      expect(decoder.stats.bytesCopied).toBe(6);
      decoder.push(bytes(`${' '.repeat(300)}"x`));
      decoder.push(bytes(`y"\n${' '.repeat(300)}`));
      expect(values()).toEqual(['abcd', 'xy']);
      expect(decoder.stats.bytesCopied).toBe(6 + 302 + 2);
    });

    it('counts a buffered partial string in UTF-8 bytes, and string input in UTF-16 units', () => {
      const { decoder } = recorder();
      decoder.push('"é😀"\n"é😀');
      expect(decoder.stats.bytesIn).toBe(10);
      expect(decoder.bufferedBytes).toBe(7);
      decoder.push('€');
      expect(decoder.bufferedBytes).toBe(10);
      expect(decoder.reset()).toBe(10);
    });

    it('works without Node Buffer', async () => {
      vi.stubGlobal('Buffer', undefined);
      vi.resetModules();
      try {
        const { NdjsonDecoder: Portable } = await import('./ndjson-decoder.js');
        const values: unknown[] = [];
        const decoder = new Portable({ onValue: (v) => values.push(v), onError: (e) => values.push(e.code) });
        decoder.push('{"a":"é');
        decoder.push('"}\n[1]');
        decoder.flush();
        const encoded = new TextEncoder().encode('"😀"\n{"b":2}\n');
        decoder.push(encoded.subarray(0, 3));
        decoder.push(encoded.subarray(3));
        // A BOM is kept, as Buffer keeps it: at the start of a line it makes the line malformed.
        decoder.push(new TextEncoder().encode('\uFEFF3\n'));
        expect(values).toEqual([{ a: 'é' }, [1], '😀', { b: 2 }, ErrorCode.MALFORMED_LINE]);
      } finally {
        vi.unstubAllGlobals();
        vi.resetModules();
      }
    });
  });

  describe('errors', () => {
    it('reports a malformed line with line number, connection, sample and cause; the next line still arrives', () => {
      const { decoder, events, errors } = recorder({ connection: 'peer-7' });
      decoder.push(bytes('1\n{"a":\n2\n'));
      expect(events).toEqual([{ value: 1 }, { error: ErrorCode.MALFORMED_LINE, line: 2 }, { value: 2 }]);
      const [error] = errors;
      expect(isProjError(error, ErrorCode.MALFORMED_LINE)).toBe(true);
      expect(error!.details).toEqual({ line: 2, connection: 'peer-7', sample: '{"a":' });
      expect(error!.cause).toBeInstanceOf(SyntaxError);
      expect(decoder.stats.errors).toBe(1);
    });

    it('limits the sample to 64 characters without a final CR or a cut surrogate pair', () => {
      const { decoder, errors } = recorder();
      decoder.push(`{${'x'.repeat(100)}\n{bad\r\n${'y'.repeat(63)}😀\n`);
      expect(errors.map((e) => e.details.sample)).toEqual([`{${'x'.repeat(63)}`, '{bad', 'y'.repeat(63)]);
    });

    it('reports an oversize line once, never buffers past the limit, and delivers the next line', () => {
      const max = 1024;
      const { decoder, events, errors } = recorder({ maxLineBytes: max, connection: 'c1' });
      const input = bytes(`1\n"${'x'.repeat(10 * max)}"\n2\n`);
      for (let i = 0; i < input.length; i += 100) {
        decoder.push(input.subarray(i, i + 100));
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(max);
      }
      expect(events).toEqual([{ value: 1 }, { error: ErrorCode.LINE_TOO_LONG, line: 2 }, { value: 2 }]);
      expect(errors[0]!.details).toEqual({ line: 2, maxLineBytes: max, connection: 'c1' });
      expect(decoder.stats.bytesCopied).toBeLessThan(2 * max);
    });

    it('reports an oversize line that sits complete inside one chunk', () => {
      const { decoder, events } = recorder({ maxLineBytes: 8 });
      decoder.push(bytes('[1]\n[1,2,3,4,5,6]\n[2]\n'));
      expect(events).toEqual([{ value: [1] }, { error: ErrorCode.LINE_TOO_LONG, line: 2 }, { value: [2] }]);
    });

    it('reports at once a line that outgrows the limit before its newline, then skips the rest of it', () => {
      const { decoder, events } = recorder({ maxLineBytes: 2 });
      decoder.push(bytes('hey'));
      expect(events).toEqual([{ error: ErrorCode.LINE_TOO_LONG, line: 1 }]);
      expect(decoder.bufferedBytes).toBe(0);
      decoder.push(bytes('1\n123'));
      decoder.push(bytes('456'));
      decoder.push(bytes('789\n2\n3'));
      decoder.flush();
      expect(events.slice(1)).toEqual([{ error: ErrorCode.LINE_TOO_LONG, line: 2 }, { value: 2 }, { value: 3 }]);
    });

    it('accepts a line of exactly maxLineBytes ending in CRLF, whatever the chunking', () => {
      const input = bytes('123\r\n4567\r\n89\r\n');
      for (let a = 1; a < input.length; a++) {
        for (let b = a; b < input.length; b++) {
          const { decoder, events } = recorder({ maxLineBytes: 3 });
          pushCut(decoder, input, [a, b]);
          expect(events, `cuts at ${a}, ${b}`).toEqual([{ value: 123 }, { error: ErrorCode.LINE_TOO_LONG, line: 2 }, { value: 89 }]);
        }
      }
    });

    it('counts a CR that is not followed by LF against the limit', () => {
      const { decoder, events } = recorder({ maxLineBytes: 3 });
      decoder.push(bytes('123\r'));
      expect(decoder.bufferedBytes).toBe(3);
      decoder.push(bytes('4\n5\n'));
      expect(events).toEqual([{ error: ErrorCode.LINE_TOO_LONG, line: 1 }, { value: 5 }]);
    });

    it('applies the limit in UTF-8 bytes to string input', () => {
      const { decoder, events } = recorder({ maxLineBytes: 6 });
      decoder.push('"éé"\n"ééé"\n"é');
      decoder.push('é"\n');
      expect(events).toEqual([{ value: 'éé' }, { error: ErrorCode.LINE_TOO_LONG, line: 2 }, { value: 'éé' }]);
    });

    it('stops decoding the current chunk when onError calls reset()', () => {
      const values: unknown[] = [];
      const decoder: NdjsonDecoder = new NdjsonDecoder({ onValue: (v) => values.push(v), onError: () => decoder.reset() });
      decoder.push(bytes('1\nbad\n2\n{"partial'));
      expect(values).toEqual([1]);
      expect(decoder.bufferedBytes).toBe(0);
      decoder.push(bytes('3\n'));
      expect(values).toEqual([1, 3]);
    });

    it('propagates an exception from onValue, keeps line numbers, and resumes at the next line', () => {
      const { decoder, events } = recorder({
        onValue: (value) => {
          if (value === 'boom') throw new Error('handler failed');
          events.push({ value });
        },
      });
      expect(() => decoder.push(bytes('1\n"boom"\n2\n{"rest'))).toThrow('handler failed');
      decoder.push(bytes('":1}\n3\nbad\n'));
      expect(events).toEqual([{ value: 1 }, { value: 3 }, { error: ErrorCode.MALFORMED_LINE, line: 6 }]);
    });
  });

  describe('non-ASCII chunks larger than a decode window (8 KiB)', () => {
    /** A non-ASCII JSON line of exactly `size` bytes with its LF. */
    function line(size: number, seq: number): string {
      const head = `{"s":${seq},"t":"`;
      const room = size - Buffer.byteLength(head) - 3; // '"}' and the LF
      return `${head}${'é'.repeat(Math.floor(room / 2))}${room % 2 === 1 ? 'x' : ''}"}\n`;
    }

    it('gives every value in order, and right line numbers, across windows and with lines longer than a window', () => {
      const sizes = [900, 3000, 8191, 8192, 8193, 20_000, 100, 9000, 1];
      const text = sizes.map((size, i) => (size === 1 ? '\n' : line(size, i))).join('') + 'not json\n' + line(5000, 99);
      const input = bytes(text);
      expect(input.length).toBeGreaterThan(3 * 8192);
      const { decoder, events } = recorder();
      decoder.push(input);
      expect(events.map((e) => ('value' in e ? (e.value as { s: number }).s : e))).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7,
        { error: ErrorCode.MALFORMED_LINE, line: 10 },
        99,
      ]);
      expect(decoder.stats.bytesScanned).toBeLessThanOrEqual(2 * input.length);
    });

    it('stops at a reset() made while a window or a long line is handled', () => {
      // A reset from onError on an over-long line longer than a window, with a small limit.
      const values: unknown[] = [];
      const onReset: NdjsonDecoder = new NdjsonDecoder({ maxLineBytes: 16, onValue: (v) => values.push(v), onError: () => onReset.reset() });
      onReset.push(bytes('"é"\n'.repeat(100) + `"${'é'.repeat(5000)}"\n` + '"after"\n'.repeat(100)));
      expect(values).toHaveLength(100);
      // A reset from onValue in the first of several windows.
      const seen: unknown[] = [];
      const onValueReset: NdjsonDecoder = new NdjsonDecoder({
        onValue: (v) => {
          seen.push(v);
          if (seen.length === 3) onValueReset.reset();
        },
        onError: (error) => {
          throw error;
        },
      });
      onValueReset.push(bytes(line(1000, 0).repeat(40)));
      expect(seen).toHaveLength(3);
    });

    it('keeps the line limit exact in bytes when it is above the window', () => {
      const { decoder, events } = recorder({ maxLineBytes: 12_000 });
      const input = bytes(line(12_001, 0) + line(12_002, 1) + line(16_000, 2) + line(500, 3) + line(30_000, 4) + line(700, 5));
      decoder.push(input);
      // 12,001 bytes with the LF is 12,000 of content, the limit; 12,002 is one byte over.
      expect(events.map((e) => ('value' in e ? (e.value as { s: number }).s : e))).toEqual([
        0,
        { error: ErrorCode.LINE_TOO_LONG, line: 2 },
        { error: ErrorCode.LINE_TOO_LONG, line: 3 },
        3,
        { error: ErrorCode.LINE_TOO_LONG, line: 5 },
        5,
      ]);
      expect(decoder.stats.bytesScanned).toBeLessThanOrEqual(2 * input.length);
    });
  });

  describe('linear work', () => {
    it('keeps exact counters over held, CRLF, lone-LF and discarded lines (each byte scanned once)', () => {
      const { decoder, values, errors } = recorder({ maxLineBytes: 8 });
      const chunks = ['{"a"', ':1}\n{"b":2}\n', '{"c":3}\r\n', '{"d":4}', '\n', 'x'.repeat(12), 'yyy\n{"e":5}\n'];
      for (const chunk of chunks) decoder.push(bytes(chunk));
      expect(values()).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }, { e: 5 }]);
      expect(errors.map((e) => e.code)).toEqual([ErrorCode.LINE_TOO_LONG]);
      // Only the line split across the first two chunks is joined: 4 held bytes and 3 more.
      expect(decoder.stats).toEqual({ bytesIn: 57, bytesScanned: 57, bytesCopied: 7, lines: 6, values: 5, errors: 1 });
    });

    it('decodes an 8 MiB line fed in 16 KiB chunks with work proportional to its size', () => {
      const size = 8 * 1024 * 1024;
      const input = Buffer.alloc(size, 'a');
      input[0] = 0x22;
      input[size - 2] = 0x22;
      input[size - 1] = 0x0a;
      const { decoder, values } = recorder({ maxLineBytes: 16 * 1024 * 1024 });
      for (let i = 0; i < size; i += 16 * 1024) decoder.push(Buffer.from(input.subarray(i, i + 16 * 1024)));
      expect(values()).toHaveLength(1);
      expect((values()[0] as string).length).toBe(size - 3);
      const { bytesIn, bytesScanned, bytesCopied } = decoder.stats;
      expect(bytesIn).toBe(size);
      expect(bytesScanned).toBeLessThanOrEqual(2 * size);
      expect(bytesCopied).toBeLessThanOrEqual(2 * size);
    });

    it('decodes a 256 KiB line fed one byte per chunk with work proportional to its size', () => {
      const size = 256 * 1024;
      const input = bytes(`"${'é'.repeat(size / 2 - 2)}"\n`);
      const { decoder, values } = recorder();
      for (let i = 0; i < input.length; i++) decoder.push(input.subarray(i, i + 1));
      expect(values()).toEqual(['é'.repeat(size / 2 - 2)]);
      expect(decoder.stats.bytesScanned).toBeLessThanOrEqual(2 * input.length);
      expect(decoder.stats.bytesCopied).toBeLessThanOrEqual(2 * input.length);
    });

    it.each([
      ['a small limit, long lines straddling the windows', 16, ('["é"]\n'.repeat(1000) + 'é'.repeat(5000) + '\n').repeat(4)],
      ['the default limit, lines just over a window after short ones', DEFAULT_MAX_LINE_BYTES, (`"${'é'.repeat(40)}"\n` + `"${'é'.repeat(4600)}"\n`).repeat(20)],
    ])('searches each byte of a non-ASCII chunk once for window ends: %s', (_shape, maxLineBytes, text) => {
      const input = bytes(text);
      const { decoder, events } = recorder({ maxLineBytes });
      decoder.push(input);
      expect(events.length).toBeGreaterThan(0);
      expect(decoder.stats.bytesScanned).toBeLessThanOrEqual(2 * input.length);
    });

    // Non-ASCII chunks are decoded in windows (8 KiB at most), ASCII ones whole: both paths.
    it.each([
      ['ASCII', '[1,2]\n', 'z'],
      ['non-ASCII', '["é"]\n', 'é'],
    ])('scans each byte a bounded number of times with small lines in big chunks and a small limit (%s)', (_kind, small, char) => {
      const input = bytes(small.repeat(10_000) + `"${char.repeat(50)}"\n`);
      const { decoder, values, errors } = recorder({ maxLineBytes: 16 });
      decoder.push(input);
      expect(values()).toHaveLength(10_000);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.details.line).toBe(10_001);
      expect(decoder.stats.bytesScanned).toBeLessThanOrEqual(2 * input.length);
      expect(decoder.stats.bytesCopied).toBe(0);
    });
  });

  describe('any chunking', () => {
    /** What the decoder must produce: split the whole input on LF and judge each line on its own. */
    function reference(input: Uint8Array, max: number): { events: Event[]; lines: number } {
      const events: Event[] = [];
      const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
      let lines = 0;
      let start = 0;
      while (start < input.length) {
        const lf = input.indexOf(0x0a, start);
        const end = lf === -1 ? input.length : lf;
        const contentEnd = end > start && input[end - 1] === 0x0d ? end - 1 : end;
        const line = ++lines;
        if (contentEnd - start > max) {
          events.push({ error: ErrorCode.LINE_TOO_LONG, line });
        } else {
          const text = utf8.decode(input.subarray(start, end));
          if (!/^[ \t\r]*$/.test(text)) {
            try {
              events.push({ value: JSON.parse(text) });
            } catch {
              events.push({ error: ErrorCode.MALFORMED_LINE, line });
            }
          }
        }
        start = end + 1;
      }
      return { events, lines };
    }

    /** mulberry32: a small seeded generator, so a failure replays. */
    function random(seed: number): () => number {
      let state = seed;
      return () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    const pick = <T,>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const LINES = ['1', 'null', '"é😀"', '{"a":[1,2]}', '"中文"', '[]', '', ' ', '\t\r', '{bad', '"x', 'tru'];
    const MAXES = [1, 2, 3, 5, 8, 13, 21, 40, 1000];

    function randomText(rand: () => number, longest = 30): string {
      let text = '';
      const count = Math.floor(rand() * 6);
      for (let i = 0; i < count; i++) {
        const long = JSON.stringify(pick(rand, ['x', 'é', '€😀']).repeat(Math.floor(rand() * longest)) + pick(rand, ['', 'é', '€', '😀']));
        text += rand() < 0.3 ? long : pick(rand, LINES);
        if (i < count - 1 || rand() < 0.7) text += rand() < 0.3 ? '\r\n' : '\n';
      }
      return text;
    }

    function randomCuts(rand: () => number, length: number, most = 8): number[] {
      const cuts = Array.from({ length: Math.floor(rand() * most) }, () => Math.floor(rand() * (length + 1)));
      return [...cuts.sort((x, y) => x - y), length];
    }

    const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
    const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

    it('matches the reference for byte chunks, invalid UTF-8 included', () => {
      const rand = random(1);
      for (let run = 0; run < 3000; run++) {
        let input = bytes(randomText(rand));
        if (rand() < 0.2) {
          const at = Math.floor(rand() * (input.length + 1));
          input = Buffer.concat([input.subarray(0, at), Buffer.from([pick(rand, [0xff, 0xe7, 0x80])]), input.subarray(at)]);
        }
        const max = pick(rand, MAXES);
        const { decoder, events } = recorder({ maxLineBytes: max });
        let from = 0;
        for (const cut of randomCuts(rand, input.length)) {
          const piece = input.subarray(from, cut);
          decoder.push(rand() < 0.5 ? piece : new Uint8Array(piece));
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(max);
          from = cut;
        }
        decoder.flush();
        const expected = reference(input, max);
        expect(events, `run ${run}: ${JSON.stringify(input.toString('latin1'))}, max ${max}`).toEqual(expected.events);
        expect(decoder.stats.lines).toBe(expected.lines);
      }
    });

    it('matches the reference for long lines cut into many small and large pieces', () => {
      const rand = random(3);
      for (let run = 0; run < 300; run++) {
        const input = bytes(randomText(rand, 3000));
        const max = pick(rand, [100, 2000, 5000, DEFAULT_MAX_LINE_BYTES]);
        const { decoder, events } = recorder({ maxLineBytes: max });
        let from = 0;
        for (const cut of randomCuts(rand, input.length, 200)) {
          decoder.push(input.subarray(from, cut));
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(max);
          from = cut;
        }
        decoder.flush();
        expect(events, `run ${run}, max ${max}`).toEqual(reference(input, max).events);
      }
    });

    it('matches the reference for non-ASCII chunks over a decode window, limits around it', () => {
      const rand = random(4);
      for (let run = 0; run < 300; run++) {
        let text = '"é"\n';
        while (text.length < 12_000 + rand() * 40_000) text += randomText(rand, 6000) + '\n';
        const input = bytes(text);
        const max = pick(rand, [1, 16, 8190, 8191, 8192, 8193, 8194, 12_000, DEFAULT_MAX_LINE_BYTES]);
        const { decoder, events } = recorder({ maxLineBytes: max });
        let from = 0;
        for (const cut of randomCuts(rand, input.length, 3)) {
          decoder.push(input.subarray(from, cut));
          from = cut;
        }
        decoder.flush();
        expect(events, `run ${run}, max ${max}`).toEqual(reference(input, max).events);
        expect(decoder.stats.bytesScanned).toBeLessThanOrEqual(2 * input.length);
      }
    });

    it('matches the reference for string chunks mixed with byte chunks, surrogate pairs split', () => {
      const rand = random(2);
      for (let run = 0; run < 3000; run++) {
        const text = randomText(rand);
        const max = pick(rand, MAXES);
        const { decoder, events } = recorder({ maxLineBytes: max });
        let from = 0;
        for (const cut of randomCuts(rand, text.length)) {
          const piece = text.slice(from, cut);
          const whole = !isLow(piece.charCodeAt(0)) && !isHigh(piece.charCodeAt(piece.length - 1));
          decoder.push(whole && rand() < 0.4 ? bytes(piece) : piece);
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(max);
          from = cut;
        }
        decoder.flush();
        const expected = reference(bytes(text), max);
        expect(events, `run ${run}: ${JSON.stringify(text)}, max ${max}`).toEqual(expected.events);
        expect(decoder.stats.lines).toBe(expected.lines);
      }
    });
  });

  describe('options', () => {
    it('defaults maxLineBytes to 1 MiB', () => {
      expect(DEFAULT_MAX_LINE_BYTES).toBe(1_048_576);
      const { decoder, events } = recorder();
      decoder.push(bytes(`"${'x'.repeat(DEFAULT_MAX_LINE_BYTES - 2)}"\n"${'x'.repeat(DEFAULT_MAX_LINE_BYTES - 1)}"\n`));
      expect(events.map((e) => ('error' in e ? e.error : 'value'))).toEqual(['value', ErrorCode.LINE_TOO_LONG]);
    });

    it.each([0, -1, 1.5, Number.NaN, Infinity, 2 ** 30, '10' as unknown as number])('rejects maxLineBytes %s', (maxLineBytes) => {
      expect(() => recorder({ maxLineBytes })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    });

    it.each([42, null, {}])('rejects connection %j, which is neither a string nor an object with an id', (connection) => {
      expect(() => recorder({ connection: connection as string })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION, details: expect.objectContaining({ option: 'connection' }) }));
    });

    it('reads the id of a connection given as an object only when it reports an error, each time', () => {
      let reads = 0;
      let id = 'first';
      const connection = {
        get id(): string {
          reads++;
          return id;
        },
      };
      const { decoder, errors } = recorder({ connection, maxLineBytes: 8 });
      decoder.push(bytes('1\n"two"\n'));
      expect(reads).toBe(0);
      decoder.push(bytes('{x\n'));
      id = 'second';
      decoder.push(bytes('"123456789"\n'));
      expect(reads).toBe(2);
      expect(errors.map((e) => [e.code, e.details.connection])).toEqual([
        [ErrorCode.MALFORMED_LINE, 'first'],
        [ErrorCode.LINE_TOO_LONG, 'second'],
      ]);
    });

    it('rejects missing callbacks', () => {
      const noop = () => undefined;
      expect(() => new NdjsonDecoder({ onError: noop } as unknown as NdjsonDecoderOptions)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
      expect(() => new NdjsonDecoder({ onValue: noop } as unknown as NdjsonDecoderOptions)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    });
  });
});
