/**
 * The channel: what a server-side peer and a client share. It binds a link to NDJSON framing,
 * coalesces sends into one write per tick (on a byte stream, the replies to an incoming chunk:
 * one write once it is decoded), applies backpressure in both directions, keeps
 * counters, and (opt-in) watches liveness. Subclasses decide what a closed link means (a peer is
 * gone; a client reconnects).
 */
import type { ChannelEvents, ChannelOptions, ChannelStats, DisconnectInfo, DisconnectReason } from './channel-types.js';
import { clockNow, fromClock } from './clock.js';
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { Inflight } from './inflight.js';
import { MessageIterator } from './message-iterator.js';
import { DEFAULT_MAX_LINE_BYTES, NdjsonDecoder } from './ndjson-decoder.js';
import { encodeLine } from './ndjson-encoder.js';
import type { ConnectionState } from './reconnect-engine.js';
import { SendQueue, checkQueueLimits, type DroppedInfo } from './send-queue.js';
import type { Link, LinkCloseInfo, LinkHandlers } from './transport.js';
import { TypedEmitter, type EventMap } from './typed-emitter.js';

export type { ChannelEvents, ChannelOptions, ChannelStats, DisconnectInfo, DisconnectReason } from './channel-types.js';
/** Connection states (a peer is only ever `open` or `closed`; a client goes through all of them). */
export type { ConnectionState };

type Emit = (event: string, ...args: unknown[]) => boolean;
type EmitOne = (event: string, arg: unknown) => boolean;

const nextTick: ((fn: (channel: Channel) => void, channel: Channel) => void) | undefined =
  typeof globalThis.process?.nextTick === 'function' ? process.nextTick : undefined;

/** The channel whose incoming chunk is being decoded: its sends go out when the chunk is done. */
let receiving: Channel | undefined;

/** {@link ChannelOptions} resolved and validated. */
interface ChannelConfig {
  readonly queueLimits: ChannelOptions;
  readonly maxLineBytes: number;
  readonly highWaterMark: number;
  readonly readHighWaterMark: number;
  readonly closeOnMalformed: boolean;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
}

/** One resolved config per options object: a server passes the same one to each of its peers. */
const configs = new WeakMap<ChannelOptions, ChannelConfig>();

/**
 * Resolves and validates channel options once per options object: the five option fields of
 * every peer were 40 B of each idle connection (bench "memory per idle connection").
 * @throws ProjError `PROJ_ERR_INVALID_OPTION` for an invalid option.
 */
function configOf(options: ChannelOptions): ChannelConfig {
  const cached = configs.get(options);
  if (cached !== undefined) return cached;
  checkQueueLimits(options);
  const config: ChannelConfig = Object.freeze({
    queueLimits: options,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    highWaterMark: options.highWaterMark ?? 64 * 1024,
    readHighWaterMark: options.readHighWaterMark ?? 1024,
    closeOnMalformed: options.closeOnMalformed ?? false,
    heartbeatInterval: options.heartbeatInterval ?? 0,
    heartbeatTimeout: options.heartbeatTimeout ?? 0,
  });
  checkNumber('maxLineBytes', config.maxLineBytes, 1);
  checkNumber('highWaterMark', config.highWaterMark, 0);
  checkNumber('readHighWaterMark', config.readHighWaterMark, 1);
  checkNumber('heartbeatInterval', config.heartbeatInterval, 0);
  checkNumber('heartbeatTimeout', config.heartbeatTimeout, 0);
  configs.set(options, config);
  return config;
}

// Bits of `Channel.#flags`.
/** A flush is due at the next tick, or at the end of the chunk being decoded. */
const FLUSH_SCHEDULED = 1;
/** The link refused the last write (backpressure) and has not drained since. */
const BLOCKED = 2;
/** A `send()` returned false: a `drain` event is owed. */
const NEED_DRAIN = 4;
/** Closed for good: no more sends, iterators or flush waiters. */
const FINISHED = 8;
/** A lagging iterator holds reading. */
const ITERATOR_HOLD = 16;

