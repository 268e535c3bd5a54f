/**
 * The channel: what a server-side peer and a client share. It binds a link to NDJSON framing,
 * coalesces sends into one write per tick (on a byte stream, the replies to an incoming chunk:
 * one write once it is decoded, and so for the frame that ends a read on a link that tells
 * (`lastFrameOfRead`, ws) when no other frame's replies wait for the tick; on a link with
 * `asyncDelivery`, sends that may fill `highWaterMark` are written as they do; on a link with
 * `maxWriteBytes`, a batch above it is written in parts), applies backpressure in both
 * directions, keeps counters, and (opt-in) watches liveness. Subclasses decide what a closed link
 * means (a peer is gone; a client reconnects).
 */
import type { ChannelEvents, ChannelOptions, ChannelStats, DisconnectInfo, DisconnectReason } from './channel-types.js';
import { clockNow, fromClock } from './clock.js';
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { MessageIterator } from './message-iterator.js';
import { DEFAULT_MAX_LINE_BYTES, NdjsonDecoder } from './ndjson-decoder.js';
import { encodeLine } from './ndjson-encoder.js';
import type { ConnectionState } from './reconnect-engine.js';
import { SendQueue, checkQueueLimits, splitBatch, type Batch, type DroppedInfo } from './send-queue.js';
import type { Link, LinkCloseInfo, LinkHandlers } from './transport.js';
import { TypedEmitter, type EventMap } from './typed-emitter.js';

export type { ChannelEvents, ChannelOptions, ChannelStats, DisconnectInfo, DisconnectReason } from './channel-types.js';
/** Connection states (a peer is only ever `open` or `closed`; a client goes through all of them). */
export type { ConnectionState };

type Emit = (event: string, ...args: unknown[]) => boolean;
/** A channel of any event map: what the static helpers below take (`Channel<Events>` is not assignable to `Channel`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyChannel = Channel<any>;
type EmitOne = (event: string, arg: unknown) => boolean;

const nextTick: ((fn: (channel: AnyChannel) => void, channel: AnyChannel) => void) | undefined =
  typeof globalThis.process?.nextTick === 'function' ? process.nextTick : undefined;

/** The channel whose incoming chunk is being decoded: its sends go out when the chunk is done. */
let receiving: AnyChannel | undefined;

/** {@link ChannelOptions} resolved and validated. */
interface ChannelConfig {
  readonly queueLimits: ChannelOptions;
  readonly maxLineBytes: number;
  readonly highWaterMark: number;
  readonly readHighWaterMark: number;
  readonly closeOnMalformed: boolean;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  /** What the channel's subclass was given to report to (a server's hooks for its peers), shared by its channels. */
  readonly owner: object | undefined;
}

/** One resolved config per owner, or per options object without one: a server passes the same ones to each of its peers. */
const configs = new WeakMap<object, ChannelConfig>();

/**
 * Resolves and validates channel options once per options object: the five option fields of
 * every peer were 40 B of each idle connection (bench "memory per idle connection").
 * @throws ProjError `PROJ_ERR_INVALID_OPTION` for an invalid option.
 */
function configOf(options: ChannelOptions, owner: object | undefined): ChannelConfig {
  const key = owner ?? options;
  const cached = configs.get(key);
  if (cached !== undefined && cached.queueLimits === options) return cached;
  checkQueueLimits(options);
  const config: ChannelConfig = Object.freeze({
    queueLimits: options,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    highWaterMark: options.highWaterMark ?? 64 * 1024,
    readHighWaterMark: options.readHighWaterMark ?? 1024,
    closeOnMalformed: options.closeOnMalformed ?? false,
    heartbeatInterval: options.heartbeatInterval ?? 0,
    heartbeatTimeout: options.heartbeatTimeout ?? 0,
    owner,
  });
  checkNumber('maxLineBytes', config.maxLineBytes, 1);
  checkNumber('highWaterMark', config.highWaterMark, 0);
  checkNumber('readHighWaterMark', config.readHighWaterMark, 1);
  checkNumber('heartbeatInterval', config.heartbeatInterval, 0);
  checkNumber('heartbeatTimeout', config.heartbeatTimeout, 0);
  configs.set(key, config);
  return config;
}

/**
 * Fewest queued bytes written before the end of their chunk or tick (see `sendLine`): a small
 * `highWaterMark` still coalesces this much into one write.
 */
const EARLY_WRITE_BYTES = 8192;

/**
 * Most bytes of lines coalesced into one write on a link with `maxWriteBytes` (a WebSocket), even
 * when its limit is higher: the default `maxPayload` of `ws()` (1 MiB + 64 KiB), so that a peer
 * left at the default accepts every frame of several lines when this side raised its own limit to
 * receive bigger ones. A single line up to `maxWriteBytes` still goes, alone.
 */
