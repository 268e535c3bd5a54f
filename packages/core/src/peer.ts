/**
 * A server-side connection: a {@link Channel} on one accepted link, with the identity and
 * metadata the registry tracks.
 */
import { Channel, type ChannelEvents, type ChannelOptions, type ConnectionState, type DisconnectInfo, type DisconnectReason } from './channel.js';
import { clockNow, fromClock } from './clock.js';
import { ErrorCode, ProjError, isProjError } from './errors.js';
import type { DroppedInfo } from './send-queue.js';
import type { Link } from './transport.js';

/** Events of a {@link Peer}: the shared channel events. `disconnect` fires once, when it closes. */
export type PeerEvents = ChannelEvents;

/** Called by the server for each message a peer sends, and when it closes. @internal */
export interface PeerHooks {
  onMessage(peer: Peer, value: unknown): void;
  onClose(peer: Peer, info: DisconnectInfo): void;
  /** A malformed line arrived (before the peer's own `malformed` listeners run). */
  onMalformed(peer: Peer, error: ProjError): void;
  /** Messages to the peer were dropped (before the peer's own `dropped` listeners run). */
  onDropped(peer: Peer, info: DroppedInfo): void;
}

let peerSequence = 0;

/** The handshake of links that have none (plain tcp/unix), shared rather than a fresh `{}` per peer. */
const NO_HANDSHAKE: Readonly<Record<string, unknown>> = Object.freeze({});

/** What a {@link Peer} describes of its remote end: its link while open, what was kept of it afterwards. */
type Origin = Pick<Link, 'transport' | 'remoteAddress' | 'handshake'>;

/** What a {@link Peer} makes only when asked, or when it closes: its metadata, its `closed` promise, its end. */
interface PeerExtras {
  data: Record<string, unknown> | undefined;
  closed: Promise<DisconnectInfo> | undefined;
  resolveClosed: ((info: DisconnectInfo) => void) | undefined;
  /** Set when the connection ends: the peer is `closed` from then on. */
  closeInfo: DisconnectInfo | undefined;
  /** Set when the connection ends: the link's description of the remote end, kept without the link. */
  origin: Origin | undefined;
}

/** The number in a peer's id (`tcp-42`: 42), or `undefined` when `id` has none. */
export function peerKey(id: string): number | undefined {
  const key = Number(id.slice(id.lastIndexOf('-') + 1));
  return Number.isSafeInteger(key) && key > 0 ? key : undefined;
}

export class Peer extends Channel<PeerEvents> {
  // The number of the id until the id is first read, then the id itself: most peers' ids are never
  // read, and the string was ~32 B of each idle connection (bench "memory per idle connection").
  #id: number | string;
  /** When the connection was accepted, as a {@link clockNow} offset. */
  readonly #connectedAt: number;
  // Metadata, the `closed` promise and what the link said of the remote end, made when first
  // asked for or at the close: an open peer reads its transport, address and handshake from its
  // link, and most are never asked for the rest (one field instead of seven per connection,
  // bench "memory per idle connection").
  #extras: PeerExtras | undefined;

  /** @internal Created by the server for each accepted link. */
  constructor(link: Link, hooks: PeerHooks, options: ChannelOptions) {
    // The hooks are the same for every peer of a server: kept in the config the peers share.
    super(options, hooks);
    this.#id = ++peerSequence;
    this.#connectedAt = clockNow();
    this.attachLink(link);
  }

  /** Unique id within the process, e.g. `tcp-42`: the transport's name and a number. */
  get id(): string {
    const id = this.#id;
    return typeof id === 'string' ? id : (this.#id = `${this.transport}-${id}`);
  }

  /** `JSON.stringify(peer)` gives `{"id":"tcp-42"}`, as it did when the id was a field. */
  toJSON(): { id: string } {
    return { id: this.id };
  }

  /** How Node's `util.inspect()`, and so a logged peer, shows it: its id, address and state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Peer { id: '${this.id}', remoteAddress: '${this.remoteAddress}', state: '${this.state}' }`;
  }

  /** @internal The number in {@link Peer.id}, unique within the process: the registry's key. */
  get key(): number {
    const id = this.#id;
    return typeof id === 'number' ? id : peerKey(id)!;
  }

  /** Transport name (`tcp`, `unix`, `ws`, `memory`). */
  get transport(): string {
    return Peer.#origin(this).transport;
  }

  /** The remote end as the transport describes it. */
  get remoteAddress(): string {
    return Peer.#origin(this).remoteAddress;
  }

  /** What the transport learned while connecting (WebSocket upgrade `url`/`headers`, TLS peer certificate); `{}` for plain tcp/unix. */
  get handshake(): Readonly<Record<string, unknown>> {
    return Peer.#origin(this).handshake ?? NO_HANDSHAKE;
  }

  static #hooks(peer: Peer): PeerHooks {
    return peer.owner as PeerHooks;
  }

