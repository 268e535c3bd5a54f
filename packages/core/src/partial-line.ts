/**
 * The partial line of an NDJSON decoder: what arrived since the last newline, held under a
 * byte limit until its newline (or the end of the stream) arrives, then joined once.
 */
import { allocBytes, decodeUtf8, encodeUtf8, utf8ByteLength } from './utf8.js';

/** Later pieces of a partial line shorter than this are copied into a small owned buffer (the stage). */
const STAGE_BYTES = 1024;
const CR = 13;

/**
 * A line without its newline yet, kept as bytes and/or text, never past `maxLineBytes` bytes
 * (line terminator excluded).
 *
 * Appends check the limit before anything is kept and return false, keeping nothing, when the
 * line would go over it; the owner then clears the line and skips the rest of it. A line exactly
 * at the limit may be followed by a CR, held back: it is fine only if LF comes next.
 *
 * The first piece of bytes, and any later piece of 1 KiB or more, is kept by reference; so is a
 * first piece of text (a slice of the string it came in). Later small pieces are packed into
 * 1 KiB buffers, so a peer trickling one byte per packet costs bytes, not one retained chunk per byte.
 */
export class PartialLine {
  readonly #maxBytes: number;
  /** A string of at most this many UTF-16 units fits the limit whatever it holds (one unit is at most 3 UTF-8 bytes). */
  readonly #unitsAlwaysFit: number;

  // The line is, in order: #first[#firstFrom, #firstTo), #parts, #stage[0, #stageLen), #text.
  /** First piece of the line, by reference (fields rather than a subarray: no allocation per chunk). */
  #first: Uint8Array | undefined;
  #firstFrom = 0;
  #firstTo = 0;
  #parts: Uint8Array[] = [];
  #stage: Uint8Array | undefined;
  #stageLen = 0;
  /** Bytes in #first, #parts and #stage. */
  #partBytes = 0;
  /**
   * Line held as text: from string input, so that `push(frame); flush()` never round-trips
   * through bytes, or a slice of an all-ASCII byte chunk decoded whole (by reference to that string).
   */
  #text = '';
  /** UTF-8 length of #text, or -1 while unmeasured: allowed only while #text cannot reach the limit even at 3 bytes per unit. */
  #textBytes = 0;
  /** The line is exactly at the limit and was followed by a CR, held back: it is fine only if LF comes next. */
  #heldCR = false;
  #bytesCopied = 0;

  /** @param maxLineBytes The limit: an integer in [1, 2^29 - 24], validated by the owner. */
  constructor(maxLineBytes: number) {
    this.#maxBytes = maxLineBytes;
    this.#unitsAlwaysFit = Math.floor(maxLineBytes / 3);
  }

  /** Bytes copied to hold or join the line, since construction. */
  get bytesCopied(): number {
    return this.#bytesCopied;
  }

  /** True when nothing is held: no bytes, no text and no held-back CR. */
  get empty(): boolean {
    return this.#partBytes === 0 && this.#text === '' && !this.#heldCR;
  }

