import { describe, expect, it } from 'vitest';
import { PartialLine, overLimit } from './partial-line.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const LF = bytes('\n');

describe('PartialLine', () => {
  it('keeps the first piece by reference and copies nothing when a line ends in one piece', () => {
    const line = new PartialLine(100);
    expect(line.appendBytes(bytes('xx{"a":1'), 2, 8)).toBe(true);
    expect(line.byteLength()).toBe(6);
    expect(line.endBytes(LF, 0)).toBe('{"a":1');
    expect(line.empty).toBe(true);
    expect(line.bytesCopied).toBe(0);
  });

  it('packs small later pieces into the stage and keeps large ones by reference', () => {
    const line = new PartialLine(10_000);
    line.appendBytes(bytes('"'), 0, 1);
    for (let i = 0; i < 100; i++) line.appendBytes(bytes('a'), 0, 1);
    expect(line.bytesCopied).toBe(100);
    const large = bytes('b'.repeat(2048));
    line.appendBytes(large, 0, large.length);
    expect(line.bytesCopied).toBe(100);
    expect(line.endBytes(bytes('"\n'), 1)).toBe(`"${'a'.repeat(100)}${'b'.repeat(2048)}"`);
    expect(line.bytesCopied).toBe(100 + 2150);
  });

  it('refuses bytes that would take the line over the limit, keeping nothing', () => {
    const line = new PartialLine(4);
    expect(line.appendBytes(bytes('abc'), 0, 3)).toBe(true);
    expect(line.appendBytes(bytes('de'), 0, 2)).toBe(false);
    expect(line.byteLength()).toBe(3);
    expect(line.endBytes(bytes('de\n'), 2)).toBeUndefined();
    expect(line.empty).toBe(true);
  });

  it('holds back a CR after a line exactly at the limit, fine only if LF comes next', () => {
    const line = new PartialLine(3);
    expect(line.appendBytes(bytes('123\r'), 0, 4)).toBe(true);
    expect(line.byteLength()).toBe(3);
    expect(line.empty).toBe(false);
    expect(line.endBytes(LF, 0)).toBe('123');
    line.appendBytes(bytes('123\r'), 0, 4);
    expect(line.endBytes(bytes('4\n'), 1)).toBeUndefined();
    line.appendBytes(bytes('123\r'), 0, 4);
    expect(line.appendText('4', 0, 1)).toBe(false);
  });

  it('applies the limit to text in UTF-8 bytes', () => {
    const line = new PartialLine(6);
    expect(line.appendText('"éé"', 0, 4)).toBe(true);
    expect(line.byteLength()).toBe(6);
    expect(line.appendText('x', 0, 1)).toBe(false);
    expect(line.endText('\n', 0)).toBe('"éé"');
    expect(line.endText('"ééé"\n', 5)).toBeUndefined();
  });

  it('joins text pieces, a surrogate pair split between two of them', () => {
    const line = new PartialLine(100);
    line.appendText('"a', 0, 2);
    line.appendText('\uD83D', 0, 1);
    expect(line.byteLength()).toBe(5);
    line.appendText('\uDE00', 0, 1);
    expect(line.endText('"\n', 1)).toBe('"a😀"');
  });

  it('continues a text line in bytes after toBytes()', () => {
    const line = new PartialLine(100);
    line.appendText('{"a":"é', 0, 7);
    line.toBytes();
    line.appendBytes(bytes('€"}'), 0, 5);
    expect(line.endBytes(LF, 0)).toBe('{"a":"é€"}');
  });

  it('returns and clears the line on take(), and drops it on release()', () => {
    const line = new PartialLine(100);
    line.appendText('[1]', 0, 3);
    expect(line.take()).toBe('[1]');
    expect(line.empty).toBe(true);
    line.appendBytes(bytes('[2'), 0, 2);
    line.appendBytes(bytes(']'), 0, 1);
    line.release();
    expect(line.byteLength()).toBe(0);
    expect(line.take()).toBe('');
  });
});

describe('overLimit', () => {
  it('measures UTF-8 bytes and ignores a final CR', () => {
    expect(overLimit('abc\r', 3)).toBe(false);
    expect(overLimit('abcd', 3)).toBe(true);
    expect(overLimit('éa', 3)).toBe(false);
    expect(overLimit('éé', 3)).toBe(true);
  });
});
