/**
 * `serve(transport, handler, options)`: accept links on any transport, turn each into a
 * {@link Peer} tracked by a {@link ConnectionRegistry}, and call the handler per message.
 */
import type { ChannelOptions, ChannelStats, DisconnectInfo } from './channel.js';
import { ConnectionRegistry, type BroadcastOptions, type BroadcastResult, type RegistryOptions } from './connection-registry.js';
import { REFUSED_LINE, refusalLine } from './control.js';
import { diagnosticChannels, subscribed } from './diagnostics.js';
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import { Gatekeeper, type AuthOptions } from './gatekeeper.js';
import { Peer, type PeerHooks } from './peer.js';
import type { DroppedInfo } from './send-queue.js';
import type { Link, Listener, Transport } from './transport.js';
import { TypedEmitter } from './typed-emitter.js';

/**
 * Called for every message a peer sends, in arrival order. A throw, or a rejection of a returned
 * promise, is reported as `handlerError`, never a crash. Other return values are ignored.
 */
export type MessageHandler = (message: unknown, peer: Peer) => unknown;

/** Options of {@link serve}: per-peer channel options plus registry limits. */
export interface ServeOptions extends ChannelOptions, RegistryOptions, AuthOptions {
  /** ms `close()` gives peers to finish after ending them, before destroying the rest. @default 5000 */
  closeGrace?: number;
  /** ms a refused connection may linger after the refusal line before it is destroyed. @default 1000 */
  refuseTimeout?: number;
}

/** Events of a {@link Server}. */
export interface ServerEvents {
  /** A peer connected and entered the registry. */
  connection: (peer: Peer) => void;
  /** A peer's connection ended (it has left the registry). */
  disconnect: (peer: Peer, info: DisconnectInfo) => void;
  /** A peer sent a malformed or oversize line. */
  malformed: (error: ProjError, peer: Peer) => void;
  /** Messages to a peer were discarded (overflow policy, slow consumer in a broadcast, or unsent at close). */
  dropped: (info: DroppedInfo, peer: Peer) => void;
  /** A connection was refused because the registry is full (`PROJ_ERR_MAX_CONNECTIONS`). */
  refused: (error: ProjError, remoteAddress: string) => void;
  /** `authenticate` rejected a connection, threw, or timed out (`PROJ_ERR_UNAUTHORIZED`); it was closed with a refusal line. */
  unauthorized: (error: ProjError, remoteAddress: string) => void;
  /** The handler threw or rejected (`PROJ_ERR_HANDLER`, `cause` is what it threw). */
  handlerError: (error: ProjError, peer: Peer) => void;
  /** `close()` finished: nothing is left open. */
  close: () => void;
}

/** Server-wide counters, including peers that have already left: the peers' channel counters summed, plus the server's own. */
export interface ServerStats extends Omit<ChannelStats, 'writes'> {
  /** Connections accepted into the registry. */
  accepted: number;
  /** Connections refused at `maxConnections`. */
  refused: number;
  /** Connections rejected by `authenticate` (or its timeout). */
  unauthorized: number;
  /** Messages whose handler threw or rejected. */
  handlerErrors: number;
}

