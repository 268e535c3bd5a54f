/**
 * The channel: what a server-side peer and a client share. It binds a link to NDJSON framing,
 * coalesces sends into one write per tick, applies backpressure in both directions, and keeps
 * counters. Subclasses decide what a closed link means (a peer is gone; a client reconnects).
 */
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import { MessageIterator } from './message-iterator.js';
import type { ConnectionState } from './reconnect-engine.js';
import { DEFAULT_MAX_LINE_BYTES, NdjsonDecoder } from './ndjson-decoder.js';
import { encodeLine } from './ndjson-encoder.js';
import { SendQueue, type Batch, type DroppedInfo, type SendQueueLimits } from './send-queue.js';
import type { Link, LinkCloseInfo, LinkHandlers } from './transport.js';
import { TypedEmitter, type EventMap } from './typed-emitter.js';

/** Why a connection ended. */
export type DisconnectReason =
  /** This side called `end()`. */
  | 'local-end'
  /** This side called `destroy()`. */
  | 'local-destroy'
  /** The peer closed in an orderly way (TCP FIN, WebSocket 1000). */
  | 'remote-end'
  /** The peer tore the connection down (TCP RST, WebSocket 1006). */
  | 'remote-reset'
  /** A transport error; see `error`. */
  | 'error'
  /** The server closed a connection that was idle for `idleTimeout` ms. */
  | 'idle-timeout'
  /** The server refused the connection (`maxConnections`). */
  | 'refused'
  /** Closed because of a framing error while `closeOnMalformed` is set. */
  | 'malformed';

/** Payload of the `disconnect` event. */
export interface DisconnectInfo {
  reason: DisconnectReason;
  /** The error behind the disconnect, when there is one. */
  error?: ProjError;
}

/** Connection states (a peer is only ever `open` or `closed`; a client goes through all of them). */
export type { ConnectionState };

/** Counters of one channel. Bytes are UTF-8 bytes on the wire, newlines included. */
export interface ChannelStats {
  /** Messages decoded from the peer. */
  messagesIn: number;
  /** Messages handed to the transport. */
  messagesOut: number;
  /** Bytes received. */
  bytesIn: number;
  /** Bytes handed to the transport. */
  bytesOut: number;
  /** Malformed or oversize lines received. */
  malformed: number;
  /** Messages discarded by an overflow policy or a close with unsent data (each reported by a `dropped` event). */
  dropped: number;
  /** Write calls made to the transport (one per coalesced batch). */
  writes: number;
}

/** Options every channel takes (client and server side). */
export interface ChannelOptions extends SendQueueLimits {
  /** Longest accepted incoming line, in bytes; longer lines are discarded and reported. @default 1048576 (1 MiB) */
  maxLineBytes?: number;
  /** Queued bytes above which `send()` returns `false` (wait for `drain`). @default 65536 (64 KiB) */
  highWaterMark?: number;
  /** Messages waiting in an async iterator above which reading from the transport pauses. @default 1024 */
  readHighWaterMark?: number;
  /** Close the connection on a malformed or oversize line instead of reporting it and continuing. @default false */
  closeOnMalformed?: boolean;
}

/** Events every channel emits. */
export interface ChannelEvents {
  /** A message arrived (any JSON value, `null` included). */
  message: (value: unknown) => void;
  /** A malformed (`PROJ_ERR_MALFORMED_LINE`) or oversize (`PROJ_ERR_LINE_TOO_LONG`) line arrived. */
  malformed: (error: ProjError) => void;
  /** Queued messages were discarded; `error.code` is `PROJ_ERR_DROPPED`. */
  dropped: (info: DroppedInfo) => void;
  /** After `send()` returned `false`: the queue is below `highWaterMark` again. */
  drain: () => void;
  /** A connection ended. */
  disconnect: (info: DisconnectInfo) => void;
}

type Emit = (event: string, ...args: unknown[]) => boolean;

const scheduleTick: (fn: () => void) => void =
  typeof globalThis.process?.nextTick === 'function' ? (fn) => process.nextTick(fn) : queueMicrotask;

