/**
 * The bounded queue of encoded lines waiting to be handed to a link: while a tick's sends are
 * being coalesced, while the transport is applying backpressure, and while a client is not
 * connected. Bounded in messages and in bytes; what happens at the bound is a stated policy.
 */
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import { Inflight, nothingWritten, type Written } from './inflight.js';

/** What `send()` does when the queue is full. */
export type OverflowPolicy = 'reject' | 'drop-oldest';

/** Bounds of a {@link SendQueue}. */
export interface SendQueueLimits {
  /** Maximum queued messages. @default 100000 */
  maxQueueMessages?: number;
  /** Maximum queued bytes (UTF-8). @default 8388608 (8 MiB) */
  maxQueueBytes?: number;
  /** `reject`: `send()` throws `PROJ_ERR_QUEUE_FULL` and nothing is queued; `drop-oldest`: the oldest queued messages are discarded and reported through a `dropped` event. @default 'reject' */
  overflow?: OverflowPolicy;
}

/** A batch taken out of the queue to be written in one call. */
export interface Batch {
  data: string;
  bytes: number;
  messages: number;
}

/** What was discarded to make room, or when a channel closed with unsent messages. */
export interface DroppedInfo {
  messages: number;
  bytes: number;
  error: ProjError;
}

// Portable UTF-8 byte length (no Buffer, so the browser client can share core). JSON text is
// mostly ASCII, and the loop exits at the first non-ASCII code unit for the slow path.
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 2; // surrogate pair: 2 UTF-16 units → 4 bytes
        i++;
        continue;
      }
      bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

const byteLength: (s: string) => number =
  typeof globalThis.Buffer === 'function' ? (s) => globalThis.Buffer.byteLength(s, 'utf8') : utf8Length;

/**
 * The arrays of an empty queue: most connections sit idle with nothing queued, and three empty
 * arrays per connection were ~100 B of the per-idle-connection heap (bench "memory per idle
 * connection"). Frozen, so a missed allocation throws instead of sharing entries between queues.
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

const DEFAULT_MAX_MESSAGES = 100_000;
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Validates queue limits without making a queue (a channel makes its queue on its first send).
 * @throws ProjError `PROJ_ERR_INVALID_OPTION` for an invalid limit.
 */
export function checkQueueLimits(limits: SendQueueLimits): void {
  checkNumber('maxQueueMessages', limits.maxQueueMessages ?? DEFAULT_MAX_MESSAGES, 1, Infinity, true);
  checkNumber('maxQueueBytes', limits.maxQueueBytes ?? DEFAULT_MAX_BYTES, 1, Infinity, true);
  const overflow = limits.overflow ?? 'reject';
  if (overflow !== 'reject' && overflow !== 'drop-oldest') {
    throw new ProjError(ErrorCode.INVALID_OPTION, `overflow must be 'reject' or 'drop-oldest', got ${String(overflow)}`);
  }
}

/** A batch's lines, each with its newline; `undefined` if they are not one per message. */
function linesOf(batch: Batch): string[] | undefined {
  const { data } = batch;
  const lines: string[] = [];
  let pos = 0;
  for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', pos)) {
    lines.push(data.slice(pos, nl + 1));
    pos = nl + 1;
  }
  return pos === data.length && lines.length === batch.messages ? lines : undefined;
}

/** Messages in `data[start, end)`: its newlines (an encoded line holds none but its last character). */
function countLines(data: string, start: number, end: number): number {
  let lines = 0;
  for (let i = data.indexOf('\n', start); i !== -1 && i < end; i = data.indexOf('\n', i + 1)) lines++;
  return lines;
}

/**
 * Cuts a batch into batches of whole lines of at most `limit` UTF-8 bytes each, in order; a line
 * bigger than `limit` goes alone in its own. For a link that refuses bigger chunks
 * (`Link.maxWriteBytes`: a WebSocket peer closes with 1009 on a frame above its
 * `maxPayload`). A batch within `limit` comes back as the only element.
 */