/** A listening server. Create it with {@link serve}. */
export class Server extends TypedEmitter<ServerEvents> {
  /** Every live peer: count, get, iterate, broadcast, end/destroy all. */
  readonly peers: ConnectionRegistry;
  readonly #transport: Transport;
  readonly #handler: MessageHandler;
  readonly #options: ServeOptions;
  readonly #closeGrace: number;
  readonly #refuseTimeout: number;
  #listener: Listener | undefined;
  #closing: Promise<void> | undefined;
  #refusedLinks = new Set<Link>();
  /** Peers outside the registry: at the authentication gate, or being refused. */
  #unadmitted = new Set<Peer>();
  readonly #gate: Gatekeeper | undefined;
  #totals = { accepted: 0, refused: 0, unauthorized: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, dropped: 0, handlerErrors: 0 };
  readonly #hooks: PeerHooks = {
    onMessage: (peer, value) => this.#dispatch(peer, value),
    onClose: (peer, info) => this.#onPeerClose(peer, info),
    // Shared by every peer: per-peer listeners cost two closures and an emitter map per connection.
    onMalformed: (peer, error) => {
      subscribed(diagnosticChannels.malformed)?.publish({ channel: peer, error });
      this.emit('malformed', error, peer);
    },
    onDropped: (peer, info) => {
      subscribed(diagnosticChannels.dropped)?.publish({ channel: peer, ...info });
      this.emit('dropped', info, peer);
    },
  };

  /** @internal Use {@link serve}. */
  constructor(transport: Transport, handler: MessageHandler, options: ServeOptions = {}) {
    super();
    this.#transport = transport;
    this.#handler = handler;
    this.#options = options;
    this.#closeGrace = options.closeGrace ?? 5000;
    this.#refuseTimeout = options.refuseTimeout ?? 1000;
    checkNumber('closeGrace', this.#closeGrace, 0);
    checkNumber('refuseTimeout', this.#refuseTimeout, 0);
    this.peers = new ConnectionRegistry(options);
    this.#gate =
      options.authenticate === undefined
        ? undefined
        : new Gatekeeper(options.authenticate, options, {
            admit: (peer, buffered) => {
              // A verdict that lands while the server closes: the peer is not let in, but closed.
              if (this.#closing !== undefined) {
                void peer.destroy();
                return;
              }
              this.#unadmitted.delete(peer);
              this.#admit(peer);
              for (const value of buffered) this.#dispatch(peer, value);
            },
            reject: (peer, error) => this.#reject(peer, error),
          });
  }

  /** Where clients reach this server (`tcp://127.0.0.1:8024`, a socket path, a ws URL). */
  get address(): string {
    return this.#listener?.address ?? '';
  }

  /** The bound port for port-based transports (handy with port 0). */
  get port(): number | undefined {
    return this.#listener?.port;
  }

  /** Counters over the server's lifetime (live peers included). */
  get stats(): ServerStats {
    const stats = { ...this.#totals };
    for (const peer of this.peers) addPeerStats(stats, peer);
    return stats;
  }

  /** @internal Starts listening. */
  async listen(): Promise<this> {
    this.#listener = await this.#transport.listen((link) => this.#accept(link));
    return this;
  }

  /** Sends one value to every peer (see {@link ConnectionRegistry.broadcast}). */
  broadcast(value: unknown, options?: BroadcastOptions): BroadcastResult {
    return this.peers.broadcast(value, options);
  }

  /**
   * Drain-and-close: stop accepting, end every peer gracefully, wait up to `grace` ms, destroy
   * what remains, release the listener. Idempotent; resolves when nothing is left open.
   */
  close(options: { grace?: number } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.grace ?? this.#closeGrace);
    return this.#closing;
  }

  async #shutdown(grace: number): Promise<void> {
    const listenerClosed = this.#listener?.close();
    await this.peers.drain(grace);
    for (const link of this.#refusedLinks) link.destroy();
    await Promise.all([...this.#unadmitted].map((peer) => peer.destroy()));
    await listenerClosed;
    this.emit('close');
  }

  #accept(link: Link): void {
    if (this.#closing !== undefined) {
      link.destroy();
      return;
    }
    if (this.peers.size + this.#unadmitted.size >= this.peers.maxConnections) {
      this.#refuse(link);
      return;
    }
    const peer = new Peer(link, this.#hooks, this.#options);
    // Its link reported from inside attach() that it had closed already: nothing to admit.
    if (peer.state === 'closed') return;
    if (this.#gate === undefined) {
      this.#admit(peer);
      return;
    }
    this.#unadmitted.add(peer);
    this.#gate.enter(peer);
  }

  #admit(peer: Peer): void {
    this.#totals.accepted++;
    this.peers.add(peer);
    subscribed(diagnosticChannels.serverConnection)?.publish({ server: this, peer });
    // One argument: no rest-argument array per accepted connection.
    this.emitOne('connection', peer);
  }

  #reject(peer: Peer, error: ProjError): void {
    this.#totals.unauthorized++;
    this.emit('unauthorized', error, peer.remoteAddress);
    // Tell the client why, then close; destroy it if it does not go within refuseTimeout.
    const timer = setTimeout(() => void peer.destroy('refused'), this.#refuseTimeout);
    void peer.refuse(refusalLine(ErrorCode.UNAUTHORIZED, 'not authorized'), error).then(() => clearTimeout(timer));
  }

  #refuse(link: Link): void {
    this.#totals.refused++;
    const error = new ProjError(ErrorCode.MAX_CONNECTIONS, `refused ${link.remoteAddress}: ${this.peers.size} of ${this.peers.maxConnections} connections in use`, {
      details: { remoteAddress: link.remoteAddress, maxConnections: this.peers.maxConnections },
    });
    // Tell the client why, then close; destroy it if it does not go within refuseTimeout.
    const timer = setTimeout(() => link.destroy(), this.#refuseTimeout);
    this.#refusedLinks.add(link);
    link.attach({
      onData: () => {},
      onDrain: () => {},
      onClose: () => {
        clearTimeout(timer);
        this.#refusedLinks.delete(link);
      },
    });
    link.write(REFUSED_LINE);
    link.end();
    subscribed(diagnosticChannels.serverRefused)?.publish({ server: this, remoteAddress: link.remoteAddress, error });
    this.emit('refused', error, link.remoteAddress);
  }

  #dispatch(peer: Peer, value: unknown): void {
    if (this.#gate?.message(peer, value) === true) return;
    try {
      const result = this.#handler(value, peer);
      if (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#handlerFailed(peer, err));
      }
    } catch (err) {
      this.#handlerFailed(peer, err);
    }
  }

  #handlerFailed(peer: Peer, cause: unknown): void {
    this.#totals.handlerErrors++;
    const error = new ProjError(ErrorCode.HANDLER, `handler failed for a message from ${peer.id}`, { cause, details: { connection: peer.id } });
    this.emit('handlerError', error, peer);
  }

  #onPeerClose(peer: Peer, info: DisconnectInfo): void {
    if (this.#unadmitted.delete(peer)) {
      // Never admitted: it was not in the registry, so no `disconnect` (a rejection was reported already).
      this.#gate?.leave(peer);
      return;
    }
    // Closed before it was admitted (its link was closed when accepted): no `connection`, so no `disconnect`.
    if (!this.peers.delete(peer)) return;
    addPeerStats(this.#totals, peer);
    subscribed(diagnosticChannels.serverDisconnect)?.publish({ server: this, peer, ...info });
    this.emit('disconnect', peer, info);
  }
}

function addPeerStats(into: ServerStats, peer: Peer): void {
  // Not `peer.stats`, which would make counters for every idle peer the sum passes over.
  const stats = Peer.statsIfMade(peer);
  if (stats === undefined) return;
  into.messagesIn += stats.messagesIn;
  into.messagesOut += stats.messagesOut;
  into.bytesIn += stats.bytesIn;
  into.bytesOut += stats.bytesOut;
  into.malformed += stats.malformed;
  into.dropped += stats.dropped;
}

/**
 * Starts a server on `transport` and calls `handler(message, peer)` for every message.
 * Resolves once it listens; rejects with `PROJ_ERR_LISTEN` (native error as `cause`) or
 * `PROJ_ERR_INVALID_OPTION`.
 *
 * @example
 * const server = await serve(tcp({ port: 8024 }), (msg, peer) => peer.send({ echo: msg }));
 */
export async function serve(transport: Transport, handler: MessageHandler, options: ServeOptions = {}): Promise<Server> {
  return new Server(transport, handler, options).listen();
}
