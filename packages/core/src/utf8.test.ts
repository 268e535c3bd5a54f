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