const MAX_COALESCED_BYTES = DEFAULT_MAX_LINE_BYTES + 64 * 1024;

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
/** This side started closing the current link (`RareState.closing` says how). */
const CLOSING = 32;
/** The link reported its close and the handlers of its last line run: no early write, no `end()`. */
const LINK_GONE = 64;
/** Nothing has come from the other end on this link yet: written batches are kept, as it may still refuse the connection. */
const UNPROVEN = 128;
/** The link is let go and what it lost is being reported: its `linkClosed` (the `disconnect`) is still to come. */
const RELEASING = 256;
/** BLOCKED was set by a heartbeat ping and no batch was written since (cleared with BLOCKED, and by every batch written). */
const PING_BLOCKED = 512;

/** A `flushed()` promise waiting. */
interface FlushWaiter {
  resolve: () => void;
  reject: (err: ProjError) => void;
  /** Nothing was queued and only a heartbeat ping held the link back: it waits on no message (until a reset puts back ones written before it), and no message dropped fails it. */
  pingOnly: boolean;
  /** The last batch written and still tracked when it was made: a reset that puts it back puts back what it waits on. */
  lastWritten: Batch | undefined;
}

/** The state of a channel that is iterated, held, awaited or watched by a heartbeat: most never are. */
interface RareState {
  iterators: Set<MessageIterator> | undefined;
  /** Reasons reading is paused: paused while > 0. */
  readHolds: number;
  /** When reading last resumed after a hold ({@link clockNow} offset): the heartbeat counts silence from there. */
  resumedAt: number;
  flushWaiters: FlushWaiter[] | undefined;
  /** Only when heartbeatInterval or heartbeatTimeout is set: most channels never need one. */
  heartbeat: Heartbeat | undefined;
  /** Set (with the CLOSING flag) when this side started closing the current link: the disconnect it will report. */
  closing: DisconnectInfo | undefined;
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
  /** {@link clockNow} offsets. */
  #lastActivity = clockNow();
  #lastMessageAt = clockNow();
  // Made by the first send, with the batches in flight that it tracks: a connection that has never
  // been written to holds none (~150 B, bench "memory per idle connection").
  #queue: SendQueue | undefined;
  /** Resolved options, shared by every channel made from the same options object and owner (a server's peers). */
  readonly #config: ChannelConfig;
  // The booleans in one number (FLUSH_SCHEDULED, …): one field instead of one each per connection
  // (bench "memory per idle connection").
  #flags = 0;
  // Iterators, read holds, flush waiters, the heartbeat and the closing in progress: made by the
  // first of them, as most channels never have any (bench "memory per idle connection").
  #rare: RareState | undefined;