export function splitBatch(batch: Batch, limit: number): Batch[] {
  const { data } = batch;
  const parts: Batch[] = [];
  let start = 0;
  let bytesLeft = batch.bytes;
  let messagesLeft = batch.messages;
  while (bytesLeft > limit && start < data.length) {
    // The last line end within `limit` UTF-16 units, then fewer units, in proportion, while the
    // bytes exceed `limit` (each unit is 1-3 bytes): each try strictly shortens the part.
    let end = data.lastIndexOf('\n', start + limit - 1) + 1;
    let bytes = end > start ? byteLength(data.slice(start, end)) : 0;
    while (end > start && bytes > limit) {
      end = data.lastIndexOf('\n', start + Math.floor(((end - start) * limit) / bytes) - 1) + 1;
      bytes = end > start ? byteLength(data.slice(start, end)) : 0;
    }
    if (end <= start) {
      // Its first line alone is bigger than `limit`.
      end = data.indexOf('\n', start) + 1 || data.length;
      bytes = byteLength(data.slice(start, end));
    }
    const messages = countLines(data, start, end);
    parts.push({ data: data.slice(start, end), bytes, messages });
    start = end;
    bytesLeft -= bytes;
    messagesLeft -= messages;
  }
  if (start === 0) return [batch];
  if (start < data.length) parts.push({ data: data.slice(start), bytes: bytesLeft, messages: messagesLeft });
  return parts;
}

export class SendQueue {
  // Entries are encoded lines, or whole batches put back by requeue(); #counts holds how many
  // messages each entry carries. Lines are measured lazily: a per-line Buffer.byteLength() was a
  // sixth of the per-message CPU on loopback (bench/RESULTS.md). Entries from #unmeasuredFrom on
  // have size -1; their UTF-8 bytes lie in [#units, 3 × #units], which decides most bound checks
  // without measuring, and take() measures the whole batch in one call.
  #entries: string[] = NONE;
  #sizes: number[] = NONE;
  #counts: number[] = NONE;
  #head = 0;
  /** Exact bytes of the measured entries. */
  #bytes = 0;
  /** UTF-16 units of the unmeasured entries. */
  #units = 0;
  #unmeasuredFrom = 0;
  #messages = 0;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  /** The batches taken and written but not yet confirmed by the link: made by the first {@link SendQueue.track}. */
  #inflight: Inflight | undefined;

  /** @throws ProjError `PROJ_ERR_INVALID_OPTION` for an invalid limit (see {@link checkQueueLimits}). */
  constructor(limits: SendQueueLimits = {}) {
    checkQueueLimits(limits);
    this.maxMessages = limits.maxQueueMessages ?? DEFAULT_MAX_MESSAGES;
    this.maxBytes = limits.maxQueueBytes ?? DEFAULT_MAX_BYTES;
    this.overflow = limits.overflow ?? 'reject';
  }

  /** Queued messages. */
  get length(): number {
    return this.#messages;
  }

  /** Queued bytes (exact: measures what is not measured yet). */
  get bytes(): number {
    this.#measure();
    return this.#bytes;
  }

  /** Whether `threshold` bytes may be queued: the upper bound, without measuring. */
  mayReach(threshold: number): boolean {
    return this.#bytes + 3 * this.#units >= threshold;
  }

  /** Whether `threshold` bytes are surely queued: the lower bound (exact for ASCII), without measuring. */
  surelyReaches(threshold: number): boolean {
    return this.#bytes + this.#units >= threshold;
  }

  /** Whether at least `threshold` bytes are queued; measures only when the bounds cannot tell. */
  atLeast(threshold: number): boolean {
    if (this.surelyReaches(threshold)) return true;
    if (!this.mayReach(threshold)) return false;
    this.#measure();
    return this.#bytes >= threshold;
  }

