/**
 * NDJSON decoding: bytes or text in, one JSON value per line out, in linear time whatever the
 * chunking, with a byte limit per line enforced before anything is buffered.
 *
 * How a chunk is processed: complete lines are decoded to one string per chunk (per window of
 * at most 8 KiB, or a longer line alone, for non-ASCII bytes) and split in string space (no
 * per-line native call); only the partial line at the end of a chunk is kept,
 * and it is joined once, when its newline arrives. The `ndjson`/`split2` pair re-concatenates
 * and re-scans the partial line on every chunk, which made one 8 MiB line in 16 KiB chunks
 * take seconds.
 */
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import { isBlank, lineTooLong, malformedLine } from './line-errors.js';
import { PartialLine, overLimit } from './partial-line.js';
import { asciiSlice, decodeUtf8 } from './utf8.js';

/** Default {@link NdjsonDecoderOptions.maxLineBytes}: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** A line must fit in one JavaScript string: V8 caps strings at 2^29 - 24 UTF-16 units. */
const MAX_LINE_BYTES_LIMIT = 2 ** 29 - 24;
const LF = 10;
/** From this many bytes on, a chunk is checked for ASCII as a whole (one call, no view) before its lines are decoded. */
const ASCII_CHECK_MIN_BYTES = 256;
const CR = 13;
/**
 * Bytes of non-ASCII UTF-8 decoded at a time, cut at a line end: each window's text is parsed
 * while it is still in the CPU's cache. A 64 KiB chunk decoded whole is 128 KiB of UTF-16 text
 * (and as much again of transcoder output) before the first line is parsed: ~1 KiB messages in
 * 64 KiB chunks decoded at 0.54–0.68× `JSON.parse` on pre-split lines that way, against 0.75–0.84×
 * in 8 KiB windows (0.69–0.77× in 2 KiB, 0.50–0.72× in 16 KiB; 16 rounds each, this machine).
 */
const WINDOW_BYTES = 8 * 1024;

/** Options of {@link NdjsonDecoder}. */
export interface NdjsonDecoderOptions {
  /**
   * Maximum bytes of one line, excluding its line terminator (`\n` or `\r\n`). Checked before
   * bytes are buffered: a longer line is reported and skipped without being kept in memory.
   * An integer in [1, 2^29 - 24].
   * @default 1048576 (1 MiB)
   */
  maxLineBytes?: number;
  /** Called for every decoded JSON value, in order (`null`, numbers, strings included). */
  onValue: (value: unknown) => void;
  /**
   * Called for a malformed (`PROJ_ERR_MALFORMED_LINE`) or oversize (`PROJ_ERR_LINE_TOO_LONG`)
   * line. Decoding continues with the next line; call {@link NdjsonDecoder.reset} from here to
   * stop decoding the current chunk (e.g. to close the connection on the first error).
   */
  onError: (error: ProjError) => void;
  /**
   * Connection id put into error details: a string, or an object whose `id` is read only when an
   * error is reported (a peer makes its id when first asked). An `id` getter that throws does what
   * a throwing `onError` does: the exception leaves `push()` and the rest of that chunk is dropped.
   * @default undefined
   */
  connection?: string | { readonly id: string };
}

/** Work counters of a {@link NdjsonDecoder}, for observability and for linearity tests. */
export interface DecoderStats {
  /** Bytes pushed. A string chunk counts its length in UTF-16 units: measuring its UTF-8 length would cost a pass over every frame. */
  bytesIn: number;
  /** Bytes (UTF-16 units for string chunks) examined looking for newlines. */
  bytesScanned: number;
  /** Bytes copied to hold or join partial lines (UTF-16 units for a line joined as text). Complete lines inside a chunk are never copied. */
  bytesCopied: number;
  /** Lines ended, blank, malformed and oversize ones included. A line's number is this count once it ends. */
  lines: number;
  /** Values passed to `onValue`. */
  values: number;
  /** Errors passed to `onError`. */
  errors: number;
}

