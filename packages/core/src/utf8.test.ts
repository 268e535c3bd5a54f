import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocBytes, decodeUtf8, encodeUtf8, utf8ByteLength } from './utf8.js';

describe('utf8ByteLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['aé€😀', 10],
    ['\uD83D', 3],
    ['\uDE00', 3],
    ['\uDE00\uD83D', 6],
  ])('counts %j as %i bytes, as Buffer.byteLength does', (text, expected) => {
    expect(utf8ByteLength(text)).toBe(expected);
    expect(Buffer.byteLength(text, 'utf8')).toBe(expected);
  });

  it('measures a range, a surrogate pair cut by the range counting as a lone surrogate', () => {
    const text = 'a😀b';
    expect(utf8ByteLength(text, 1, 3)).toBe(4);
    expect(utf8ByteLength(text, 0, 2)).toBe(4);
    expect(utf8ByteLength(text, 2, 4)).toBe(4);
  });

  it('agrees with TextEncoder on every BMP code unit and a sample of astral characters', () => {
    let text = '';
    for (let c = 0; c < 0x10000; c += 7) text += String.fromCharCode(c);
    text += '😀🎉𝄞\u{10FFFF}';
    expect(utf8ByteLength(text)).toBe(encodeUtf8(text).length);
  });
});

describe('decodeUtf8', () => {
  it('decodes a range of a Buffer or of a plain Uint8Array, replacing invalid bytes and keeping a BOM', () => {
    const input = Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xe2, 0x82, 0xac, 0xff, 0x62]);
    expect(decodeUtf8(input, 0, input.length)).toBe('\uFEFFa€\uFFFDb');
    expect(decodeUtf8(new Uint8Array(input), 3, 7)).toBe('a€');
  });

  it('decodes from allocBytes()', () => {
    const bytes = allocBytes(3);
    bytes.set(encodeUtf8('€'));
    expect(decodeUtf8(bytes, 0, 3)).toBe('€');
  });
});