  /**
   * Queues one encoded line. Under `reject`, throws `PROJ_ERR_QUEUE_FULL` when it does not fit;
   * under `drop-oldest`, discards from the front and returns what it discarded. `owner`'s id
   * goes into the error's details, read only then (a peer makes its id when first asked).
   */
  push(line: string, owner?: { readonly id: string }): DroppedInfo | undefined {
    if (this.#messages + 1 <= this.maxMessages && this.#bytes + 3 * (this.#units + line.length) <= this.maxBytes) {
      // Fits even at 3 bytes per UTF-16 unit: no need to know its exact size yet.
      // Only the line: #sizes and #counts stop short of the unmeasured single lines at the end
      // (see #sizeAt/#countAt), two array pushes fewer per message (bench "tcp pipelined").
      // The first line makes an array of one: most batches of a request/reply peer hold one line,
      // and `[]` + push() would make room for 17.
      if (this.#entries === NONE) this.#entries = [line];
      else this.#entries.push(line);
      this.#units += line.length;
      this.#messages++;
      return undefined;
    }
    this.#measure();
    const size = byteLength(line);
    if (this.#messages + 1 <= this.maxMessages && this.#bytes + size <= this.maxBytes) {
      this.#append(line, size, 1);
      return undefined;
    }
    const limits = { maxQueueMessages: this.maxMessages, maxQueueBytes: this.maxBytes, queuedMessages: this.#messages, queuedBytes: this.#bytes, connection: owner?.id };
    if (this.overflow === 'reject' || size > this.maxBytes) {
      throw new ProjError(ErrorCode.QUEUE_FULL, `send queue full (${this.#messages} messages, ${this.#bytes} bytes queued)`, { details: limits });
    }
    let messages = 0;
    let bytes = 0;
    while (this.#head < this.#entries.length && (this.#messages + 1 > this.maxMessages || this.#bytes + size > this.maxBytes)) {
      const h = this.#head++;
      const entryBytes = this.#sizeAt(h);
      bytes += entryBytes;
      const count = this.#countAt(h);
      messages += count;
      this.#bytes -= entryBytes;
      this.#messages -= count;
    }
    this.#compact();
    this.#append(line, size, 1);
    const error = new ProjError(ErrorCode.DROPPED, `dropped ${messages} queued message(s) to make room (overflow: drop-oldest)`, { details: { ...limits, messages, bytes } });
    return { messages, bytes, error };
  }

  /**
   * Puts batches a failed link never accepted back at the front, in their original order, so they
   * go out first on the next link. They were accepted once, so the bounds do not reject them.
   */
  requeue(batches: readonly Batch[]): void {
    if (batches.length === 0) return;
    const entries: string[] = [];
    const sizes: number[] = [];
    const counts: number[] = [];
    for (const batch of batches) {
      // Under drop-oldest a batch goes back as its lines (sizes measured when dropped), so that
      // making room drops no more than it must.
      const lines = this.overflow === 'drop-oldest' && batch.messages > 1 ? linesOf(batch) : undefined;
      if (lines === undefined) {
        entries.push(batch.data);
        sizes.push(batch.bytes);
        counts.push(batch.messages);
        continue;
      }
      for (const line of lines) {
        entries.push(line);
        sizes.push(-1);
        counts.push(1);
      }
    }
    this.#unmeasuredFrom = entries.length + this.#unmeasuredFrom - this.#head;
    this.#entries = [...entries, ...this.#entries.slice(this.#head)];
    this.#sizes = [...sizes, ...this.#sizes.slice(this.#head)];
    this.#counts = [...counts, ...this.#counts.slice(this.#head)];
    this.#head = 0;
    for (const b of batches) {
      this.#bytes += b.bytes;
      this.#messages += b.messages;
    }
  }

  /** Removes and returns everything queued, joined into one string for a single write. */
  take(): Batch {
    const single = this.#entries.length - this.#head === 1;
    // The array goes with the batch (#reset): joined as it is unless drop-oldest consumed its head.
    const data = single ? this.#entries[this.#head]! : (this.#head === 0 ? this.#entries : this.#entries.slice(this.#head)).join('');
    // One measurement of the joined batch instead of one per line.
    const bytes = this.#units === 0 ? this.#bytes : byteLength(data);
    const batch = { data, bytes, messages: this.#messages };
    this.#reset();
    return batch;
  }

  /**
   * Tracks a batch from take() that is about to be written (see {@link Inflight}); returns the
   * callback to hand to `Link.write`. The queue keeps it so that a channel holds one field for
   * both, and none before its first send (bench "memory per idle connection").
   */
  track(batch: Batch, hold = false): (error?: Error | null) => void {
    // Held at most maxQueueBytes, and 8 MiB whatever it is (it may be Infinity).
    return (this.#inflight ??= new Inflight()).track(batch, hold ? Math.min(this.maxBytes, DEFAULT_MAX_BYTES) : 0);
  }

  /** The last written batch still tracked (see {@link Inflight.newest}). */
  get newestWritten(): Batch | undefined {
    return this.#inflight?.newest;
  }

  /** Stops keeping the confirmed batches `track(batch, true)` kept (see {@link Inflight.release}). */
  releaseHeld(): void {
    this.#inflight?.release();
  }

  /**
   * The tracked batches the link never confirmed (`pending`), the confirmed ones kept (`held`),
   * each oldest first, and the count of those confirmed past the hold bound (`lapsed`); tracking
   * starts afresh for the next link.
   */
  takeWritten(): Written {
    return this.#inflight?.takeWritten() ?? nothingWritten();
  }

  /** Empties the queue, returning what was in it. */
  clear(): { messages: number; bytes: number } {
    const dropped = { messages: this.#messages, bytes: this.bytes };
    this.#reset();
    return dropped;
  }

  // Only the entries: #sizes and #counts are needed once a line is measured (#append, requeue).
  #allocate(): void {
    this.#entries = [];
  }

  #reset(): void {
    // The entries array goes with the batch, and the next push makes a new one. Emptying it in
    // place cost more either way: `length = 0` is a runtime call that also frees its backing store
    // (push, take, 1e7 times: 71-74 ns, against 37-40 this way), and `pop()` keeps that store, 17
    // slots (~150 B), in every connection that has sent and gone idle.
    this.#entries = NONE;
    this.#sizes = NONE;
    this.#counts = NONE;
    this.#head = 0;
    this.#bytes = 0;
    this.#units = 0;
    this.#unmeasuredFrom = 0;
    this.#messages = 0;
  }

  /**
   * Measures the unmeasured entries (a suffix of the queue, single lines) in one call on their
   * concatenation. Under `reject`, the concatenation then replaces them as one entry: take()
   * would otherwise copy those lines a second time to join them. A tick's sends get measured
   * (by atLeast()) once their UTF-16 length reaches a third of `highWaterMark`, where their
   * bytes may reach it: in bench "tcp pipelined" a tick carries ~1,000 replies, and at 1,600
   * joining twice cost 5 % of a server's per-message path (1.13× → 1.07× a minimal hand-written
   * echo, median of 5, without sockets).
   * Under `drop-oldest`, lines stay single, so that making room drops no more than it must;
   * their own sizes stay -1 and are measured when dropped.
   */
  #measure(): void {
    if (this.#units === 0) return;
    const entries = this.#entries;
    const from = Math.max(this.#unmeasuredFrom, this.#head);
    const lines = entries.length - from;
    const tail = lines === 1 ? entries[from]! : entries.slice(from).join('');
    const size = byteLength(tail);
    this.#bytes += size;
    this.#units = 0;
    if (lines > 1 && this.overflow === 'reject') {
      entries.length = from;
      entries.push(tail);
      this.#explicitUpTo(from);
      this.#sizes.push(size);
      this.#counts.push(lines);
    }
    this.#unmeasuredFrom = entries.length;
  }

  // #sizes and #counts may be shorter than #entries: the missing tail entries are single lines of
  // unknown size (pushed by the fast path of push()). Prepending (requeue) and slicing from the
  // front (compact) keep the indices of both aligned with #entries.
  #sizeAt(index: number): number {
    const size = index < this.#sizes.length ? this.#sizes[index]! : -1;
    return size >= 0 ? size : byteLength(this.#entries[index]!);
  }

  #countAt(index: number): number {
    return index < this.#counts.length ? this.#counts[index]! : 1;
  }

  /** Appends a measured entry (the slow path of push(): the queue is measured then). */
  #append(line: string, size: number, count: number): void {
    this.#unmeasuredFrom = this.#entries.length + 1;
    if (this.#entries === NONE) this.#allocate();
    this.#explicitUpTo(this.#entries.length);
    this.#entries.push(line);
    this.#sizes.push(size);
    this.#counts.push(count);
    this.#bytes += size;
    this.#messages += count;
  }

  /**
   * Makes #sizes and #counts cover exactly the entries before `index`: the single lines the fast
   * path of push() left implicit get size -1 and count 1, so that an entry added at `index` lines up.
   */
  #explicitUpTo(index: number): void {
    if (this.#sizes === NONE) {
      this.#sizes = [];
      this.#counts = [];
    }
    while (this.#sizes.length < index) this.#sizes.push(-1);
    while (this.#counts.length < index) this.#counts.push(1);
    this.#sizes.length = index;
    this.#counts.length = index;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#counts = this.#counts.slice(this.#head);
      this.#unmeasuredFrom = Math.max(0, this.#unmeasuredFrom - this.#head);
      this.#head = 0;
    }
  }
}