/** The state of a channel that is iterated, held, awaited or watched by a heartbeat: most never are. */
interface RareState {
  iterators: Set<MessageIterator> | undefined;
  /** Reasons reading is paused: paused while > 0. */
  readHolds: number;
  /** When reading last resumed after a hold ({@link clockNow} offset): the heartbeat counts silence from there. */
  resumedAt: number;
  flushWaiters: Array<{ resolve: () => void; reject: (err: ProjError) => void }> | undefined;
  /** Only when heartbeatInterval or heartbeatTimeout is set: most channels never need one. */
  heartbeat: Heartbeat | undefined;
}

/** Shared mechanics of {@link Peer} and {@link Client}. Not constructed directly. */
export abstract class Channel<Events extends EventMap<Events> & ChannelEvents = ChannelEvents> extends TypedEmitter<Events> {
  // Made with the first counted event or read: a connection that has neither sent nor received
  // anything, heartbeats included, holds no counters (80 B, bench "memory per idle connection").
  #stats: ChannelStats | undefined;
  /** Identifier used in error details and diagnostics. */
  abstract readonly id: string;
  /** Current connection state. */
  abstract readonly state: ConnectionState;

  #link: Link | undefined;
  /** Set when this side started closing the current link: the disconnect it will report. */
  #closing: DisconnectInfo | undefined;
  /** {@link clockNow} offsets. */
  #lastActivity = clockNow();
  #lastMessageAt = clockNow();
  // The queue and the in-flight tracker are made by the first send: a connection that has never
  // been written to holds neither (~150 B, bench "memory per idle connection").
  #queue: SendQueue | undefined;
  #inflight: Inflight | undefined;
  /** Resolved options, shared by every channel made from the same options object (a server's peers). */
  readonly #config: ChannelConfig;
  // Five booleans in one number (FLUSH_SCHEDULED, …): four fields fewer per connection (bench
  // "memory per idle connection").
  #flags = 0;
  // Iterators, read holds, flush waiters and the heartbeat: made by the first of them, as most
  // channels never have any (bench "memory per idle connection").
  #rare: RareState | undefined;

