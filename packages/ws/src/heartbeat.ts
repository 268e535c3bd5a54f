/**
 * `Heartbeat`: liveness of one WebSocket over ping/pong, for peers that vanish without a FIN
 * (a laptop lid closed, a NAT entry expired): the kernel would keep such a socket open for hours.
 */
import { ErrorCode, ProjError } from '@proj/core';

/**
 * What a heartbeat asks of the link it watches (a `WsLink`): passed as is, not as closures per
 * link. The link also pings for it, so the heartbeat holds one reference, not two.
 */
export interface HeartbeatOwner {
  /** The WebSocket's `readyState`, forwarded by the link. */
  readonly readyState: number;
  /** Sends a ping frame through the link's WebSocket. */
  ping(): void;
  /** `true` while this side does not read: pongs cannot arrive, so no verdict is taken. */
  readonly paused: boolean;
  /** The peer is presumed gone: tear the link down with this `PROJ_ERR_HEARTBEAT_TIMEOUT` error. */
  destroy(error: ProjError): void;
  /**
   * Bytes read from the peer so far (the socket under the WebSocket), when the owner can tell:
   * any change between two ticks is traffic, a pong or anything else, and the owner then needs
   * no `ping`/`pong` listeners nor {@link Heartbeat.alive} calls. `undefined`: it calls `alive()`.
   */
  readonly bytesRead?: number | undefined;
}

/** `ws`'s `WebSocket.OPEN`. */
const OPEN = 1;

// Bits of `Heartbeat.#state`: three booleans in one number (bench "memory per idle connection").
/** The `server` role: ping on every tick, not only after a silent interval. */
const PROBE_EVERY_TICK = 1;
/** Traffic from the peer since the last tick. */
const SEEN = 2;
/** A ping went out on the last tick. */
const PROBED = 4;

/** The heartbeats that tick together, and their timer. */
interface Group {
  readonly timer: ReturnType<typeof setInterval>;
  readonly members: Set<Heartbeat>;
}

/**
 * One timer per interval value, shared by every heartbeat with that interval: a server holding
 * thousands of idle WebSockets pays for one Timeout, not one per link (bench "memory per idle
 * connection"). The first heartbeat of an interval creates its group; the last one to stop
 * clears the timer, so closed links leave no timer behind.
 */
const groups = new Map<number, Group>();

/**
 * Every `interval` ms a tick runs. The `server` role pings on every tick; the `client` role
 * pings only after a whole interval without any frame from the server (so it also works
 * against servers that never ping, or ping on a longer interval). Either way, a ping that
 * got no answer (a pong or any other frame) by the next tick means the peer is gone.
 *
 * Heartbeats of one interval share a timer (see `groups`): one that joins a running group gets
 * its first tick sooner than a whole interval. That tick may ping early, never condemns (nothing
 * was pinged yet), and counts the opening handshake as traffic, so a client still probes only
 * after a whole silent interval.
 *
 * While this side is paused it cannot read pongs, so no verdict is taken then. The peer,
 * though, cannot read our pings while *it* is paused: a reader paused longer than the peer's
 * interval is taken for dead by that peer.
 */
export class Heartbeat {
  readonly #owner: HeartbeatOwner;
  readonly #interval: number;
  /** PROBE_EVERY_TICK, SEEN, PROBED. */
  #state: number;
  /** The owner's `bytesRead` when last looked at (-1: the owner does not count). */
  #bytesRead: number;

  /** Starts watching `owner`'s socket: the timer of `interval` ticks this heartbeat until {@link Heartbeat.stop}. */
  constructor(owner: HeartbeatOwner, interval: number, role: 'server' | 'client') {
    this.#owner = owner;
    this.#interval = interval;
    this.#state = role === 'server' ? PROBE_EVERY_TICK : 0;
    this.#bytesRead = owner.bytesRead ?? -1;
    const group = groups.get(interval);
    if (group === undefined) {
      const members = new Set<Heartbeat>([this]);
      const timer = setInterval(Heartbeat.#tick, interval, members);
      // A heartbeat must never keep a process alive on its own.
      timer.unref();
      groups.set(interval, { timer, members });
      return;
    }
    // Joining mid-interval: the handshake counts as traffic, or a client would probe too early.
    this.#state |= SEEN;
    group.members.add(this);
  }

  /** Something arrived from the peer (a pong, a ping, a message): it is alive. Not needed when the owner counts `bytesRead`. */
  alive(): void {
    this.#state |= SEEN;
  }

  /** Stops watching (the socket closed); idempotent. The group's timer goes with its last member. */
  stop(): void {
    const group = groups.get(this.#interval);
    if (group === undefined || !group.members.delete(this) || group.members.size > 0) return;
    clearInterval(group.timer);
    groups.delete(this.#interval);
  }

  // Static methods only, never private instance ones: those put a class brand in every instance
  // (8 B per link). The timer's argument is the group's members: one callback for every group.
  static #tick(members: Set<Heartbeat>): void {
    for (const heartbeat of members) Heartbeat.#onTick(heartbeat);
  }

  /** Counts bytes read since the last look as traffic. */
  static #readSince(heartbeat: Heartbeat): void {
    if (heartbeat.#bytesRead === -1) return;
    const bytesRead = heartbeat.#owner.bytesRead ?? heartbeat.#bytesRead;
    if (bytesRead === heartbeat.#bytesRead) return;
    heartbeat.#bytesRead = bytesRead;
    heartbeat.#state |= SEEN;
  }

  static #onTick(heartbeat: Heartbeat): void {
    const owner = heartbeat.#owner;
    if (owner.readyState !== OPEN) return;
    Heartbeat.#readSince(heartbeat);
    const state = heartbeat.#state;
    if (owner.paused) {
      heartbeat.#state = state & PROBE_EVERY_TICK;
      return;
    }
    if ((state & (PROBED | SEEN)) === PROBED) {
      // After an event-loop stall, timers run before the I/O that piled up meanwhile: give a
      // pong that already arrived one poll phase to be read before condemning the peer.
      setImmediate(Heartbeat.#verdict, heartbeat);
      return;
    }
    // A client probes only after a whole interval without traffic; a server on every tick.
    if ((state & (SEEN | PROBE_EVERY_TICK)) === SEEN) {
      heartbeat.#state = state & PROBE_EVERY_TICK;
      return;
    }
    heartbeat.#state = (state & PROBE_EVERY_TICK) | PROBED;
    owner.ping();
  }

  static #verdict(heartbeat: Heartbeat): void {
    Heartbeat.#readSince(heartbeat);
    if ((heartbeat.#state & SEEN) !== 0 || heartbeat.#owner.readyState !== OPEN) return;
    heartbeat.stop();
    const interval = heartbeat.#interval;
    heartbeat.#owner.destroy(new ProjError(ErrorCode.HEARTBEAT_TIMEOUT, `no pong within the ${interval} ms heartbeat: peer presumed gone`, { details: { heartbeat: interval } }));
  }
}