  /**
   * True when the line cannot simply continue in text: part of it is held as bytes, or its text
   * ends in a high surrogate, which a byte chunk can only complete as U+FFFD (as `toBytes` makes it).
   */
  get needsBytes(): boolean {
    if (this.#partBytes !== 0) return true;
    const last = this.#text.length === 0 ? 0 : this.#text.charCodeAt(this.#text.length - 1);
    return last >= 0xd800 && last <= 0xdbff;
  }

  /** Bytes held, in UTF-8 (never over the limit). Measures held text the first time it is asked. */
  byteLength(): number {
    if (this.#textBytes === -1) this.#textBytes = utf8ByteLength(this.#text);
    return this.#partBytes + this.#textBytes;
  }

  /** Adds the LF-free bytes `chunk[from, to)`. Returns false, keeping nothing, when they would take the line over the limit. */
  appendBytes(chunk: Uint8Array, from: number, to: number): boolean {
    if (from === to) return true;
    const total = this.#partBytes + to - from;
    let end = to;
    if (this.#heldCR || total > this.#maxBytes) {
      if (this.#heldCR || total !== this.#maxBytes + 1 || chunk[to - 1] !== CR) return false;
      end = to - 1;
      this.#heldCR = true;
    }
    if (end > from) this.#keep(chunk, from, end);
    return true;
  }

  /** Adds the LF-free text `s[from, to)`. Returns false, keeping nothing, when it would take the line over the limit. */
  appendText(s: string, from: number, to: number): boolean {
    if (from === to) return true;
    if (this.#heldCR) return false;
    const alone = this.#partBytes === 0 && this.#text === '';
    let text = this.#text + (from === 0 && to === s.length ? s : s.slice(from, to));
    // Measuring is a pass over the text: skipped while even 3 bytes per unit cannot reach the
    // limit, which keeps `push(frame); flush()` free of it.
    let bytes = this.#partBytes + 3 * text.length <= this.#maxBytes ? -1 : utf8ByteLength(text);
    if (bytes !== -1 && this.#partBytes + bytes > this.#maxBytes) {
      if (this.#partBytes + bytes !== this.#maxBytes + 1 || text.charCodeAt(text.length - 1) !== CR) return false;
      text = text.slice(0, -1);
      bytes--;
      this.#heldCR = true;
    }
    if (alone) {
      this.#text = text;
      this.#textBytes = bytes;
      return true;
    }
    // A line spanning several text pieces continues in bytes, where small pieces are staged
    // (bounded overhead). A trailing high surrogate stays text: its low half may come next.
    const c = text.charCodeAt(text.length - 1);
    const split = c >= 0xd800 && c <= 0xdbff ? text.length - 1 : text.length;
    this.#text = text.slice(split);
    this.#textBytes = split === text.length ? 0 : 3; // a lone surrogate is written as U+FFFD
    const encoded = encodeUtf8(text.slice(0, split));
    this.#bytesCopied += encoded.length;
    if (encoded.length !== 0) this.#keep(encoded, 0, encoded.length);
    return true;
  }

  /** A byte chunk follows: continue the line in bytes, so that chunk's bytes can be appended after it. */
  toBytes(): void {
    if (this.#text === '') return;
    const encoded = encodeUtf8(this.#text);
    this.#bytesCopied += encoded.length;
    this.#text = '';
    this.#textBytes = 0;
    this.#keep(encoded, 0, encoded.length);
  }

  /**
   * Ends the line with `chunk[0, nl)`, `chunk[nl]` being its LF. Call {@link toBytes} first.
   * Returns the line, or undefined when it is over the limit; clears the line either way.
   */
  endBytes(chunk: Uint8Array, nl: number): string | undefined {
    const content = nl > 0 && chunk[nl - 1] === CR ? nl - 1 : nl;
    if (this.#heldCR ? nl > 0 : this.#partBytes + content > this.#maxBytes) {
      this.clear();
      return undefined;
    }
    return this.#take(chunk, nl);
  }

  /** Ends the line with `s[0, nl)`, `s[nl]` being its LF. Returns the line, or undefined when it is over the limit; clears the line either way. */
  endText(s: string, nl: number): string | undefined {
    const head = s.slice(0, nl);
    const tail = this.#text + head;
    const over = this.#heldCR
      ? nl > 0
      : (this.#partBytes !== 0 || tail.length > this.#unitsAlwaysFit) && overLimit(tail, this.#maxBytes - this.#partBytes);
    if (over) {
      this.clear();
      return undefined;
    }
    if (this.#partBytes !== 0) return this.#take(undefined, 0) + head;
    // Held text and its end are joined (a copy, made when the line is parsed).
    if (this.#text !== '' && nl > 0) this.#bytesCopied += tail.length;
    this.clear();
    return tail;
  }

  /** Returns the line as it is (end of stream: it fits the limit, a held-back CR is dropped) and clears it. */
  take(): string {
    return this.#take(undefined, 0);
  }

  /** Drops the line. The stage is kept for the next one. */
  clear(): void {
    this.#first = undefined;
    if (this.#parts.length !== 0) this.#parts = [];
    this.#stageLen = 0;
    this.#partBytes = 0;
    this.#text = '';
    this.#textBytes = 0;
    this.#heldCR = false;
  }

  /** Drops the line and frees the stage. */
  release(): void {
    this.clear();
    this.#stage = undefined;
  }

  /**
   * Keeps LF-free bytes of the line. The first piece and large ones are kept by reference; small
   * later pieces are copied into the stage.
   */
  #keep(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    const isFirst = this.#partBytes === 0;
    this.#partBytes += n;
    if (isFirst) {
      this.#first = chunk;
      this.#firstFrom = from;
      this.#firstTo = to;
      return;
    }
    if (n >= STAGE_BYTES) {
      this.#retireStage();
      this.#parts.push(chunk.subarray(from, to));
      return;
    }
    if (this.#stageLen + n > STAGE_BYTES) this.#retireStage();
    const stage = (this.#stage ??= allocBytes(STAGE_BYTES));
    copyInto(stage, this.#stageLen, chunk, from, to);
    this.#stageLen += n;
    this.#bytesCopied += n;
  }

  /** Moves the stage's content into #parts (keeping order) and lets the next piece start a new stage. */
  #retireStage(): void {
    if (this.#stageLen === 0) return;
    this.#parts.push(this.#stage!.subarray(0, this.#stageLen));
    this.#stage = undefined;
    this.#stageLen = 0;
  }

  /** Returns the line (plus `head[0, headEnd)` bytes) as a string, and clears it. */
  #take(head: Uint8Array | undefined, headEnd: number): string {
    const first = this.#first;
    const firstLen = this.#firstTo - this.#firstFrom;
    const stageLen = this.#stageLen;
    const n = head === undefined ? 0 : headEnd;
    const total = this.#partBytes + n;
    let line: string;
    if (total === 0) line = '';
    else if (first !== undefined && total === firstLen) {
      line = decodeUtf8(first, this.#firstFrom, this.#firstTo);
    } else {
      const joined = joinBuffer(total);
      let at = 0;
      if (first !== undefined) {
        copyInto(joined, 0, first, this.#firstFrom, this.#firstTo);
        at = firstLen;
      }
      for (const part of this.#parts) {
        joined.set(part, at);
        at += part.length;
      }
      if (stageLen !== 0) copyInto(joined, at, this.#stage!, 0, stageLen);
      if (head !== undefined) copyInto(joined, at + stageLen, head, 0, n);
      this.#bytesCopied += total;
      line = decodeUtf8(joined, 0, total);
    }
    line += this.#text;
    this.clear();
    return line;
  }
}

/** Lines up to this many bytes are joined in one buffer shared by every decoder, then decoded (which copies). */
const SHARED_JOIN_BYTES = 64 * 1024;
let sharedJoin: Uint8Array | undefined;

/** A buffer of at least `size` bytes to join a line in before decoding it: the shared one when it fits. */
function joinBuffer(size: number): Uint8Array {
  if (size > SHARED_JOIN_BYTES) return allocBytes(size);
  if (sharedJoin === undefined || sharedJoin.length < size) sharedJoin = allocBytes(Math.min(SHARED_JOIN_BYTES, Math.max(size, 4096)));
  return sharedJoin;
}

/** True when `line`, without a final CR, takes more than `room` bytes in UTF-8. */
export function overLimit(line: string, room: number): boolean {
  const content = line.charCodeAt(line.length - 1) === CR ? line.length - 1 : line.length;
  return content > room || utf8ByteLength(line, 0, content) > room;
}

/** `dest.set(src.subarray(from, to), at)`, without allocating a view for the short copies of line fragments. */
function copyInto(dest: Uint8Array, at: number, src: Uint8Array, from: number, to: number): void {
  if (to - from > 64) dest.set(src.subarray(from, to), at);
  else for (let i = from; i < to; i++) dest[at++] = src[i]!;
}