/**
 * Splits a byte or text stream into lines and parses each as JSON.
 *
 * Lines end with `\n` or `\r\n`; blank and whitespace-only lines are skipped but counted in line
 * numbers. `onValue` and `onError` run synchronously inside `push()` and `flush()`; they may call
 * `reset()` but not `push()` or `flush()`. If one throws, the exception propagates out of
 * `push()`, the rest of that chunk is dropped (its lines still count) and decoding resumes at
 * the next line boundary.
 *
 * Chunks are not copied to be held: the first piece of a partial line, and any later piece of
 * 1 KiB or more, is kept by reference until its line ends, so do not reuse a chunk's memory
 * after pushing it (Node sockets and streams hand out fresh buffers). An all-ASCII chunk of
 * 256 bytes or more is decoded whole, and its piece is kept as a slice of that string instead.
 * Later small pieces are packed into 1 KiB buffers, so a peer trickling one byte per packet
 * costs bytes, not one retained chunk per byte. Memory held for a partial line stays under
 * about twice `maxLineBytes`, plus the chunk (or its string) its first piece came from.
 */
export class NdjsonDecoder {
  readonly #maxLineBytes: number;
  /** A string of at most this many UTF-16 units fits the limit whatever it holds (one unit is at most 3 UTF-8 bytes). */
  readonly #unitsAlwaysFit: number;
  readonly #onValue: (value: unknown) => void;
  readonly #onError: (error: ProjError) => void;
  readonly #connection: string | { readonly id: string } | undefined;

  /** The line the last chunk ended in, without its newline yet. It counts `stats.bytesCopied`. */
  readonly #partial: PartialLine;
  /** Skipping the rest of an oversize line up to the next LF. */
  #discarding = false;
  /** Bumped by reset(), so a loop running a callback that reset the decoder stops. */
  #epoch = 0;

  #bytesIn = 0;
  #bytesScanned = 0;
  #lines = 0;
  #values = 0;
  #errors = 0;

