import ndjson from 'ndjson';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isProjError, type ProjError } from './errors.js';
import { NULL_VALUE, parse, stringify } from './ndjson-stream.js';

const VALUES = [{ a: 1 }, [1, 'two', { three: 3 }], 'str', 42, -0.5, true, false, { nested: { text: 'é😀', nl: 'a\nb' } }, [], {}];

/**
 * Writes `chunks` into `stream`, ends it, and collects what it emits as it emits it (a failing
 * stream discards what it still buffers), and the error it fails with, if any.
 */
async function run(stream: Transform, chunks: unknown[]): Promise<{ out: unknown[]; error: unknown; malformed: ProjError[] }> {
  const out: unknown[] = [];
  const malformed: ProjError[] = [];
  stream.on('data', (item: unknown) => out.push(item));
  stream.on('malformed', (e: ProjError) => malformed.push(e));
  let error: unknown;
  try {
    await pipeline(Readable.from(chunks, { objectMode: true }), stream);
  } catch (err) {
    error = err;
  }
  return { out, error, malformed };
}

describe('parse', () => {
  it('reads back what ndjson.stringify() writes', async () => {
    const { out: bytes } = await run(ndjson.stringify(), VALUES);
    const { out, error } = await run(parse(), bytes);
    expect(error).toBeUndefined();
    expect(out).toEqual(VALUES);
  });

  it('emits a null line as NULL_VALUE and keeps going', async () => {
    const { out } = await run(parse(), ['1\nnull\n', '2\n[null]\nnull']);
    expect(out).toEqual([1, NULL_VALUE, 2, [null], NULL_VALUE]);
  });

  it('accepts CRLF, blank lines and a last line without newline', async () => {
    const { out } = await run(parse(), ['{"a":1}\r\n\r\n', '  \n{"b"', ':2}\r\n3']);
    expect(out).toEqual([{ a: 1 }, { b: 2 }, 3]);
  });

  it('reports malformed and oversize lines as events and skips them when not strict', async () => {
    const { out, error, malformed } = await run(parse({ maxLineBytes: 8 }), ['1\n{bad\n2\n', '"too long line"\n3\n']);
    expect(error).toBeUndefined();
    expect(out).toEqual([1, 2, 3]);
    expect(malformed.map((e) => [e.code, e.details.line])).toEqual([
      [ErrorCode.MALFORMED_LINE, 2],
      [ErrorCode.LINE_TOO_LONG, 4],
    ]);
  });

  it('fails with the ProjError and emits nothing after the bad line when strict', async () => {
    const { out, error } = await run(parse({ strict: true }), ['1\n{bad\n2\n', '3\n']);
    expect(out).toEqual([1]);
    expect(isProjError(error, ErrorCode.MALFORMED_LINE)).toBe(true);
    expect((error as ProjError).details.line).toBe(2);
  });

  it('fails on an oversize line when strict', async () => {
    const { out, error } = await run(parse({ strict: true, maxLineBytes: 4 }), ['1\n', '[1,2,3]\n2\n']);
    expect(out).toEqual([1]);
    expect(isProjError(error, ErrorCode.LINE_TOO_LONG)).toBe(true);
  });

  it('rejects an invalid maxLineBytes', () => {
    expect(() => parse({ maxLineBytes: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
  });

  it('propagates backpressure through pipeline()', async () => {
    const total = 20_000;
    let produced = 0;
    let consumed = 0;
    let maxLag = 0;
    let outOfOrder = 0;
    const source = new Readable({
      highWaterMark: 256,
      read() {
        if (produced === total) {
          this.push(null);
          return;
        }
        let chunk = '';
        for (let i = 0; i < 50; i++) chunk += `{"n":${produced++}}\n`;
        this.push(chunk);
      },
    });
    const slowSink = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(value: { n: number }, _encoding, callback) {
        if (value.n !== consumed) outOfOrder++;
        consumed++;
        maxLag = Math.max(maxLag, produced - consumed);
        setImmediate(callback);
      },
    });
    await pipeline(source, parse(), slowSink);
    expect(consumed).toBe(total);
    expect(outOfOrder).toBe(0);
    // Bounded by the streams' buffers (16 KiB of input, about 1,300 lines here), not by the input size.
    expect(maxLag).toBeLessThan(3_000);
  });
});

describe('stringify', () => {
  it('writes lines that ndjson.parse() reads back', async () => {
    const { out: bytes } = await run(stringify(), VALUES);
    const { out, error } = await run(ndjson.parse(), bytes);
    expect(error).toBeUndefined();
    expect(out).toEqual(VALUES);
  });

  it('round-trips through parse(), NULL_VALUE included', async () => {
    const values = [...VALUES, NULL_VALUE, { after: 'null' }];
    const { out: bytes } = await run(stringify(), values);
    expect(Buffer.concat(bytes as Buffer[]).toString()).toContain('\nnull\n');
    const { out } = await run(parse(), bytes);
    expect(out).toEqual(values);
  });

  it('fails with PROJ_ERR_ENCODE and writes nothing of the bad value', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { out, error } = await run(stringify(), [{ a: 1 }, circular, { b: 2 }]);
    expect(isProjError(error, ErrorCode.ENCODE)).toBe(true);
    expect(Buffer.concat(out as Buffer[]).toString()).toBe('{"a":1}\n');
  });

  it('propagates backpressure through pipeline()', async () => {
    const total = 20_000;
    let produced = 0;
    let consumedLines = 0;
    let maxLag = 0;
    let text = '';
    const source = new Readable({
      objectMode: true,
      read() {
        this.push(produced === total ? null : { n: produced++ });
      },
    });
    const slowSink = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        const part = chunk.toString();
        text += part;
        for (let i = part.indexOf('\n'); i !== -1; i = part.indexOf('\n', i + 1)) consumedLines++;
        maxLag = Math.max(maxLag, produced - consumedLines);
        setImmediate(callback);
      },
    });
    await pipeline(source, stringify(), slowSink);
    expect(text.split('\n').slice(0, -1).map((line) => (JSON.parse(line) as { n: number }).n)).toEqual(Array.from({ length: total }, (_, i) => i));
    // Bounded by the streams' buffers (16 objects on each object-mode side, 16 KiB of output), not by the input size.
    expect(maxLag).toBeLessThan(3_000);
  });
});
