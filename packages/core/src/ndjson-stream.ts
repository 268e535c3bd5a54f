/**
 * Node stream helpers with the pipe style `ndjson` users know: `parse()` turns bytes into values,
 * `stringify()` turns values into NDJSON bytes. Built on {@link NdjsonDecoder} and
 * {@link encodeLine}, so they share the decoder's limits, linear time and error codes.
 *
 * JSON `null` travels as {@link NULL_VALUE}: an object-mode stream cannot carry `null`, because
 * `push(null)` means end of stream. This is the `ndjson` package's bug where a `null` line
 * silently ends the stream.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { ProjError } from './errors.js';
import { NdjsonDecoder } from './ndjson-decoder.js';
import { encodeLine } from './ndjson-encoder.js';

/**
 * Stands for JSON `null` in object-mode streams: `parse()` emits it for a `null` line and
 * `stringify()` writes it as `null`. A registered symbol, so two copies of this package agree.
 */
export const NULL_VALUE: unique symbol = Symbol.for('@proj/core.ndjson.null');

/** Options of {@link parse}. */
export interface ParseOptions {
  /** Maximum bytes of one line, excluding its terminator. @default 1048576 (1 MiB) */
  maxLineBytes?: number;
  /**
   * `false`: a malformed or oversize line is emitted as a `'malformed'` event (a `ProjError`
   * `PROJ_ERR_MALFORMED_LINE` or `PROJ_ERR_LINE_TOO_LONG`) and skipped. `true`: the stream fails
   * with that error, and no value after the bad line is emitted.
   * @default false
   */
  strict?: boolean;
}

/**
 * A transform from NDJSON bytes (or strings) to values (object-mode readable side). Accepts
 * `\n` and `\r\n`, skips blank lines, and emits `null` lines as {@link NULL_VALUE}. A final line
 * without a newline is parsed at end of input. Backpressure flows through: the next chunk is
 * read once the values of the previous one are consumed.
 *
 * Events: `'malformed'` (`ProjError`) in non-strict mode.
 * @throws ProjError `PROJ_ERR_INVALID_OPTION` for an invalid `maxLineBytes`.
 */
export function parse(options: ParseOptions = {}): Transform {
  const strict = options.strict ?? false;
  let failure: ProjError | undefined;
  const decoder = new NdjsonDecoder({
    maxLineBytes: options.maxLineBytes,
    onValue: (value) => stream.push(value === null ? NULL_VALUE : value),
    onError: (error) => {
      if (!strict) {
        stream.emit('malformed', error);
        return;
      }
      failure = error;
      // Stops decoding the current chunk: nothing after the bad line is emitted.
      decoder.reset();
    },
  });
  const stream = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        decoder.push(chunk);
      } catch (err) {
        // A 'data' or 'malformed' listener threw inside push(): fail the stream rather than the writer.
        callback(err as Error);
        return;
      }
      callback(failure);
    },
    flush(callback: TransformCallback): void {
      try {
        decoder.flush();
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(failure);
    },
  });
  return stream;
}

/**
 * A transform from values (object-mode writable side) to NDJSON bytes, one line per value. Write
 * {@link NULL_VALUE} for JSON `null`. A value JSON cannot carry fails the stream with a
 * `ProjError` `PROJ_ERR_ENCODE` before any of its bytes are written.
 */
export function stringify(): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(value: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      let line: string;
      try {
        line = encodeLine(value === NULL_VALUE ? null : value);
      } catch (err) {
        callback(err as ProjError);
        return;
      }
      callback(null, line);
    },
  });
}
