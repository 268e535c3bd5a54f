import { describe, expect, it } from 'vitest';
import { ErrorCode, isProjError, type ProjError } from './errors.js';
import { encodeLine, encodeLines } from './ndjson-encoder.js';

/** Runs `fn`, expecting a PROJ_ERR_ENCODE; returns the error. */
function encodeError(fn: () => string): ProjError {
  let result: string | undefined;
  try {
    result = fn();
  } catch (err) {
    expect(isProjError(err, ErrorCode.ENCODE)).toBe(true);
    return err as ProjError;
  }
  return expect.unreachable(`expected PROJ_ERR_ENCODE, got ${JSON.stringify(result)}`);
}

describe('encodeLine', () => {
  it('writes JSON.stringify(value) followed by a newline', () => {
    expect(encodeLine({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}\n');
    expect(encodeLine(null)).toBe('null\n');
    expect(encodeLine(42)).toBe('42\n');
    expect(encodeLine('s')).toBe('"s"\n');
  });

  it('keeps a string containing line breaks on one line', () => {
    const line = encodeLine({ text: 'a\nb\r\nc\u2028d' });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(line.includes('\r')).toBe(false);
    expect(JSON.parse(line)).toEqual({ text: 'a\nb\r\nc\u2028d' });
  });

  it('rejects a circular structure with the native error as cause', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;
    const error = encodeError(() => encodeLine(value));
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('rejects a BigInt with the native error as cause', () => {
    const error = encodeError(() => encodeLine({ n: 10n }));
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('rejects a throwing toJSON with what it threw as cause', () => {
    const thrown = new Error('no');
    const error = encodeError(() => encodeLine({ toJSON: () => { throw thrown; } }));
    expect(error.cause).toBe(thrown);
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['an object whose toJSON returns undefined', { toJSON: () => undefined }],
  ])('rejects %s at top level', (_name, value) => {
    const error = encodeError(() => encodeLine(value));
    expect(error.details.type).toBe(typeof value);
  });
});

describe('encodeLines', () => {
  it('encodes values into consecutive lines', () => {
    expect(encodeLines([1, 'two', { three: 3 }, null])).toBe('1\n"two"\n{"three":3}\nnull\n');
    expect(encodeLines([])).toBe('');
  });

  it('returns nothing when any value fails, and says which one', () => {
    const error = encodeError(() => encodeLines([1, 2, 3n, 4]));
    expect(error.details.index).toBe(2);
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});
