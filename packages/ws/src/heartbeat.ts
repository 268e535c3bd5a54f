/**
 * `Heartbeat`: liveness of one WebSocket over ping/pong, for peers that vanish without a FIN
 * (a laptop lid closed, a NAT entry expired): the kernel would keep such a socket open for hours.
 */
import { ErrorCode, ProjError } from '@proj/core';

// Bits of `Heartbeat.#state`: four booleans in one number (bench "memory per idle connection").
/** The `server` role: ping on every tick, not only after a silent interval. */
const PROBE_EVERY_TICK = 1;
/** Traffic from the peer since the last tick. */
const SEEN = 2;
/** A ping went out on the last tick. */
const PROBED = 4;
/** A member of a group: started and not stopped yet. */
const WATCHED = 8;

/** `ws`'s `WebSocket.OPEN`. */
const OPEN = 1;

/** The heartbeats that tick together, and their timer. */
interface Group {
  readonly interval: number;
  readonly members: Set<Heartbeat>;
  /** Set right after the group is made: the timer's argument is the group itself. */
  timer: ReturnType<typeof setInterval> | undefined;
}

/**
 * One timer per interval value, shared by every heartbeat with that interval: a server holding
 * thousands of idle WebSockets pays for one Timeout, not one per link (bench "memory per idle
 * connection"). The first heartbeat of an interval creates its group; the last one to stop
 * clears the timer, so closed links leave no timer behind.
 */
const groups = new Map<number, Group>();

/**
 * Liveness over ping/pong, as the base class of the link it watches (`WsLink extends
 * Heartbeat`): its two fields live in the link, not in an object of its own that points back
 * at the link (bench "memory per idle connection"). The link supplies what the heartbeat reads
 * and does (the abstract members).
 *
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
export abstract class Heartbeat {
  /** PROBE_EVERY_TICK, SEEN, PROBED, WATCHED. */
  #state = 0;
  /** {@link Heartbeat.bytesRead} when last looked at (-1: the link does not count). */
  #bytesRead = -1;

  /** The WebSocket's `readyState`. */
  abstract get readyState(): number;
  /** `true` while this side does not read: pongs cannot arrive, so no verdict is taken. */
  abstract get paused(): boolean;
  /**
   * Bytes read from the peer so far (the socket under the WebSocket), when the link can tell:
   * any change between two ticks is traffic, a pong or anything else, and the link then needs
   * no `ping`/`pong` listeners nor {@link Heartbeat.heartbeatAlive} calls. `undefined`: the link
   * calls `heartbeatAlive()` on every frame, ping and pong.
   */
  abstract get bytesRead(): number | undefined;
  /** Sends a ping frame through the link's WebSocket. */
  abstract ping(): void;
  /** The peer is presumed gone: tear the link down with this `PROJ_ERR_HEARTBEAT_TIMEOUT` error. */
  abstract destroy(error: ProjError): void;

  /**
   * Starts watching: the timer of `interval` (ms) ticks this link until
   * {@link Heartbeat.stopHeartbeat}. Called when the link can answer the abstract members; a
   * heartbeat already started is left as it is (it is in one group only).
   */
  startHeartbeat(interval: number, role: 'server' | 'client'): void {
    if ((this.#state & WATCHED) !== 0) return;
    let state = WATCHED | (role === 'server' ? PROBE_EVERY_TICK : 0);
    this.#bytesRead = this.bytesRead ?? -1;
    const group = groups.get(interval);
    if (group === undefined) {
      const created: Group = { interval, members: new Set<Heartbeat>([this]), timer: undefined };
      created.timer = setInterval(Heartbeat.#tick, interval, created);
      // A heartbeat must never keep a process alive on its own.
      created.timer.unref();
      groups.set(interval, created);
    } else {
      // Joining mid-interval: the handshake counts as traffic, or a client would probe too early.
      state |= SEEN;
      group.members.add(this);
    }
    this.#state = state;
  }

  /** Something arrived from the peer (a pong, a ping, a message): it is alive. Not needed when the link counts `bytesRead`. */
  heartbeatAlive(): void {
    this.#state |= SEEN;
  }

  /** Stops watching (the socket closed); idempotent. The group's timer goes with its last member. */
  stopHeartbeat(): void {
    if ((this.#state & WATCHED) === 0) return;
    this.#state &= ~WATCHED;
    // No interval field per link: the link is in one of the groups, of which there are as many
    // as distinct intervals in the process (usually one).
    for (const group of groups.values()) {
      if (!group.members.delete(this)) continue;
      if (group.members.size > 0) return;
      clearInterval(group.timer);
      groups.delete(group.interval);
      return;
    }
  }

  // Static methods only, never private instance ones: those put a class brand in every instance
  // (8 B per link). The timer's argument is the group: one callback for every group.
  static #tick(group: Group): void {
    for (const heartbeat of group.members) Heartbeat.#onTick(heartbeat, group.interval);
  }

  /** Counts bytes read since the last look as traffic. */
  static #readSince(heartbeat: Heartbeat): void {
    if (heartbeat.#bytesRead === -1) return;
    const bytesRead = heartbeat.bytesRead ?? heartbeat.#bytesRead;
    if (bytesRead === heartbeat.#bytesRead) return;
    heartbeat.#bytesRead = bytesRead;
    heartbeat.#state |= SEEN;
  }

  static #onTick(heartbeat: Heartbeat, interval: number): void {
    if (heartbeat.readyState !== OPEN) return;
    Heartbeat.#readSince(heartbeat);
    const state = heartbeat.#state;
    const kept = state & (PROBE_EVERY_TICK | WATCHED);
    if (heartbeat.paused) {
      heartbeat.#state = kept;
      return;
    }
    if ((state & (PROBED | SEEN)) === PROBED) {
      // After an event-loop stall, timers run before the I/O that piled up meanwhile: give a
      // pong that already arrived one poll phase to be read before condemning the peer.
      setImmediate(Heartbeat.#verdict, heartbeat, interval);
      return;
    }
    // A client probes only after a whole interval without traffic; a server on every tick.
    if ((state & (SEEN | PROBE_EVERY_TICK)) === SEEN) {
      heartbeat.#state = kept;
      return;
    }
    heartbeat.#state = kept | PROBED;
    heartbeat.ping();
  }

  static #verdict(heartbeat: Heartbeat, interval: number): void {
    Heartbeat.#readSince(heartbeat);
    if ((heartbeat.#state & (SEEN | WATCHED)) !== WATCHED || heartbeat.readyState !== OPEN) return;
    heartbeat.stopHeartbeat();
    heartbeat.destroy(new ProjError(ErrorCode.HEARTBEAT_TIMEOUT, `no pong within the ${interval} ms heartbeat: peer presumed gone`, { details: { heartbeat: interval } }));
  }
}