  /** @throws ProjError `PROJ_ERR_INVALID_OPTION` for an invalid option. */
  constructor(options: NdjsonDecoderOptions) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    checkNumber('maxLineBytes', max, 1, MAX_LINE_BYTES_LIMIT);
    if (!Number.isInteger(max)) invalid('maxLineBytes', 'must be an integer', max);
    if (typeof options.onValue !== 'function') invalid('onValue', 'must be a function', options.onValue);
    if (typeof options.onError !== 'function') invalid('onError', 'must be a function', options.onError);
    const connection = options.connection;
    if (connection !== undefined && typeof connection !== 'string' && (typeof connection !== 'object' || connection === null || !('id' in connection))) {
      invalid('connection', 'must be a string or an object with an id', connection);
    }
    this.#maxLineBytes = max;
    this.#unitsAlwaysFit = Math.floor(max / 3);
    this.#onValue = options.onValue;
    this.#onError = options.onError;
    this.#connection = options.connection;
    this.#partial = new PartialLine(max);
  }

  /** Bytes currently buffered of an incomplete line (never exceeds `maxLineBytes`). */
  get bufferedBytes(): number {
    return this.#partial.byteLength();
  }

  /** A snapshot of the work counters (a new object on each read). */
  get stats(): Readonly<DecoderStats> {
    return { bytesIn: this.#bytesIn, bytesScanned: this.#bytesScanned, bytesCopied: this.#partial.bytesCopied, lines: this.#lines, values: this.#values, errors: this.#errors };
  }

  /** Feeds bytes (Node `Buffer`/`Uint8Array`) or a string (a WebSocket text frame; works without Node's `Buffer`). */
  push(chunk: Uint8Array | string): void {
    const lines = this.#lines;
    const epoch = this.#epoch;
    try {
      if (typeof chunk === 'string') this.#pushText(chunk, epoch);
      else this.#pushBytes(chunk, epoch);
    } catch (err) {
      if (this.#epoch === epoch) this.#resync(chunk, lines);
      throw err;
    }
  }

  /** Treats buffered bytes as a complete final line (end of stream, or end of a message-oriented frame). The decoder stays usable. */
  flush(): void {
    if (this.#discarding) this.#endDiscarding();
    else if (!this.#partial.empty) this.#parseLine(this.#partial.take());
  }

  /**
   * Drops any partial line (e.g. the connection closed) and stops a `push()` in progress.
   * Counters, line numbering included, carry on. Returns the number of bytes dropped.
   */
  reset(): number {
    const dropped = this.bufferedBytes;
    this.#partial.release();
    this.#discarding = false;
    this.#epoch++;
    return dropped;
  }

  #pushBytes(chunk: Uint8Array, epoch: number): void {
    const len = chunk.length;
    const partial = this.#partial;
    const asciiFirst = len >= ASCII_CHECK_MIN_BYTES && !partial.needsBytes;
    if (asciiFirst && this.#pushAscii(chunk, epoch)) return;
    this.#bytesIn += len;
    if (len === 0) return;
    partial.toBytes();
    let start = 0;
    if (!partial.empty || this.#discarding) {
      const nl = chunk.indexOf(LF);
      this.#bytesScanned += nl === -1 ? len : nl + 1;
      if (nl === -1) {
        this.#appendBytes(chunk, 0, len);
        return;
      }
      this.#endPartialBytes(chunk, nl);
      if (this.#epoch !== epoch || nl + 1 === len) return;
      start = nl + 1;
    }
    // Most chunks end a line (a WebSocket frame, a read of whole messages): no search then, which
    // is a call through Buffer's argument checks (~20 ns, against ~1 for the byte test).
    const last = chunk[len - 1] === LF ? len - 1 : chunk.lastIndexOf(LF);
    if (last < start) {
      this.#bytesScanned += len - start;
      this.#appendBytes(chunk, start, len);
      return;
    }
    this.#bytesScanned += len - last - 1;
    // The complete lines of an all-ASCII chunk after held bytes (see #pushAscii): one latin1 copy too.
    const text = len >= ASCII_CHECK_MIN_BYTES && !asciiFirst ? asciiSlice(chunk, start, last + 1) : undefined;
    if (text === undefined) this.#parseBytes(chunk, start, last + 1, epoch);
    else if (text.length > this.#unitsAlwaysFit) this.#parseChecked(text, 0, text.length, epoch);
    else this.#parseAll(text, 0, epoch);
    if (this.#epoch === epoch && last + 1 < len) this.#appendBytes(chunk, last + 1, len);
  }

  /**
   * An all-ASCII chunk is one latin1 copy and then text: its complete lines need no view, scan or
   * copy per window, and the line it ends in stays a slice of that string, so the next such chunk
   * ends it with a string concatenation instead of a byte join and a decode of its own (bench
   * "decode, small msgs, 1 KiB chunks"). ASCII has one byte per unit: the limit stays exact in
   * text. Returns false, doing nothing, for a chunk that is not all ASCII.
   */
  #pushAscii(chunk: Uint8Array, epoch: number): boolean {
    const text = asciiSlice(chunk, 0, chunk.length);
    if (text === undefined) return false;
    this.#pushText(text, epoch);
    return true;
  }

  #pushText(s: string, epoch: number): void {
    const len = s.length;
    if (len === 0) return;
    this.#bytesIn += len;
    let start = 0;
    if (!this.#partial.empty || this.#discarding) {
      const nl = s.indexOf('\n');
      this.#bytesScanned += nl === -1 ? len : nl + 1;
      if (nl === -1) {
        this.#appendText(s, 0, len);
        return;
      }
      this.#endPartialText(s, nl);
      if (this.#epoch !== epoch || nl + 1 === len) return;
      start = nl + 1;
    }
    if (len - start <= this.#unitsAlwaysFit) {
      // No line in the rest can be over the limit: split as the lines come, with no search for
      // the last line end first (1-2 % of small messages in 1 KiB and 64 KiB chunks).
      const end = this.#parseAll(s, start, epoch);
      if (end !== -1 && end < len) this.#appendText(s, end, len);
      return;
    }
    const last = s.lastIndexOf('\n');
    if (last < start) {
      this.#bytesScanned += len - start;
      this.#appendText(s, start, len);
      return;
    }
    this.#bytesScanned += len - last - 1;
    this.#parseChecked(s, start, last + 1, epoch);
    if (this.#epoch === epoch && last + 1 < len) this.#appendText(s, last + 1, len);
  }

  /**
   * Parses the complete lines in `chunk[from, to)` (`to - 1` is a LF). They are decoded in
   * windows cut at line ends, of at most {@link WINDOW_BYTES} and at most `maxLineBytes + 1`
   * bytes, so that no line inside a window can exceed the limit: the limit stays exact in bytes
   * without a per-line check. A longer line is judged on its own and, within the limit, decoded
   * as a window of its own.
   */
  #parseBytes(chunk: Uint8Array, from: number, to: number, epoch: number): void {
    const max = this.#maxLineBytes;
    // A window of this many bytes holds no line over the limit (the LF is one of them).
    const span = Math.min(WINDOW_BYTES, max + 1);
    // Where the last backward search for a window's end started: while `searched >= pos`, no LF
    // lies in [pos, searched], so the next search looks on from there, and no byte but a LF is
    // examined twice.
    let searched = from - 1;
    let pos = from;
    while (pos < to) {
      let end = to;
      if (to - pos > span) {
        const last = pos + span - 1;
        // The first LF after what is known to hold none, when something is (-1 otherwise).
        let nl = -1;
        if (searched >= pos) {
          nl = chunk.indexOf(LF, searched + 1); // found: to - 1 is a LF
          this.#bytesScanned += nl - searched;
        }
        let cut = -1;
        if (nl <= last) {
          cut = chunk.lastIndexOf(LF, last); // stops at nl at the latest
          this.#bytesScanned += last - Math.max(cut, searched, pos - 1);
          searched = last;
        }
        if (cut >= pos) end = cut + 1;
        else {
          // A line longer than a window starts here: judged alone, it makes a window of its own.
          if (nl === -1) {
            nl = chunk.indexOf(LF, last + 1); // found: to - 1 is a LF
            this.#bytesScanned += nl - last;
          }
          if (nl - pos - (chunk[nl - 1] === CR ? 1 : 0) > max) {
            this.#lineTooLong(++this.#lines);
            if (this.#epoch !== epoch) return;
            pos = nl + 1;
            continue;
          }
          end = nl + 1;
        }
      }
      if (this.#parseAll(decodeUtf8(chunk, pos, end), 0, epoch) === -1) return;
      pos = end;
    }
  }

  /**
   * Parses every line of `text` from `from` on, none of which can be over the limit; the text
   * after the last LF is left to the caller. Returns where that text starts, or -1 when a
   * callback reset the decoder. The hot loop.
   */
  #parseAll(text: string, from: number, epoch: number): number {
    // Each unit from `from` on is examined once, the last search running to the end.
    this.#bytesScanned += text.length - from;
    const onValue = this.#onValue;
    let pos = from;
    for (let nl = text.indexOf('\n', pos); nl !== -1; nl = text.indexOf('\n', pos)) {
      const line = text.slice(pos, nl);
      pos = nl + 1;
      const lineNo = ++this.#lines;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        this.#notJson(line, lineNo, err);
        if (this.#epoch !== epoch) return -1;
        continue;
      }
      this.#values++;
      onValue(value);
      if (this.#epoch !== epoch) return -1;
    }
    return pos;
  }

  /**
   * Parses the lines of `text[from, to)`, which ends with a LF, checking each long one against
   * the limit: for text long enough to hold a line over it (a small `maxLineBytes`), not the hot path.
   */
  #parseChecked(text: string, from: number, to: number, epoch: number): void {
    this.#bytesScanned += to - from;
    let pos = from;
    while (pos < to) {
      const nl = text.indexOf('\n', pos);
      const line = text.slice(pos, nl);
      pos = nl + 1;
      if (line.length > this.#unitsAlwaysFit && overLimit(line, this.#maxLineBytes)) this.#lineTooLong(++this.#lines);
      else this.#parseLine(line);
      if (this.#epoch !== epoch) return;
    }
  }

  /** Parses one line that is known to fit the limit. */
  #parseLine(line: string): void {
    const lineNo = ++this.#lines;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      this.#notJson(line, lineNo, err);
      return;
    }
    this.#values++;
    const onValue = this.#onValue;
    onValue(value);
  }

  #connectionId(): string | undefined {
    const connection = this.#connection;
    return typeof connection === 'object' ? connection.id : connection;
  }

  /** Only reached when JSON.parse threw, so blank-line detection costs nothing on the hot path. */
  #notJson(line: string, lineNo: number, cause: unknown): void {
    if (isBlank(line)) return;
    this.#errors++;
    const onError = this.#onError;
    onError(malformedLine(line, lineNo, this.#connectionId(), cause));
  }

  #lineTooLong(lineNo: number): void {
    this.#errors++;
    const onError = this.#onError;
    onError(lineTooLong(lineNo, this.#maxLineBytes, this.#connectionId()));
  }

  #endPartialBytes(chunk: Uint8Array, nl: number): void {
    if (this.#discarding) this.#endDiscarding();
    else this.#endLine(this.#partial.endBytes(chunk, nl));
  }

  #endPartialText(s: string, nl: number): void {
    if (this.#discarding) this.#endDiscarding();
    else this.#endLine(this.#partial.endText(s, nl));
  }

  /** Parses a line that just ended, or reports it as oversize (`undefined`). */
  #endLine(line: string | undefined): void {
    if (line === undefined) this.#lineTooLong(++this.#lines);
    else this.#parseLine(line);
  }

  /** The oversize line being skipped has ended. */
  #endDiscarding(): void {
    this.#discarding = false;
    this.#lines++;
  }

  /** Adds LF-free bytes to the partial line; the limit is checked before anything is kept. */
  #appendBytes(chunk: Uint8Array, from: number, to: number): void {
    if (this.#discarding) return;
    if (!this.#partial.appendBytes(chunk, from, to)) this.#overflow();
  }

  /** Adds LF-free text to the partial line; the limit is checked before anything is kept. */
  #appendText(s: string, from: number, to: number): void {
    if (this.#discarding) return;
    if (!this.#partial.appendText(s, from, to)) this.#overflow();
  }

  /** The partial line went over the limit: report it once, free it, and skip the rest of it. */
  #overflow(): void {
    this.#partial.clear();
    this.#discarding = true;
    this.#lineTooLong(this.#lines + 1);
  }

  /** A callback threw mid-chunk: drop the rest of the chunk, keep line numbers right, resume at the next line. */
  #resync(chunk: Uint8Array | string, linesBefore: number): void {
    this.#partial.clear();
    let newlines = 0;
    if (typeof chunk === 'string') {
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) newlines++;
      this.#discarding = chunk.length !== 0 && chunk.charCodeAt(chunk.length - 1) !== LF;
    } else {
      for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) newlines++;
      this.#discarding = chunk.length !== 0 && chunk[chunk.length - 1] !== LF;
    }
    this.#lines = linesBefore + newlines;
  }
}

function invalid(option: string, reason: string, value: unknown): never {
  throw new ProjError(ErrorCode.INVALID_OPTION, `${option} ${reason}, got ${String(value)}`, { details: { option, value } });
}