  /**
   * @param options Resolved once per options object (or per `owner`) and shared.
   * @param owner What the subclass reports to, kept in the shared config rather than in every
   *   channel (a server's hooks: one field less per peer, bench "memory per idle connection").
   */
  constructor(options: ChannelOptions = {}, owner?: object) {
    super();
    const config = configOf(options, owner);
    this.#config = config;
    const { heartbeatInterval: interval, heartbeatTimeout: timeout } = config;
    if (interval !== 0 || timeout !== 0) Channel.#rareState(this).heartbeat = new Heartbeat(interval, timeout, {
      // While reading is held (a slow consumer), the peer's data and heartbeats wait unread in the
      // kernel: no verdict then, and afterwards the silence counts from the resume.
      lastReceived: () => (Channel.#readHolds(this) > 0 ? Date.now() : fromClock(Math.max(this.#lastActivity, this.#rare?.resumedAt ?? 0))),
      ping: () => Channel.#ping(this),
      dead: (silentFor) => {
        const error = new ProjError(ErrorCode.HEARTBEAT_TIMEOUT, `nothing received from ${this.id} for ${silentFor} ms`, { details: { connection: this.id, silentFor } });
        this.destroyLink('heartbeat-timeout', error);
      },
    });
  }

  // The private helpers are static and take the channel: a private instance method puts a class
  // brand in every instance (8 B per connection, bench "memory per idle connection").

  /** Whether any of the bits of `flags` is set. */
  static #has(channel: AnyChannel, flags: number): boolean {
    return (channel.#flags & flags) !== 0;
  }

  static #set(channel: AnyChannel, flag: number, on: boolean): void {
    channel.#flags = on ? channel.#flags | flag : channel.#flags & ~flag;
  }

  /** Reasons reading is paused (a lagging iterator, a pending authentication): paused while > 0. */
  static #readHolds(channel: AnyChannel): number {
    return channel.#rare?.readHolds ?? 0;
  }

  static #rareState(channel: AnyChannel): RareState {
    return (channel.#rare ??= { iterators: undefined, readHolds: 0, resumedAt: 0, flushWaiters: undefined, heartbeat: undefined, closing: undefined });
  }

  /** Counters; read them any time. The same object on every read, updated in place. */
  get stats(): ChannelStats {
    return (this.#stats ??= { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, dropped: 0, writes: 0 });
  }

  /** @internal The counters if anything was counted or read, without making them (a server sums its peers'). */
  static statsIfMade(channel: AnyChannel): Readonly<ChannelStats> | undefined {
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

  /** What the constructor was given as `owner`. */
  protected get owner(): object | undefined {
    return this.#config.owner;
  }

  /** The current link, if connected. */
  protected get link(): Link | undefined {
    return this.#link;
  }

  /** True while a closed link's losses are reported (`dropped` listeners run), before its `linkClosed`. */
  protected get releasingLink(): boolean {
    return Channel.#has(this, RELEASING);
  }

  /**
   * Sends one JSON value. Encoding happens now: an unencodable value throws `PROJ_ERR_ENCODE`
   * and nothing is queued. Writes are coalesced: every `send()` in one tick becomes one write (in parts within a WebSocket's `maxPayload`);
   * on a byte stream (tcp, unix) the sends made while an incoming chunk is handled (the replies
   * to it) go out together as soon as it is decoded, so a tick writes once per chunk it read; over
   * ws, so do the replies to the frame that ends a read when no other frame's replies wait for
   * the tick (a read of several frames is answered at the tick).
   * Sends that may queue `highWaterMark` bytes (a third of it in UTF-16 units, and 8 KiB at
   * least) are written as soon as they do, so that the other end starts on them (on links with
   * `asyncDelivery`: tcp, unix, ws, memory).
   * Returns `false` when the queue is above `highWaterMark` or the transport is applying
   * backpressure: wait for the `drain` event (or `await flushed()`) before sending more.
   * Throws `PROJ_ERR_QUEUE_FULL` when the queue is full under the `reject` policy, and
   * `PROJ_ERR_CLOSED` after the channel closed.
   */
  send(value: unknown): boolean {
    Channel.#assertOpen(this);
    return this.sendLine(encodeLine(value));
  }

  /**
   * Resolves once everything sent so far has been handed to the transport and the transport is
   * not applying backpressure. Rejects with `PROJ_ERR_CLOSED` if the channel closes first, and
   * with `PROJ_ERR_DROPPED` if what it waited for was dropped (a client refused as unauthorized).
   * A wait on nothing but a heartbeat ping's backpressure waited on no message: a refusal that
   * drops messages resolves it instead.
   */
  flushed(): Promise<void> {
    if (Channel.#isFlushed(this)) return Promise.resolve();
    if (Channel.#has(this, FINISHED)) return Promise.reject(new ProjError(ErrorCode.CLOSED, `${this.id} closed with unsent messages`));
    const pingOnly = !Channel.#queued(this) && Channel.#has(this, PING_BLOCKED);
    const lastWritten = pingOnly ? this.#queue?.newestWritten : undefined;
    return new Promise((resolve, reject) => (Channel.#rareState(this).flushWaiters ??= []).push({ resolve, reject, pingOnly, lastWritten }));
  }

  /** Iterates over incoming messages until the channel closes. A slow consumer pauses reading. */
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    const iterator = new MessageIterator(
      () => Channel.#onIteratorPull(this),
      (it) => Channel.#onIteratorReturn(this, it),
    );
    if (Channel.#has(this, FINISHED)) iterator.finish();
    else (Channel.#rareState(this).iterators ??= new Set()).add(iterator);
    return iterator;
  }

  /** Queues an encoded line (used by `send()` and by a registry broadcast that encodes once). */
  protected sendLine(line: string): boolean {
    Channel.#assertOpen(this);
    const queue = (this.#queue ??= new SendQueue(this.#config.queueLimits));
    const dropped = queue.push(line, this);
    if (dropped !== undefined) this.reportDropped(dropped);
    const link = this.#link;
    if (link !== undefined && !Channel.#has(this, BLOCKED | FLUSH_SCHEDULED)) {
      Channel.#set(this, FLUSH_SCHEDULED, true);
      // A reply to what just arrived is written at the end of that chunk, as a hand-written
      // server would: no trip through the tick queue per chunk (bench "tcp RTT").
      if (receiving !== this) Channel.#scheduleFlush(this);
    }
    const highWaterMark = this.#config.highWaterMark;
    if (
      queue.mayReach(highWaterMark) &&
      queue.surelyReaches(EARLY_WRITE_BYTES) &&
      link !== undefined &&
      link.asyncDelivery === true &&
      !Channel.#has(this, BLOCKED | CLOSING | LINK_GONE)
    ) {
      // Where the queue may hold highWaterMark bytes (a third of it in UTF-16 units), it is
      // written now, without waiting for the end of the chunk or tick: the other end starts on
      // these lines while this one makes the rest, and the lines are not copied once more to be
      // measured (bench "tcp pipelined": ~1,000 replies per chunk, written in two parts, went from
      // 0.83-0.88x to 1.03x raw net's throughput). The queue is then empty, so `send()` still
      // answers exactly whether highWaterMark bytes are queued. Only on a link whose writes never
      // reach the other end before `write()` returns: on a synchronous in-process pair, the other
      // end's answer would come back inside this send, into a chunk still being decoded.
      Channel.#write(this, link);
    }
    if (Channel.#has(this, BLOCKED) || queue.atLeast(highWaterMark)) {
      Channel.#set(this, NEED_DRAIN, true);
      return false;
    }
    return true;
  }

  /**
   * Keeps what is written on the next link until {@link Channel.proven}, bounded by
   * `maxQueueBytes`: if the other end refuses the connection (its first line is a refusal), it
   * discarded those lines, and the close with reason `refused` puts them back in the queue.
   */
  protected holdUntilProven(): void {
    Channel.#set(this, UNPROVEN, true);
  }

  /** The other end accepted the connection: what was written on it is no longer kept. */
  protected proven(): void {
    if (!Channel.#has(this, UNPROVEN)) return;
    Channel.#set(this, UNPROVEN, false);
    this.#queue?.releaseHeld();
  }

  /** Binds a freshly established link. */
  protected attachLink(link: Link): void {
    this.#link = link;
    Channel.#setClosing(this, undefined);
    Channel.#set(this, BLOCKED | PING_BLOCKED, false);
    this.#lastActivity = clockNow();
    const handlers = new Channel.#LinkBinding(this, link);
    link.attach(handlers);
    // A link may report from inside attach() that it closed already: the channel let go of it.
    if (this.#link !== link) return;
    if (Channel.#readHolds(this) > 0) link.pause();
    this.#rare?.heartbeat?.start();
    // Also with nothing queued when a drain or a flush is owed: the flush reports them.
    if ((Channel.#queued(this) || Channel.#has(this, NEED_DRAIN) || this.#rare?.flushWaiters !== undefined) && !Channel.#has(this, FLUSH_SCHEDULED)) {
      Channel.#set(this, FLUSH_SCHEDULED, true);
      Channel.#scheduleFlush(this);
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

    constructor(channel: AnyChannel, link: Link) {
      this.channel = channel;
      this.link = link;
    }

    onData(chunk: Uint8Array | string): void {
      Channel.#onLinkData(this.channel, this, chunk);
    }

    onDrain(): void {
      const channel = this.channel;
      if (channel.#link !== this.link) return;
      Channel.#set(channel, BLOCKED | PING_BLOCKED, false);
      Channel.#flush(channel);
    }

    onClose(info: LinkCloseInfo): void {
      Channel.#onLinkClose(this.channel, this.link, this.decoder, info);
    }
  };

  static #onLinkData(channel: AnyChannel, binding: { decoder: NdjsonDecoder | undefined; readonly link: Link }, chunk: Uint8Array | string): void {
    const link = binding.link;
    if (channel.#link !== link) return;
    const now = clockNow();
    channel.#lastActivity = now;
    channel.stats.bytesIn += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    const before = channel.stats.messagesIn;
    const decoder = (binding.decoder ??= new NdjsonDecoder({
      maxLineBytes: channel.#config.maxLineBytes,
      // The channel itself: its id is read only for an error (a peer makes its id when first asked).
      connection: channel,
      onValue: (value) => Channel.#receive(channel, value),
      onError: (error) => Channel.#onMalformed(channel, link, error),
    }));
    const framed = link.messageFramed === true;
    if (framed && (link.lastFrameOfRead !== true || link.asyncDelivery !== true)) {
      // A frame, of the several one read may carry (WebSocket: a browser sends one message per
      // frame): the replies wait for the tick, to leave as one frame for all of them.
      Channel.#pushFrame(decoder, chunk);
      if (channel.stats.messagesIn !== before) channel.#lastMessageAt = now;
      return;
    }
    // A byte chunk, or the last frame of a read (the read's only one, unless a flush is due):
    // its replies are written at its end, with no trip through the tick queue (bench "tcp RTT",
    // "ws RTT").
    const outer = receiving;
    receiving = channel;
    // A flush already due at the next tick takes this chunk's sends along.
    const due = Channel.#has(channel, FLUSH_SCHEDULED);
    let decoded = false;
    try {
      if (framed) Channel.#pushFrame(decoder, chunk);
      else decoder.push(chunk);
      decoded = true;
    } finally {
      receiving = outer;
      if (channel.stats.messagesIn !== before) channel.#lastMessageAt = now;
      // Sends made while the chunk was decoded wait for its end; after a listener threw, for the tick.
      if (Channel.#has(channel, FLUSH_SCHEDULED) && !due) {
        if (decoded) Channel.#flush(channel);
        else Channel.#scheduleFlush(channel);
      }
    }
  }

  /** Decodes a whole frame: its end ends its last line, also when a listener threw. */
  static #pushFrame(decoder: NdjsonDecoder, frame: Uint8Array | string): void {
    try {
      decoder.push(frame);
    } catch (error) {
      // The frame's end still ends its line, or the decoder would go on discarding into the next
      // frame (the line after the throw is skipped, not the frame after).
      decoder.flush();
      throw error;
    }
    decoder.flush();
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
    // LINK_GONE: called from the handlers of the last line of a link the other end already closed.
    if (link === undefined || Channel.#has(this, CLOSING | LINK_GONE)) return;
    Channel.#setClosing(this, error === undefined ? { reason } : { reason, error });
    if (Channel.#queued(this)) Channel.#write(this, link);
    link.end();
  }

  /** Abruptly closes the current link; queued messages stay queued (a client may resend them). */
  protected destroyLink(reason: DisconnectReason = 'local-destroy', error?: ProjError): void {
    const link = this.#link;
    if (link === undefined) return;
    // An abrupt close overrides a graceful one in progress (its reason is the more telling one).
    const closing = this.#rare?.closing;
    if (closing === undefined || closing.reason === 'local-end') Channel.#setClosing(this, error === undefined ? { reason } : { reason, error });
    link.destroy(error);
  }

  /** Pauses reading until a matching {@link Channel.releaseReading}; holds nest. */
  protected holdReading(): void {
    if (Channel.#rareState(this).readHolds++ === 0) this.#link?.pause();
  }

  /** Releases one {@link Channel.holdReading}. */
  protected releaseReading(): void {
    const rare = this.#rare;
    if (rare !== undefined && rare.readHolds > 0 && --rare.readHolds === 0) {
      rare.resumedAt = clockNow();
      this.#link?.resume();
    }
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

  /**
   * Closes the channel for good: from here on a send throws `PROJ_ERR_CLOSED`, `flushed()`
   * waiters are rejected if messages are still queued, what is queued is reported through
   * `dropped` (`why`), and async iteration ends. In that order, so that a `dropped` listener that
   * sends gets an exception instead of queueing a message nobody will send or report.
   */
  protected finish(why: string): void {
    if (Channel.#has(this, FINISHED)) return;
    Channel.#set(this, FINISHED, true);
    Channel.#settleFlushWaiters(this);
    try {
      if (Channel.#queued(this)) {
        const { messages, bytes } = this.#queue!.clear();
        this.reportDropped(Channel.#dropped(this, messages, bytes, `unsent message(s) dropped: ${why}`));
      }
    } finally {
      // Even when a `dropped` listener threw (a send from it throws PROJ_ERR_CLOSED now).
      const rare = this.#rare;
      if (rare !== undefined) {
        rare.heartbeat?.stop();
        for (const iterator of rare.iterators ?? []) iterator.finish();
        rare.iterators = undefined;
      }
    }
  }

  /** Emits one of the shared channel events (subclasses narrow `Events`). */
  protected fire<E extends keyof ChannelEvents>(event: E, ...args: Parameters<ChannelEvents[E]>): void {
    (this.emit as unknown as Emit).call(this, event, ...args);
  }

  static #receive(channel: AnyChannel, value: unknown): void {
    channel.stats.messagesIn++;
    if (!channel.onMessage(value)) return;
    // One listener lookup, no rest-argument array: most server peers have no `message` listener
    // (the server's handler gets the message), and a client's usually has one (bench "tcp RTT").
    (channel.emitOne as unknown as EmitOne).call(channel, 'message', value);
    const iterators = channel.#rare?.iterators;
    if (iterators === undefined || iterators.size === 0) return;
    for (const iterator of iterators) {
      iterator.push(value);
      if (iterator.backlog >= channel.#config.readHighWaterMark && !Channel.#has(channel, ITERATOR_HOLD)) {
        Channel.#set(channel, ITERATOR_HOLD, true);
        channel.holdReading();
      }
    }
  }

  // Methods, not arrow fields: callbacks are made per iterator, so a channel nobody iterates holds none.
  static #onIteratorPull(channel: AnyChannel): void {
    if (!Channel.#has(channel, ITERATOR_HOLD)) return;
    const low = channel.#config.readHighWaterMark / 2;
    for (const iterator of channel.#rare?.iterators ?? []) if (iterator.backlog > low) return;
    Channel.#set(channel, ITERATOR_HOLD, false);
    channel.releaseReading();
  }

  static #onIteratorReturn(channel: AnyChannel, iterator: MessageIterator): void {
    channel.#rare?.iterators?.delete(iterator);
    Channel.#onIteratorPull(channel);
  }

  static #onMalformed(channel: AnyChannel, link: Link, error: ProjError): void {
    channel.stats.malformed++;
    channel.reportToOwner('malformed', error);
    channel.fire('malformed', error);
    if (channel.#config.closeOnMalformed && channel.#link === link) channel.destroyLink('malformed', error);
  }

  // The tick callback is shared and gets the channel as an argument: a bound `#flush` arrow was
  // one more closure per connection (bench "memory per idle connection").
  static #scheduleFlush(channel: AnyChannel): void {
    if (nextTick !== undefined) nextTick(Channel.#flushTick, channel);
    else queueMicrotask(() => Channel.#flush(channel));
  }

  static #flushTick(channel: AnyChannel): void {
    Channel.#flush(channel);
  }

  static #flush(channel: AnyChannel): void {
    Channel.#set(channel, FLUSH_SCHEDULED, false);
    const link = channel.#link;
    if (link === undefined || Channel.#has(channel, BLOCKED | CLOSING)) return;
    if (Channel.#queued(channel)) Channel.#write(channel, link);
    if (!Channel.#has(channel, BLOCKED) && Channel.#has(channel, NEED_DRAIN)) {
      Channel.#set(channel, NEED_DRAIN, false);
      channel.fire('drain');
    }
    if (Channel.#isFlushed(channel)) Channel.#settleFlushWaiters(channel);
  }

  static #write(channel: AnyChannel, link: Link): void {
    const queue = channel.#queue!;
    const batch = queue.take();
    const limit = link.maxWriteBytes;
    let thrown: unknown;
    let threw = false;
    if (limit === undefined || batch.bytes <= Math.min(limit, MAX_COALESCED_BYTES)) {
      try {
        Channel.#writeBatch(channel, link, queue, batch, false);
      } catch (cause) {
        [threw, thrown] = [true, cause];
      }
    } else {
      // Lines queued during backpressure or a disconnection: several chunks, each within the limit.
      let oversize: Batch[] | undefined;
      let orphans: Batch[] | undefined;
      for (const part of splitBatch(batch, Math.min(limit, MAX_COALESCED_BYTES))) {
        // One line over the limit: the peer would close the link on it, losing what follows it.
        if (part.bytes > limit) (oversize ??= []).push(part);
        // The link reported its close from inside write() (against the contract of
        // `maxWriteBytes`): the rest has no link to go with; reported, not lost.
        else if (channel.#link !== link) (orphans ??= []).push(part);
        else {
          // After a write threw, the rest is tracked without being written: it goes with it.
          try {
            Channel.#writeBatch(channel, link, queue, part, threw);
          } catch (cause) {
            [threw, thrown] = [true, cause];
          }
        }
      }
      // Reported once every part is written: a `dropped` listener that sends comes after them.
      if (oversize !== undefined) for (const part of oversize) Channel.#dropOversize(channel, link, part, limit);
      if (orphans !== undefined) Channel.#orphaned(channel, orphans);
    }
    if (threw) Channel.#linkThrew(channel, link, thrown);
  }

  /**
   * Parts of a batch left when the link reported its close from inside write() (against the
   * contract of `maxWriteBytes`): reported dropped, not put back, for the close has already run
   * (what it put back, and what listeners sent meanwhile, would be overtaken).
   */
  static #orphaned(channel: AnyChannel, orphans: Batch[]): void {
    const { messages, bytes } = totals(orphans);
    channel.reportDropped(Channel.#dropped(channel, messages, bytes, 'message(s) dropped: the link closed while they were being written'));
  }

  static #dropOversize(channel: AnyChannel, link: Link, part: Batch, limit: number): void {
    const { messages, bytes } = part;
    const why = `a line of ${bytes} bytes is over the ${link.transport} link's maxWriteBytes (${limit}): the peer would refuse it`;
    channel.reportDropped(Channel.#dropped(channel, messages, bytes, `message(s) dropped: ${why}`, { maxWriteBytes: limit }));
  }

  /** Counts, tracks and writes one batch; with `trackOnly`, the link is broken: counted and tracked, not written. May throw what `link.write()` threw. */
  static #writeBatch(channel: AnyChannel, link: Link, queue: SendQueue, batch: Batch, trackOnly: boolean): void {
    channel.stats.messagesOut += batch.messages;
    channel.stats.bytesOut += batch.bytes;
    const done = queue.track(batch, Channel.#has(channel, UNPROVEN));
    if (trackOnly) return;
    channel.stats.writes++;
    channel.#rare?.heartbeat?.sent();
    // Written under a ping's backpressure too (endLink() writes while blocked): a flushed() waits on it now.
    Channel.#set(channel, PING_BLOCKED, false);
    if (!link.write(batch.data, done)) Channel.#set(channel, BLOCKED, true);
  }

  /** A blank line: every NDJSON reader skips it. Not sent when data is pending anyway. */
  static #ping(channel: AnyChannel): void {
    const link = channel.#link;
    if (link === undefined || Channel.#has(channel, BLOCKED | CLOSING) || Channel.#queued(channel)) return;
    let accepted: boolean;
    try {
      accepted = link.write('\n');
    } catch (cause) {
      Channel.#linkThrew(channel, link, cause);
      return;
    }
    channel.stats.bytesOut += 1;
    if (!accepted) Channel.#set(channel, BLOCKED | PING_BLOCKED, true);
  }

  /**
   * A link whose write() throws is broken: torn down, its batches go the way of any write it
   * never confirmed (sent again by a client, reported dropped by a peer), counted once.
   */
  static #linkThrew(channel: AnyChannel, link: Link, cause: unknown): void {
    // A link that already reported its close (against the contract, from inside write()) is gone.
    if (channel.#link !== link) return;
    Channel.#set(channel, BLOCKED, true);
    const message = cause instanceof Error ? cause.message : String(cause);
    channel.destroyLink('error', new ProjError(ErrorCode.TRANSPORT, `write to ${link.remoteAddress} threw: ${message}`, { cause }));
  }

  /**
   * Batches the dying link never accepted go back to the front of the queue (uncounted as sent):
   * a client sends them on its next connection, a peer reports them as dropped. Bytes the
   * transport did accept before a reset may still be lost: TCP gives no delivery receipt.
   * A server that refused the connection discarded the confirmed ones too (`held`): at
   * `maxConnections` they go back as well; refused as unauthorized, everything written on it is
   * reported dropped, for it begins with the credentials the server rejected, which must not go
   * out again (nor ahead of fresh ones). What was confirmed past the hold bound is reported
   * dropped after any refusal. Returns what to report: the caller reports it once the link is let go.
   */
  static #recoverUnconfirmed(channel: AnyChannel, closing: DisconnectInfo | undefined): DroppedInfo | undefined {
    const queue = channel.#queue;
    if (queue === undefined) return undefined;
    const { held, pending, lapsed } = queue.takeWritten();
    const refused = closing?.reason === 'refused';
    const unauthorized = refusedUnauthorized(closing);
    const back = unauthorized ? [] : refused ? [...held, ...pending] : pending;
    const lostWritten = totals(unauthorized ? [...held, ...pending] : []);
    let messages = lostWritten.messages + (refused ? lapsed.messages : 0);
    let bytes = lostWritten.bytes + (refused ? lapsed.bytes : 0);
    // Neither what goes back nor what is lost was sent: both leave the counters.
    const backTotals = totals(back);
    channel.stats.messagesOut -= backTotals.messages + messages;
    channel.stats.bytesOut -= backTotals.bytes + bytes;
    if (back.length > 0) {
      queue.requeue(back);
      // A waiter that waited on a ping alone waits on what was written before it, if that is back.
      for (const waiter of channel.#rare?.flushWaiters ?? []) {
        if (waiter.lastWritten === undefined || !back.includes(waiter.lastWritten)) continue;
        waiter.pingOnly = false;
        waiter.lastWritten = undefined; // no longer needed: its data need not wait for the settle
      }
    }
    // Sent before the refusal and not written yet: they would go out ahead of fresh credentials.
    if (unauthorized && queue.length > 0) {
      const queued = queue.clear();
      messages += queued.messages;
      bytes += queued.bytes;
    }
    if (messages === 0) return undefined;
    // Worded for both ends: a server's peer reports here the refusal line its client never read.
    const why = unauthorized ? 'written on a connection refused as unauthorized' : 'written on a refused connection, past what is kept to send again';
    return Channel.#dropped(channel, messages, bytes, `message(s) dropped: ${why}`);
  }

  /** Records how this side is closing the current link, or (`undefined`) that it is not. */
  static #setClosing(channel: AnyChannel, info: DisconnectInfo | undefined): void {
    Channel.#set(channel, CLOSING, info !== undefined);
    if (info !== undefined) Channel.#rareState(channel).closing = info;
    else if (channel.#rare !== undefined) channel.#rare.closing = undefined;
  }

  static #isFlushed(channel: AnyChannel): boolean {
    return !Channel.#queued(channel) && !Channel.#has(channel, BLOCKED);
  }

  /** Throws `PROJ_ERR_CLOSED` once the channel is finished: checked before encoding by `send()`, and by `sendLine()` for broadcasts. */
  static #assertOpen(channel: AnyChannel): void {
    if (Channel.#has(channel, FINISHED)) throw new ProjError(ErrorCode.CLOSED, `cannot send: ${channel.id} is closed`, { details: { connection: channel.id } });
  }

  /** Whether messages are queued. */
  static #queued(channel: AnyChannel): boolean {
    return channel.#queue !== undefined && channel.#queue.length > 0;
  }

  /** A `dropped` report of `messages` messages: `${messages} ${what}`, with the connection and `extra` in its details. */
  static #dropped(channel: AnyChannel, messages: number, bytes: number, what: string, extra: Record<string, unknown> = {}): DroppedInfo {
    return { messages, bytes, error: new ProjError(ErrorCode.DROPPED, `${messages} ${what}`, { details: { connection: channel.id, messages, bytes, ...extra } }) };
  }

  /** Takes the waiting `flushed()` promises out of the channel, to settle them. */
  static #takeFlushWaiters(channel: AnyChannel): RareState['flushWaiters'] {
    const rare = channel.#rare;
    const waiters = rare?.flushWaiters;
    if (waiters !== undefined) rare!.flushWaiters = undefined;
    return waiters;
  }

  /**
   * Everything queued was dropped (a refusal as unauthorized) while the channel lives on: waiters
   * for its flush fail with `PROJ_ERR_DROPPED`. An owed `drain` fires on the next link, after
   * what `disconnect` listeners send there (fresh credentials first). A waiter that waited on a
   * heartbeat ping alone waited on no message, and the link that held it back is gone: resolved.
   */
  static #settleDroppedWaiters(channel: AnyChannel): void {
    const waiters = Channel.#takeFlushWaiters(channel);
    if (waiters === undefined) return;
    for (const waiter of waiters) {
      if (waiter.pingOnly) waiter.resolve();
      else waiter.reject(new ProjError(ErrorCode.DROPPED, `what ${channel.id} waited to flush was dropped: the server refused the connection as unauthorized`, { details: { connection: channel.id } }));
    }
  }

  static #settleFlushWaiters(channel: AnyChannel): void {
    const waiters = Channel.#takeFlushWaiters(channel);
    if (waiters === undefined) return;
    const ok = Channel.#isFlushed(channel);
    for (const waiter of waiters) {
      if (ok) waiter.resolve();
      else waiter.reject(new ProjError(ErrorCode.CLOSED, `${channel.id} closed with unsent messages`, { details: { connection: channel.id } }));
    }
  }

  static #onLinkClose(channel: AnyChannel, link: Link, decoder: NdjsonDecoder | undefined, info: LinkCloseInfo): void {
    if (channel.#link !== link) return;
    // A graceful close ends the stream: a last line without its newline is still a line
    // (`printf '{"a":1}' | nc` must deliver it). After an abrupt close it is a fragment.
    Channel.#set(channel, LINK_GONE, true);
    try {
      if (info.graceful) decoder?.flush();
      else decoder?.reset();
    } finally {
      // Even after a `message` listener threw on the last line: the channel lets go of the link,
      // or a peer would stay registered to a dead link and `server.close()` would wait for it.
      Channel.#set(channel, LINK_GONE, false);
      channel.#rare?.heartbeat?.stop();
      const closing = channel.#rare?.closing;
      const lost = Channel.#recoverUnconfirmed(channel, closing);
      Channel.#set(channel, UNPROVEN, false);
      channel.#link = undefined;
      Channel.#setClosing(channel, undefined);
      Channel.#set(channel, BLOCKED | PING_BLOCKED, false);
      Channel.#set(channel, RELEASING, true);
      try {
        // After the link is let go: a `dropped` listener that throws leaves no state behind.
        if (lost !== undefined) {
          // The waiters for what was dropped, not those a `dropped` listener adds for fresh sends
          // (settled before the report, which their callbacks run after anyway).
          if (refusedUnauthorized(closing)) Channel.#settleDroppedWaiters(channel);
          channel.reportDropped(lost);
        }
      } finally {
        Channel.#set(channel, RELEASING, false);
        channel.linkClosed(closing ?? (info.graceful ? { reason: 'remote-end' } : classifyAbrupt(info.error)), link);
      }
    }
  }
}

/** Whether this side's close of a link was the server refusing the connection as unauthorized. */
function refusedUnauthorized(closing: DisconnectInfo | undefined): boolean {
  return closing?.reason === 'refused' && closing.error?.code === ErrorCode.UNAUTHORIZED;
}

/** Messages and bytes of `batches`, together. */
function totals(batches: readonly Batch[]): { messages: number; bytes: number } {
  let messages = 0;
  let bytes = 0;
  for (const batch of batches) {
    messages += batch.messages;
    bytes += batch.bytes;
  }
  return { messages, bytes };
}

function classifyAbrupt(error: Error | undefined): DisconnectInfo {
  if (error === undefined) return { reason: 'remote-reset' };
  const projError = error instanceof ProjError ? error : new ProjError(ErrorCode.TRANSPORT, error.message, { cause: error });
  const reason: DisconnectReason =
    projError.code === ErrorCode.CONNECTION_RESET ? 'remote-reset' : projError.code === ErrorCode.HEARTBEAT_TIMEOUT ? 'heartbeat-timeout' : 'error';
  return { reason, error: projError };
}
