/**
 * `Heartbeat`: liveness of one WebSocket over ping/pong, for peers that vanish without a FIN
 * (a laptop lid closed, a NAT entry expired): the kernel would keep such a socket open for hours.
 */
import { ErrorCode, ProjError } from '@proj/core';

/** The members of a `ws` WebSocket the heartbeat uses. */
export interface Pingable {
  readonly readyState: number;
  ping(): void;
}

/** `ws`'s `WebSocket.OPEN`. */
const OPEN = 1;

/**
 * Every `interval` ms a tick runs. The `server` role pings on every tick; the `client` role
 * pings only after a whole interval without any frame from the server (so it also works
 * against servers that never ping, or ping on a longer interval). Either way, a ping that
 * got no answer (a pong or any other frame) by the next tick means the peer is gone.
 *
 * While this side is paused it cannot read pongs, so no verdict is taken then. The peer,
 * though, cannot read our pings while *it* is paused: a reader paused longer than the peer's
 * interval is taken for dead by that peer.
 */
export class Heartbeat {
  readonly #socket: Pingable;
  readonly #probeEveryTick: boolean;
  readonly #isPaused: () => boolean;
  readonly #onDead: (error: ProjError) => void;
  readonly #interval: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #seen = false;
  #probed = false;

  constructor(socket: Pingable, interval: number, role: 'server' | 'client', isPaused: () => boolean, onDead: (error: ProjError) => void) {
    this.#socket = socket;
    this.#interval = interval;
    this.#probeEveryTick = role === 'server';
    this.#isPaused = isPaused;
    this.#onDead = onDead;
    // Shared callbacks given the heartbeat as an argument, not arrows bound per link: three fewer
    // closures per idle WebSocket (bench "memory per idle connection").
    this.#timer = setInterval(Heartbeat.#tick, interval, this);
    // A heartbeat must never keep a process alive on its own.
    this.#timer.unref();
  }

  /** Something arrived from the peer (a pong, a ping, a message): it is alive. */
  alive(): void {
    this.#seen = true;
  }

  /** Stops the timer (the socket closed). */
  stop(): void {
    clearInterval(this.#timer);
  }

  static #verdict(heartbeat: Heartbeat): void {
    heartbeat.#decide();
  }

  static #tick(heartbeat: Heartbeat): void {
    heartbeat.#onTick();
  }

  #decide(): void {
    if (this.#seen || this.#socket.readyState !== OPEN) return;
    this.stop();
    this.#onDead(new ProjError(ErrorCode.HEARTBEAT_TIMEOUT, `no pong within the ${this.#interval} ms heartbeat: peer presumed gone`, { details: { heartbeat: this.#interval } }));
  }

  #onTick(): void {
    if (this.#socket.readyState !== OPEN) return;
    if (this.#isPaused()) {
      this.#seen = false;
      this.#probed = false;
      return;
    }
    if (this.#probed && !this.#seen) {
      // After an event-loop stall, timers run before the I/O that piled up meanwhile: give a
      // pong that already arrived one poll phase to be read before condemning the peer.
      setImmediate(Heartbeat.#verdict, this);
      return;
    }
    const seen = this.#seen;
    this.#seen = false;
    this.#probed = false;
    if (seen && !this.#probeEveryTick) return;
    this.#probed = true;
    this.#socket.ping();
  }
}