/** Shared mechanics of {@link Peer} and {@link Client}. Not constructed directly. */
export abstract class Channel<Events extends EventMap<Events> & ChannelEvents = ChannelEvents> extends TypedEmitter<Events> {
  /** Counters; read them any time. */
  readonly stats: ChannelStats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, dropped: 0, writes: 0 };
  /** Identifier used in error details and diagnostics. */
  abstract readonly id: string;
  /** Current connection state. */
  abstract readonly state: ConnectionState;

  #link: Link | undefined;
  #linkClosing: DisconnectReason | undefined;
  #lastActivity = Date.now();
  readonly #queue: SendQueue;
  readonly #maxLineBytes: number;
  readonly #highWaterMark: number;
  readonly #readHighWaterMark: number;
  readonly #closeOnMalformed: boolean;
  #flushScheduled = false;
  #blocked = false;
  #needDrain = false;
  #finished = false;
  #iterators = new Set<MessageIterator>();
  #readPaused = false;
  #flushWaiters: Array<{ resolve: () => void; reject: (err: ProjError) => void }> = [];
  /** Batches written on the current link that the transport has not yet confirmed, oldest first. */
  #inflight: InflightBatch[] = [];

  constructor(options: ChannelOptions = {}) {
    super();
    this.#queue = new SendQueue(options);
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#highWaterMark = options.highWaterMark ?? 64 * 1024;
    this.#readHighWaterMark = options.readHighWaterMark ?? 1024;
    this.#closeOnMalformed = options.closeOnMalformed ?? false;
    checkNumber('maxLineBytes', this.#maxLineBytes, 1);
    checkNumber('highWaterMark', this.#highWaterMark, 0);
    checkNumber('readHighWaterMark', this.#readHighWaterMark, 1);
  }

  /** When data last arrived from the peer (ms since the epoch). */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** Messages queued and not yet handed to the transport. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.#queue.bytes;
  }

  /** The current link, if connected. */
  protected get link(): Link | undefined {
    return this.#link;
  }

  /**
   * Sends one JSON value. Encoding happens now: an unencodable value throws `PROJ_ERR_ENCODE`
   * and nothing is queued. Writes are coalesced: every `send()` in one tick becomes one write.
   * Returns `false` when the queue is above `highWaterMark` or the transport is applying
   * backpressure: wait for the `drain` event (or `await flushed()`) before sending more.
   * Throws `PROJ_ERR_QUEUE_FULL` when the queue is full under the `reject` policy, and
   * `PROJ_ERR_CLOSED` after the channel closed.
   */
  send(value: unknown): boolean {
    if (this.#finished) throw new ProjError(ErrorCode.CLOSED, `cannot send: ${this.id} is closed`, { details: { connection: this.id } });
    return this.sendLine(encodeLine(value));
  }

  /**
   * Resolves once everything sent so far has been handed to the transport and the transport is
   * not applying backpressure. Rejects with `PROJ_ERR_CLOSED` if the channel closes first.
   */
  flushed(): Promise<void> {
    if (this.#isFlushed()) return Promise.resolve();
    if (this.#finished) return Promise.reject(new ProjError(ErrorCode.CLOSED, `${this.id} closed with unsent messages`));
    return new Promise((resolve, reject) => this.#flushWaiters.push({ resolve, reject }));
  }

  /** Iterates over incoming messages until the channel closes. A slow consumer pauses reading. */
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    const iterator = new MessageIterator(this.#onIteratorPull, this.#onIteratorReturn);
    if (this.#finished) iterator.finish();
    else this.#iterators.add(iterator);
    return iterator;
  }

  /** Queues an encoded line (used by `send()` and by a registry broadcast that encodes once). */
  protected sendLine(line: string): boolean {
    const dropped = this.#queue.push(line, this.id);
    if (dropped !== undefined) this.reportDropped(dropped);
    if (this.#link !== undefined && !this.#blocked && !this.#flushScheduled) {
      this.#flushScheduled = true;
      scheduleTick(this.#flush);
    }
    if (this.#blocked || this.#queue.bytes >= this.#highWaterMark) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  /** Binds a freshly established link. */
  protected attachLink(link: Link): void {
    this.#link = link;
    this.#linkClosing = undefined;
    this.#blocked = false;
    this.#lastActivity = Date.now();
    const decoder = new NdjsonDecoder({
      maxLineBytes: this.#maxLineBytes,
      connection: this.id,
      onValue: (value) => this.#receive(value),
      onError: (error) => this.#onMalformed(link, error),
    });
    const framed = link.messageFramed === true;
    const handlers: LinkHandlers = {
      onData: (chunk) => {
        if (this.#link !== link) return;
        this.#lastActivity = Date.now();
        this.stats.bytesIn += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
        decoder.push(chunk);
        if (framed) decoder.flush();
      },
      onDrain: () => {
        if (this.#link !== link) return;
        this.#blocked = false;
        this.#flush();
      },
      onClose: (info) => this.#onLinkClose(link, decoder, info),
    };
    link.attach(handlers);
    if (this.#readPaused) link.pause();
    if (this.#queue.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      scheduleTick(this.#flush);
    }
  }

  /** Called once per link when it has closed, after the channel has let go of it. */
  protected abstract linkClosed(info: DisconnectInfo): void;

  /** Called for each message before `message` listeners and iterators see it; `false` withholds it from them. */
  protected onMessage(_value: unknown): boolean {
    return true;
  }

  /**
   * Gracefully closes the current link: queued messages are written first (ignoring
   * backpressure: the transport buffers them and sends them before its FIN).
   */
  protected endLink(reason: DisconnectReason = 'local-end'): void {
    const link = this.#link;
    if (link === undefined || this.#linkClosing !== undefined) return;
    this.#linkClosing = reason;
    if (this.#queue.length > 0) this.#write(link);
    link.end();
  }

  /** Abruptly closes the current link; queued messages stay queued (a client may resend them). */
  protected destroyLink(reason: DisconnectReason = 'local-destroy', error?: Error): void {
    const link = this.#link;
    if (link === undefined) return;
    if (this.#linkClosing === undefined || this.#linkClosing === 'local-end') this.#linkClosing = reason;
    link.destroy(error);
  }

  /** Reports queued messages that will never be sent, and empties the queue. */
  protected dropQueued(why: string): void {
    const { messages, bytes } = this.#queue.clear();
    if (messages === 0) return;
    this.reportDropped({ messages, bytes, error: new ProjError(ErrorCode.DROPPED, `${messages} unsent message(s) dropped: ${why}`, { details: { connection: this.id, messages, bytes } }) });
  }

  /** Counts and emits a `dropped` event. */
  protected reportDropped(info: DroppedInfo): void {
    this.stats.dropped += info.messages;
    this.fire('dropped', info);
  }

  /** Ends async iteration and rejects `flushed()` waiters: the channel is closed for good. */
  protected finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const iterator of this.#iterators) iterator.finish();
    this.#iterators.clear();
    this.#settleFlushWaiters();
  }

  /** Emits one of the shared channel events (subclasses narrow `Events`). */
  protected fire<E extends keyof ChannelEvents>(event: E, ...args: Parameters<ChannelEvents[E]>): void {
    (this.emit as unknown as Emit).call(this, event, ...args);
  }

  #receive(value: unknown): void {
    this.stats.messagesIn++;
    if (!this.onMessage(value)) return;
    this.fire('message', value);
    if (this.#iterators.size === 0) return;
    for (const iterator of this.#iterators) {
      iterator.push(value);
      if (iterator.backlog >= this.#readHighWaterMark && !this.#readPaused) {
        this.#readPaused = true;
        this.#link?.pause();
      }
    }
  }

  #onIteratorPull = (): void => {
    if (!this.#readPaused) return;
    const low = this.#readHighWaterMark / 2;
    for (const iterator of this.#iterators) if (iterator.backlog > low) return;
    this.#readPaused = false;
    this.#link?.resume();
  };

  #onIteratorReturn = (iterator: MessageIterator): void => {
    this.#iterators.delete(iterator);
    this.#onIteratorPull();
  };

  #onMalformed(link: Link, error: ProjError): void {
    this.stats.malformed++;
    this.fire('malformed', error);
    if (this.#closeOnMalformed && this.#link === link) {
      this.#linkClosing = 'malformed';
      this.#malformedError = error;
      link.destroy(error);
    }
  }

  #malformedError: ProjError | undefined;

  #flush = (): void => {
    this.#flushScheduled = false;
    const link = this.#link;
    if (link === undefined || this.#blocked || this.#linkClosing !== undefined) return;
    if (this.#queue.length > 0) this.#write(link);
    if (!this.#blocked && this.#needDrain) {
      this.#needDrain = false;
      this.fire('drain');
    }
    if (this.#isFlushed()) this.#settleFlushWaiters();
  };

  #write(link: Link): void {
    const batch: InflightBatch = { ...this.#queue.take(), confirmed: false };
    this.stats.messagesOut += batch.messages;
    this.stats.bytesOut += batch.bytes;
    this.stats.writes++;
    const inflight = this.#inflight;
    inflight.push(batch);
    const written = link.write(batch.data, (error) => {
      if (error !== undefined && error !== null) return; // stays unconfirmed: handled at close
      batch.confirmed = true;
      while (inflight.length > 0 && inflight[0]!.confirmed) inflight.shift();
    });
    if (!written) this.#blocked = true;
  }

  /**
   * Batches the dying link never accepted go back to the front of the queue (uncounted as sent):
   * a client sends them on its next connection, a peer reports them as dropped. Bytes the
   * transport did accept before a reset may still be lost: TCP gives no delivery receipt.
   */
  #recoverUnconfirmed(): void {
    const unconfirmed: Batch[] = [];
    for (const batch of this.#inflight) {
      if (batch.confirmed) continue;
      unconfirmed.push({ data: batch.data, bytes: batch.bytes, messages: batch.messages });
      this.stats.messagesOut -= batch.messages;
      this.stats.bytesOut -= batch.bytes;
    }
    this.#inflight = [];
    this.#queue.requeue(unconfirmed);
  }

  #isFlushed(): boolean {
    return this.#queue.length === 0 && !this.#blocked;
  }

  #settleFlushWaiters(): void {
    const waiters = this.#flushWaiters;
    if (waiters.length === 0) return;
    this.#flushWaiters = [];
    const ok = this.#isFlushed();
    for (const waiter of waiters) {
      if (ok) waiter.resolve();
      else waiter.reject(new ProjError(ErrorCode.CLOSED, `${this.id} closed with unsent messages`, { details: { connection: this.id } }));
    }
  }

  #onLinkClose(link: Link, decoder: NdjsonDecoder, info: LinkCloseInfo): void {
    if (this.#link !== link) return;
    // A graceful close ends the stream: a last line without its newline is still a line
    // (`printf '{"a":1}' | nc` must deliver it). After an abrupt close it is a fragment.
    if (info.graceful) decoder.flush();
    else decoder.reset();
    const local = this.#linkClosing;
    this.#recoverUnconfirmed();
    this.#link = undefined;
    this.#linkClosing = undefined;
    this.#blocked = false;
    let disconnect: DisconnectInfo;
    if (local === 'malformed') disconnect = { reason: 'malformed', ...(this.#malformedError ? { error: this.#malformedError } : {}) };
    else if (local !== undefined) disconnect = { reason: local };
    else if (info.graceful) disconnect = { reason: 'remote-end' };
    else disconnect = classifyAbrupt(info.error);
    this.#malformedError = undefined;
    this.linkClosed(disconnect);
  }
}

interface InflightBatch extends Batch {
  confirmed: boolean;
}

function classifyAbrupt(error: Error | undefined): DisconnectInfo {
  if (error === undefined) return { reason: 'remote-reset' };
  const projError = error instanceof ProjError ? error : new ProjError(ErrorCode.TRANSPORT, error.message, { cause: error });
  return { reason: projError.code === ErrorCode.CONNECTION_RESET ? 'remote-reset' : 'error', error: projError };
}