  constructor(options: ChannelOptions = {}) {
    super();
    const config = configOf(options);
    this.#config = config;
    const { heartbeatInterval: interval, heartbeatTimeout: timeout } = config;
    if (interval !== 0 || timeout !== 0) this.#rareState().heartbeat = new Heartbeat(interval, timeout, {
      // While reading is held (a slow consumer), the peer's data and heartbeats wait unread in the
      // kernel: no verdict then, and afterwards the silence counts from the resume.
      lastReceived: () => (this.#readHolds > 0 ? Date.now() : fromClock(Math.max(this.#lastActivity, this.#rare?.resumedAt ?? 0))),
      ping: () => this.#ping(),
      dead: (silentFor) => {
        const error = new ProjError(ErrorCode.HEARTBEAT_TIMEOUT, `nothing received from ${this.id} for ${silentFor} ms`, { details: { connection: this.id, silentFor } });
        this.destroyLink('heartbeat-timeout', error);
      },
    });
  }

  #has(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  #set(flag: number, on: boolean): void {
    this.#flags = on ? this.#flags | flag : this.#flags & ~flag;
  }

  /** Reasons reading is paused (a lagging iterator, a pending authentication): paused while > 0. */
  get #readHolds(): number {
    return this.#rare?.readHolds ?? 0;
  }

  #rareState(): RareState {
    return (this.#rare ??= { iterators: undefined, readHolds: 0, resumedAt: 0, flushWaiters: undefined, heartbeat: undefined });
  }

  /** Counters; read them any time. The same object on every read, updated in place. */
  get stats(): ChannelStats {
    return (this.#stats ??= { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, dropped: 0, writes: 0 });
  }

  /** @internal The counters if anything was counted or read, without making them (a server sums its peers'). */
  static statsIfMade(channel: Channel): Readonly<ChannelStats> | undefined {
    return channel.#stats;
  }

  /** When data (messages or heartbeats) last arrived from the peer (ms since the epoch). */
  get lastActivity(): number {
    return fromClock(this.#lastActivity);
  }

  /** When a message last arrived from the peer (ms since the epoch); heartbeats do not count. */
  get lastMessageAt(): number {
    return fromClock(this.#lastMessageAt);
  }

  /** Messages queued and not yet handed to the transport. */
  get queuedMessages(): number {
    return this.#queue?.length ?? 0;
  }

  /** Bytes queued and not yet handed to the transport. */
  get queuedBytes(): number {
    return this.#queue?.bytes ?? 0;
  }

  /** The current link, if connected. */
  protected get link(): Link | undefined {
    return this.#link;
  }

  /**
   * Sends one JSON value. Encoding happens now: an unencodable value throws `PROJ_ERR_ENCODE`
   * and nothing is queued. Writes are coalesced: every `send()` in one tick becomes one write;
   * on a byte stream (tcp, unix) the sends made while an incoming chunk is handled (the replies
   * to it) go out together as soon as it is decoded, so a tick writes once per chunk it read.
   * Returns `false` when the queue is above `highWaterMark` or the transport is applying
   * backpressure: wait for the `drain` event (or `await flushed()`) before sending more.
   * Throws `PROJ_ERR_QUEUE_FULL` when the queue is full under the `reject` policy, and
   * `PROJ_ERR_CLOSED` after the channel closed.
   */
  send(value: unknown): boolean {
    if (this.#has(FINISHED)) throw new ProjError(ErrorCode.CLOSED, `cannot send: ${this.id} is closed`, { details: { connection: this.id } });
    return this.sendLine(encodeLine(value));
  }

  /**
   * Resolves once everything sent so far has been handed to the transport and the transport is
   * not applying backpressure. Rejects with `PROJ_ERR_CLOSED` if the channel closes first.
   */
  flushed(): Promise<void> {
    if (this.#isFlushed()) return Promise.resolve();
    if (this.#has(FINISHED)) return Promise.reject(new ProjError(ErrorCode.CLOSED, `${this.id} closed with unsent messages`));
    return new Promise((resolve, reject) => (this.#rareState().flushWaiters ??= []).push({ resolve, reject }));
  }

  /** Iterates over incoming messages until the channel closes. A slow consumer pauses reading. */
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    const iterator = new MessageIterator(
      () => this.#onIteratorPull(),
      (it) => this.#onIteratorReturn(it),
    );
    if (this.#has(FINISHED)) iterator.finish();
    else (this.#rareState().iterators ??= new Set()).add(iterator);
    return iterator;
  }

  /** Queues an encoded line (used by `send()` and by a registry broadcast that encodes once). */
  protected sendLine(line: string): boolean {
    const queue = (this.#queue ??= new SendQueue(this.#config.queueLimits));
    const dropped = queue.push(line, this.id);
    if (dropped !== undefined) this.reportDropped(dropped);
    if (this.#link !== undefined && !this.#has(BLOCKED) && !this.#has(FLUSH_SCHEDULED)) {
      this.#set(FLUSH_SCHEDULED, true);
      // A reply to what just arrived is written at the end of that chunk, as a hand-written
      // server would: no trip through the tick queue per chunk (bench "tcp RTT").
      if (receiving !== (this as unknown as Channel)) this.#scheduleFlush();
    }
    if (this.#has(BLOCKED) || queue.atLeast(this.#config.highWaterMark)) {
      this.#set(NEED_DRAIN, true);
      return false;
    }
    return true;
  }

  /** Binds a freshly established link. */
  protected attachLink(link: Link): void {
    this.#link = link;
    this.#closing = undefined;
    this.#set(BLOCKED, false);
    this.#lastActivity = clockNow();
    const handlers = new Channel.#LinkBinding(this as unknown as Channel, link);
    link.attach(handlers);
    if (this.#readHolds > 0) link.pause();
    this.#rare?.heartbeat?.start();
    if (this.#queued() && !this.#has(FLUSH_SCHEDULED)) {
      this.#set(FLUSH_SCHEDULED, true);
      this.#scheduleFlush();
    }
  }

  /**
   * The handlers of one link: one small object whose methods live on the prototype, instead of an
   * object, three closures and their context per link (~0.2 KiB of each idle connection's heap,
   * bench "memory per idle connection"). `link` tells a stale link's late events from the current one's.
   */
  static readonly #LinkBinding = class LinkBinding implements LinkHandlers {
    // Created with the first chunk: an idle connection holds no decoder (~0.5 KiB with its callbacks).
    decoder: NdjsonDecoder | undefined = undefined;
    readonly channel: Channel;
    readonly link: Link;

    constructor(channel: Channel, link: Link) {
      this.channel = channel;
      this.link = link;
    }

    onData(chunk: Uint8Array | string): void {
      this.channel.#onLinkData(this, chunk);
    }

    onDrain(): void {
      const channel = this.channel;
      if (channel.#link !== this.link) return;
      channel.#set(BLOCKED, false);
      channel.#flush();
    }

    onClose(info: LinkCloseInfo): void {
      this.channel.#onLinkClose(this.link, this.decoder, info);
    }
  };

  #onLinkData(binding: { decoder: NdjsonDecoder | undefined; readonly link: Link }, chunk: Uint8Array | string): void {
    const link = binding.link;
    if (this.#link !== link) return;
    const now = clockNow();
    this.#lastActivity = now;
    this.stats.bytesIn += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    const before = this.stats.messagesIn;
    const decoder = (binding.decoder ??= new NdjsonDecoder({
      maxLineBytes: this.#config.maxLineBytes,
      connection: this.id,
      onValue: (value) => this.#receive(value),
      onError: (error) => this.#onMalformed(link, error),
    }));
    if (link.messageFramed === true) {
      // A frame, of the several one read may carry (WebSocket: a browser sends one message per
      // frame): the replies wait for the tick, to leave as one frame for all of them.
      decoder.push(chunk);
      decoder.flush();
      if (this.stats.messagesIn !== before) this.#lastMessageAt = now;
      return;
    }
    const outer = receiving;
    receiving = this as unknown as Channel;
    // A flush already due at the next tick takes this chunk's sends along.
    const due = this.#has(FLUSH_SCHEDULED);
    let decoded = false;
    try {
      decoder.push(chunk);
      decoded = true;
    } finally {
      receiving = outer;
      if (this.stats.messagesIn !== before) this.#lastMessageAt = now;
      // Sends made while the chunk was decoded wait for its end; after a listener threw, for the tick.
      if (this.#has(FLUSH_SCHEDULED) && !due) {
        if (decoded) this.#flush();
        else this.#scheduleFlush();
      }
    }
  }

  /** Called once per link when it has closed (`link`), after the channel has let go of it. */
  protected abstract linkClosed(info: DisconnectInfo, link: Link): void;

  /** Called for each message before `message` listeners and iterators see it; `false` withholds it from them. */
  protected onMessage(_value: unknown): boolean {
    return true;
  }

  /**
   * Gracefully closes the current link: queued messages are written first (ignoring
   * backpressure: the transport buffers them and sends them before its FIN).
   */
  protected endLink(reason: DisconnectReason = 'local-end', error?: ProjError): void {
    const link = this.#link;
    if (link === undefined || this.#closing !== undefined) return;
    this.#closing = error === undefined ? { reason } : { reason, error };
    if (this.#queued()) this.#write(link);
    link.end();
  }

  /** Abruptly closes the current link; queued messages stay queued (a client may resend them). */
  protected destroyLink(reason: DisconnectReason = 'local-destroy', error?: ProjError): void {
    const link = this.#link;
    if (link === undefined) return;
    // An abrupt close overrides a graceful one in progress (its reason is the more telling one).
    if (this.#closing === undefined || this.#closing.reason === 'local-end') this.#closing = error === undefined ? { reason } : { reason, error };
    link.destroy(error);
  }

  /** Pauses reading until a matching {@link Channel.releaseReading}; holds nest. */
  protected holdReading(): void {
    if (this.#rareState().readHolds++ === 0) this.#link?.pause();
  }

  /** Releases one {@link Channel.holdReading}. */
  protected releaseReading(): void {
    const rare = this.#rare;
    if (rare !== undefined && rare.readHolds > 0 && --rare.readHolds === 0) {
      rare.resumedAt = clockNow();
      this.#link?.resume();
    }
  }

  /** Reports queued messages that will never be sent, and empties the queue. */
  protected dropQueued(why: string): void {
    if (!this.#queued()) return;
    const { messages, bytes } = this.#queue!.clear();
    this.reportDropped({ messages, bytes, error: new ProjError(ErrorCode.DROPPED, `${messages} unsent message(s) dropped: ${why}`, { details: { connection: this.id, messages, bytes } }) });
  }

  /** Called before `dropped` or `malformed` listeners run (a peer tells its server); no-op here. */
  protected reportToOwner(_event: 'dropped', _info: DroppedInfo): void;
  protected reportToOwner(_event: 'malformed', _error: ProjError): void;
  protected reportToOwner(_event: 'dropped' | 'malformed', _arg: DroppedInfo | ProjError): void {}

  /** Counts and emits a `dropped` event. */
  protected reportDropped(info: DroppedInfo): void {
    this.stats.dropped += info.messages;
    this.reportToOwner('dropped', info);
    this.fire('dropped', info);
  }

  /** Ends async iteration and rejects `flushed()` waiters: the channel is closed for good. */
  protected finish(): void {
    if (this.#has(FINISHED)) return;
    this.#set(FINISHED, true);
    const rare = this.#rare;
    if (rare !== undefined) {
      rare.heartbeat?.stop();
      for (const iterator of rare.iterators ?? []) iterator.finish();
      rare.iterators = undefined;
    }
    this.#settleFlushWaiters();
  }

  /** Emits one of the shared channel events (subclasses narrow `Events`). */
  protected fire<E extends keyof ChannelEvents>(event: E, ...args: Parameters<ChannelEvents[E]>): void {
    (this.emit as unknown as Emit).call(this, event, ...args);
  }

  #receive(value: unknown): void {
    this.stats.messagesIn++;
    if (!this.onMessage(value)) return;
    // One listener lookup, no rest-argument array: most server peers have no `message` listener
    // (the server's handler gets the message), and a client's usually has one (bench "tcp RTT").
    (this.emitOne as unknown as EmitOne).call(this, 'message', value);
    const iterators = this.#rare?.iterators;
    if (iterators === undefined || iterators.size === 0) return;
    for (const iterator of iterators) {
      iterator.push(value);
      if (iterator.backlog >= this.#config.readHighWaterMark && !this.#has(ITERATOR_HOLD)) {
        this.#set(ITERATOR_HOLD, true);
        this.holdReading();
      }
    }
  }

  // Methods, not arrow fields: callbacks are made per iterator, so a channel nobody iterates holds none.
  #onIteratorPull(): void {
    if (!this.#has(ITERATOR_HOLD)) return;
    const low = this.#config.readHighWaterMark / 2;
    for (const iterator of this.#rare?.iterators ?? []) if (iterator.backlog > low) return;
    this.#set(ITERATOR_HOLD, false);
    this.releaseReading();
  }

  #onIteratorReturn(iterator: MessageIterator): void {
    this.#rare?.iterators?.delete(iterator);
    this.#onIteratorPull();
  }

  #onMalformed(link: Link, error: ProjError): void {
    this.stats.malformed++;
    this.reportToOwner('malformed', error);
    this.fire('malformed', error);
    if (this.#config.closeOnMalformed && this.#link === link) this.destroyLink('malformed', error);
  }

  // The tick callback is shared and gets the channel as an argument: a bound `#flush` arrow was
  // one more closure per connection (bench "memory per idle connection").
  #scheduleFlush(): void {
    if (nextTick !== undefined) nextTick(Channel.#flushTick, this as unknown as Channel);
    else queueMicrotask(() => this.#flush());
  }

  static #flushTick(channel: Channel): void {
    channel.#flush();
  }

  #flush(): void {
    this.#set(FLUSH_SCHEDULED, false);
    const link = this.#link;
    if (link === undefined || this.#has(BLOCKED) || this.#closing !== undefined) return;
    if (this.#queued()) this.#write(link);
    if (!this.#has(BLOCKED) && this.#has(NEED_DRAIN)) {
      this.#set(NEED_DRAIN, false);
      this.fire('drain');
    }
    if (this.#isFlushed()) this.#settleFlushWaiters();
  }

  #write(link: Link): void {
    const batch = this.#queue!.take();
    this.stats.messagesOut += batch.messages;
    this.stats.bytesOut += batch.bytes;
    this.stats.writes++;
    this.#rare?.heartbeat?.sent();
    if (!link.write(batch.data, (this.#inflight ??= new Inflight()).track(batch))) this.#set(BLOCKED, true);
  }

  /** A blank line: every NDJSON reader skips it. Not sent when data is pending anyway. */
  #ping(): void {
    const link = this.#link;
    if (link === undefined || this.#has(BLOCKED) || this.#closing !== undefined || this.#queued()) return;
    this.stats.bytesOut += 1;
    if (!link.write('\n')) this.#set(BLOCKED, true);
  }

  /**
   * Batches the dying link never accepted go back to the front of the queue (uncounted as sent):
   * a client sends them on its next connection, a peer reports them as dropped. Bytes the
   * transport did accept before a reset may still be lost: TCP gives no delivery receipt.
   */
  #recoverUnconfirmed(): void {
    const unconfirmed = this.#inflight?.takeUnconfirmed();
    if (unconfirmed === undefined || unconfirmed.length === 0) return;
    for (const batch of unconfirmed) {
      this.stats.messagesOut -= batch.messages;
      this.stats.bytesOut -= batch.bytes;
    }
    this.#queue!.requeue(unconfirmed);
  }

  #isFlushed(): boolean {
    return !this.#queued() && !this.#has(BLOCKED);
  }

  /** Whether messages are queued. */
  #queued(): boolean {
    return this.#queue !== undefined && this.#queue.length > 0;
  }

  #settleFlushWaiters(): void {
    const rare = this.#rare;
    const waiters = rare?.flushWaiters;
    if (rare === undefined || waiters === undefined || waiters.length === 0) return;
    rare.flushWaiters = undefined;
    const ok = this.#isFlushed();
    for (const waiter of waiters) {
      if (ok) waiter.resolve();
      else waiter.reject(new ProjError(ErrorCode.CLOSED, `${this.id} closed with unsent messages`, { details: { connection: this.id } }));
    }
  }

  #onLinkClose(link: Link, decoder: NdjsonDecoder | undefined, info: LinkCloseInfo): void {
    if (this.#link !== link) return;
    // A graceful close ends the stream: a last line without its newline is still a line
    // (`printf '{"a":1}' | nc` must deliver it). After an abrupt close it is a fragment.
    if (info.graceful) decoder?.flush();
    else decoder?.reset();
    this.#rare?.heartbeat?.stop();
    this.#recoverUnconfirmed();
    const closing = this.#closing;
    this.#link = undefined;
    this.#closing = undefined;
    this.#set(BLOCKED, false);
    this.linkClosed(closing ?? (info.graceful ? { reason: 'remote-end' } : classifyAbrupt(info.error)), link);
  }
}

function classifyAbrupt(error: Error | undefined): DisconnectInfo {
  if (error === undefined) return { reason: 'remote-reset' };
  const projError = error instanceof ProjError ? error : new ProjError(ErrorCode.TRANSPORT, error.message, { cause: error });
  const reason: DisconnectReason =
    projError.code === ErrorCode.CONNECTION_RESET ? 'remote-reset' : projError.code === ErrorCode.HEARTBEAT_TIMEOUT ? 'heartbeat-timeout' : 'error';
  return { reason, error: projError };
}