describe('decodeUtf8 through the fast decoders (simdutf and ICU, for non-ASCII windows of 256 B or more)', () => {
  // Sizes around both switch points (256 B: TextDecoder; 4096 B: ICU), so every path is crossed.
  const sizes = [255, 256, 257, 1000, 4095, 4096, 4097, 70_000];
  const sample = 'aé€😀\uFEFF\uFFFE\uFDD0李ё\u0000\u007F\u0080\u07FF\u0800\uFFFF\u{10000}\u{10FFFF}';

  /** A valid UTF-8 text of exactly `size` bytes (padded with ASCII), built from `sample`'s characters. */
  function validOf(size: number, offset: number): Buffer {
    const chars = [...sample];
    let text = '';
    let bytes = 0;
    for (let i = offset; ; i++) {
      const c = chars[i % chars.length]!;
      const n = Buffer.byteLength(c);
      if (bytes + n > size) break;
      text += c;
      bytes += n;
    }
    return Buffer.from(text.padEnd(text.length + size - bytes, 'x'));
  }

  it.each(sizes)('decodes valid non-ASCII text of %i bytes exactly as Buffer#toString does, BOM and noncharacters included', (size) => {
    for (let offset = 0; offset < 4; offset++) {
      const bytes = validOf(size, offset);
      expect(bytes.length).toBe(size);
      expect(decodeUtf8(bytes, 0, size)).toBe(bytes.toString('utf8'));
      // A plain Uint8Array, and a range inside a larger buffer.
      expect(decodeUtf8(new Uint8Array(bytes), 0, size)).toBe(bytes.toString('utf8'));
      const framed = Buffer.concat([Buffer.from('{"'), bytes, Buffer.from('"}\n')]);
      expect(decodeUtf8(framed, 2, 2 + size)).toBe(bytes.toString('utf8'));
    }
  });

  it.each([
    ['a stray continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['a 0xFF byte', [0xff]],
  ])('replaces %s in a long non-ASCII window exactly as Buffer#toString does', (_name, bad) => {
    for (const size of [300, 5000]) {
      const good = validOf(size, 1);
      for (const at of [0, good.indexOf(0x78) === -1 ? 10 : good.indexOf(0x78), size]) {
        const bytes = Buffer.concat([good.subarray(0, at), Buffer.from(bad), good.subarray(at)]);
        expect(decodeUtf8(bytes, 0, bytes.length)).toBe(bytes.toString('utf8'));
      }
      // Cut inside a character at either end of the window.
      const cut = Buffer.from('€'.repeat(size));
      expect(decodeUtf8(cut, 1, cut.length - 1)).toBe(cut.toString('utf8', 1, cut.length - 1));
    }
  });

  it('replaces every invalid sequence of up to 4 bytes before an ASCII byte exactly as Buffer#toString does (ICU, unscanned)', () => {
    // A window ending in ASCII goes to ICU without the validity scan: ICU must replace what V8 replaces.
    const prefix = validOf(200, 2);
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff];
    const window = Buffer.alloc(prefix.length + 5);
    prefix.copy(window);
    let mismatches = 0;
    let cases = 0;
    const check = (bytes: number[]): void => {
      window.set(bytes, prefix.length);
      window[prefix.length + bytes.length] = 0x7d; // '}'
      const end = prefix.length + bytes.length + 1;
      cases++;
      if (decodeUtf8(window, 0, end) !== window.toString('utf8', 0, end)) mismatches++;
    };
    for (let x = 0x80; x < 0x100; x++) {
      check([x]);
      for (let y = 0; y < 0x100; y++) {
        check([x, y]);
        for (const z of edges) check([x, y, z]);
      }
    }
    for (let x = 0xf0; x < 0x100; x++) for (const y of edges) for (const z of edges) for (const w of edges) check([x, y, z, w]);
    expect(cases).toBeGreaterThan(900_000);
    expect(mismatches).toBe(0);
  });

  it('leaves nothing pending in ICU after a window that ends inside a character', () => {
    const euros = Buffer.from('€'.repeat(100));
    // Ends with the first two bytes of a '€': must not prefix the next window's text.
    expect(decodeUtf8(euros, 0, euros.length - 1)).toBe(euros.toString('utf8', 0, euros.length - 1));
    const next = validOf(300, 0);
    expect(decodeUtf8(next, 0, next.length)).toBe(next.toString('utf8'));
    // A truncated character before an ASCII byte is replaced, not carried.
    const truncated = Buffer.concat([validOf(200, 1), Buffer.from([0xe2, 0x82, 0x7d])]);
    expect(decodeUtf8(truncated, 0, truncated.length)).toBe(truncated.toString('utf8'));
    expect(decodeUtf8(next, 0, next.length)).toBe(next.toString('utf8'));
  });

  it('refuses a range outside the array instead of reading the memory around it', () => {
    // Pooled buffers sit side by side in one ArrayBuffer: a view must not reach the next one.
    const line = Buffer.from(`{"a":"${'é'.repeat(200)}"}`);
    const pool = Buffer.concat([line, Buffer.from('{"token":"secret"}\n')]);
    const view = pool.subarray(0, line.length);
    expect(() => decodeUtf8(view, 0, pool.length)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => decodeUtf8(pool.subarray(5), -5, line.length - 5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => decodeUtf8(new Uint8Array(view), 0, line.length + 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(decodeUtf8(view, 0, line.length)).toBe(line.toString('utf8'));
  });

  it('decodes long ASCII windows as Buffer#toString does', () => {
    const bytes = Buffer.from('{"type":"tick","good":1234}\n'.repeat(400));
    expect(decodeUtf8(bytes, 0, bytes.length)).toBe(bytes.toString('utf8'));
  });

  it('agrees with Buffer#toString on arbitrary bytes and on arbitrary text, at every window size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 6000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(decodeUtf8(buf, start, end)).toBe(buf.toString('utf8', start, end));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 80, maxLength: 3000 }), fc.nat(3), (text, times) => {
        const buf = Buffer.from(text.repeat(1 + times));
        expect(decodeUtf8(buf, 0, buf.length)).toBe(buf.toString('utf8'));
      }),
      { numRuns: 300 },
    );
  });
});