  static #origin(peer: Peer): Origin {
    return peer.link ?? peer.#extras!.origin!;
  }

  /** When the connection was accepted (ms since the epoch). */
  get connectedAt(): number {
    return fromClock(this.#connectedAt);
  }

  /** Your metadata for this peer (a user name, a session): the registry keeps it with the peer. */
  get data(): Record<string, unknown> {
    return (Peer.#extrasOf(this).data ??= {});
  }

  static #extrasOf(peer: Peer): PeerExtras {
    return (peer.#extras ??= { data: undefined, closed: undefined, resolveClosed: undefined, closeInfo: undefined, origin: undefined });
  }

  // Static, not a private instance method: those put a class brand in every instance (8 B per peer).
  static #closedPromise(peer: Peer): Promise<DisconnectInfo> {
    const extras = Peer.#extrasOf(peer);
    if (extras.closed === undefined) {
      const info = extras.closeInfo;
      extras.closed = info !== undefined ? Promise.resolve(info) : new Promise((resolve) => (extras.resolveClosed = resolve));
    }
    return extras.closed;
  }

  /** `open` until the connection ends, then `closed`. */
  get state(): ConnectionState {
    return this.#extras?.closeInfo === undefined ? 'open' : 'closed';
  }

  /** Resolves with the disconnect reason once the connection has ended. */
  get closed(): Promise<DisconnectInfo> {
    return Peer.#closedPromise(this);
  }

  /** Graceful close: queued messages are sent, then FIN. Resolves once the connection has ended. */
  end(reason: DisconnectReason = 'local-end'): Promise<DisconnectInfo> {
    this.endLink(reason);
    return Peer.#closedPromise(this);
  }

  /** Abrupt close (TCP RST). Queued messages are dropped and reported. Resolves once the connection has ended. */
  destroy(reason: DisconnectReason = 'local-destroy'): Promise<DisconnectInfo> {
    this.destroyLink(reason);
    return Peer.#closedPromise(this);
  }

  /** @internal Queue a line encoded once for many peers (broadcast). */
  sendEncoded(line: string): boolean {
    return this.sendLine(line);
  }

  /** @internal Pauses reading (authentication pending); holds nest. */
  override holdReading(): void {
    super.holdReading();
  }

  /** @internal Releases one {@link Peer.holdReading}. */
  override releaseReading(): void {
    super.releaseReading();
  }

  /** @internal Refuses the connection: the refusal line, then a graceful end with reason `refused`. */
  refuse(line: string, error: ProjError): Promise<DisconnectInfo> {
    this.sendLine(line);
    this.endLink('refused', error);
    return Peer.#closedPromise(this);
  }

  /** @internal A broadcast skipped this peer (its queue was full, or sending threw `cause`): report it as dropped. */
  emitSkipped(cause: unknown): void {
    const why = isProjError(cause) && cause.code === ErrorCode.QUEUE_FULL ? 'send queue full' : `send failed (${cause instanceof Error ? cause.message : String(cause)})`;
    const error = new ProjError(ErrorCode.DROPPED, `broadcast to ${this.id} skipped: ${why}`, { cause, details: { connection: this.id } });
    this.reportDropped({ messages: 1, bytes: 0, error });
  }

  protected override onMessage(value: unknown): boolean {
    Peer.#hooks(this).onMessage(this, value);
    return true;
  }

  protected override reportToOwner(event: 'dropped' | 'malformed', arg: DroppedInfo | ProjError): void {
    if (event === 'dropped') Peer.#hooks(this).onDropped(this, arg as DroppedInfo);
    else Peer.#hooks(this).onMalformed(this, arg as ProjError);
  }

  protected override linkClosed(info: DisconnectInfo, link: Link): void {
    const extras = Peer.#extrasOf(this);
    extras.origin = { transport: link.transport, remoteAddress: link.remoteAddress, handshake: link.handshake };
    extras.closeInfo = info;
    // Each step runs even when a listener of the one before threw: the peer always leaves the
    // registry and `closed` always resolves, or `server.close()` would wait for it.
    try {
      this.finish(`connection closed (${info.reason})`);
    } finally {
      try {
        this.fire('disconnect', info);
      } finally {
        try {
          Peer.#hooks(this).onClose(this, info);
        } finally {
          extras.resolveClosed?.(info);
        }
      }
    }
  }
}
