/**
 * The server-side registry of live connections: every accepted peer is in it until its
 * connection ends, whatever the cause. It counts, finds, iterates, broadcasts, closes them all
 * (gracefully or abruptly), enforces an idle timeout, and drains them on shutdown.
 */
import { checkNumber } from './errors.js';
import { encodeLine } from './ndjson-encoder.js';
import type { DisconnectInfo, DisconnectReason } from './channel.js';
import { peerKey, type Peer } from './peer.js';

/** Options of a {@link ConnectionRegistry}. */
export interface RegistryOptions {
  /** Peers accepted at once; further connections are refused with `PROJ_ERR_MAX_CONNECTIONS`. @default Infinity */
  maxConnections?: number;
  /** ms without an incoming message (heartbeats do not count) after which a peer is closed with reason `idle-timeout`; 0 disables. @default 0 */
  idleTimeout?: number;
  /** How an idle peer is closed: `end` (graceful) or `destroy` (abrupt). @default 'end' */
  idleAction?: 'end' | 'destroy';
}

/** Options of {@link ConnectionRegistry.broadcast}. */
export interface BroadcastOptions {
  /** Only peers for which this returns true receive the message. */
  filter?: (peer: Peer) => boolean;
  /** A peer that does not receive the message (typically its sender). */
  except?: Peer;
}

/** Outcome of a broadcast. */
export interface BroadcastResult {
  /** Peers the message was queued for. */
  sent: number;
  /**
   * Peers skipped, each reported by its own `dropped` event whose error's `cause` says why: their
   * send queue was full (`PROJ_ERR_QUEUE_FULL`), or sending threw (a custom link's `write()` failing).
   */
  skipped: number;
}

export class ConnectionRegistry implements Iterable<Peer> {
  readonly maxConnections: number;
  readonly idleTimeout: number;
  readonly idleAction: 'end' | 'destroy';
  // Keyed by the number in each peer's id (Peer.key), which a peer holds without making its id.
  #peers = new Map<number, Peer>();
  #idleTimers = new Map<number, ReturnType<typeof setTimeout>>();
  #emptyWaiters: Array<() => void> = [];

  constructor(options: RegistryOptions = {}) {
    this.maxConnections = options.maxConnections ?? Infinity;
    this.idleTimeout = options.idleTimeout ?? 0;
    this.idleAction = options.idleAction ?? 'end';
    checkNumber('maxConnections', this.maxConnections, 0, Infinity, true);
    checkNumber('idleTimeout', this.idleTimeout, 0);
  }

  /** Live peers. */
  get size(): number {
    return this.#peers.size;
  }

  /** True when another peer would exceed `maxConnections`. */
  get full(): boolean {
    return this.#peers.size >= this.maxConnections;
  }

  /** The peer with this id, if it is connected; `undefined` for anything else, a non-string included (an id from a peer's message may be anything). */
  get(id: string): Peer | undefined {
    if (typeof id !== 'string') return undefined;
    const key = peerKey(id);
    const peer = key === undefined ? undefined : this.#peers.get(key);
    return peer !== undefined && peer.id === id ? peer : undefined;
  }

  /** Live peers, in the order they connected. */
  [Symbol.iterator](): IterableIterator<Peer> {
    return this.#peers.values();
  }

  /** A snapshot array of live peers. */
  list(): Peer[] {
    return [...this.#peers.values()];
  }

  /** @internal Adds an accepted peer; it leaves by itself when its connection ends. */
  add(peer: Peer): void {
    this.#peers.set(peer.key, peer);
    if (this.idleTimeout > 0) this.#armIdle(peer, this.idleTimeout);
  }

  /** @internal Removes a peer whose connection ended; false if it was not registered. */
  delete(peer: Peer): boolean {
    const key = peer.key;
    if (!this.#peers.delete(key)) return false;
    const timer = this.#idleTimers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.#idleTimers.delete(key);
    if (this.#peers.size === 0) {
      const waiters = this.#emptyWaiters;
      this.#emptyWaiters = [];
      for (const resolve of waiters) resolve();
    }
    return true;
  }

  /**
   * Sends one value to every peer (or those `filter` selects), encoding it once. Backpressure
   * aware: a peer whose queue is full is skipped and told through its `dropped` event, so a
   * slow consumer cannot grow server memory. Throws `PROJ_ERR_ENCODE` before sending to anyone.
   */
  broadcast(value: unknown, options: BroadcastOptions = {}): BroadcastResult {
    const line = encodeLine(value);
    const result: BroadcastResult = { sent: 0, skipped: 0 };
    for (const peer of this.#peers.values()) {
      // A peer whose connection just ended (a `disconnect` listener broadcasting) is not sent to.
      if (peer === options.except || peer.state === 'closed' || (options.filter !== undefined && !options.filter(peer))) continue;
      try {
        peer.sendEncoded(line);
        result.sent++;
      } catch (err) {
        // Its queue is full (PROJ_ERR_QUEUE_FULL), or its link's write() threw: skip this peer,
        // report why, and go on with the others.
        result.skipped++;
        peer.emitSkipped(err);
      }
    }
    return result;
  }

  /** Gracefully closes every peer (queued messages first, then FIN). Resolves when all have ended. */
  endAll(reason: DisconnectReason = 'local-end'): Promise<DisconnectInfo[]> {
    return Promise.all(this.list().map((peer) => peer.end(reason)));
  }

  /** Abruptly closes every peer (TCP RST). Resolves when all have ended. */
  destroyAll(reason: DisconnectReason = 'local-destroy'): Promise<DisconnectInfo[]> {
    return Promise.all(this.list().map((peer) => peer.destroy(reason)));
  }

  /** Resolves once no peer is left (at once when empty). */
  whenEmpty(): Promise<void> {
    if (this.#peers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /**
   * Ends every peer gracefully, waits up to `grace` ms for them to go, then destroys whatever
   * remains. Resolves when the registry is empty. Stopping new connections is the server's part.
   */
  async drain(grace: number): Promise<void> {
    checkNumber('grace', grace, 0);
    void this.endAll();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, grace, 'timeout')));
    const outcome = await Promise.race([this.whenEmpty(), graceOver]);
    clearTimeout(timer);
    if (outcome === 'timeout') await this.destroyAll();
  }

  // Idle detection arms one timer per peer for the full timeout and, when it fires, re-arms for
  // the remainder if data arrived meanwhile: no timer work per message.
  #armIdle(peer: Peer, delay: number): void {
    const key = peer.key;
    const timer = setTimeout(() => {
      if (!this.#peers.has(key)) return;
      const idleFor = Date.now() - peer.lastMessageAt;
      if (idleFor >= this.idleTimeout) {
        this.#idleTimers.delete(key);
        if (this.idleAction === 'end') void peer.end('idle-timeout');
        else void peer.destroy('idle-timeout');
      } else {
        this.#armIdle(peer, this.idleTimeout - idleFor);
      }
    }, delay);
    this.#idleTimers.set(key, timer);
  }
}
