/**
 * Opt-in liveness for byte-stream links: write a blank line when nothing was sent for
 * `interval` ms, declare the link dead when nothing was received for `timeout` ms. One timer per
 * link, checking at half the shorter period, so detection takes at most `timeout` + that period.
 */
import { checkNumber } from './errors.js';

/** What a heartbeat needs from its channel. */
export interface HeartbeatHooks {
  /** ms since the epoch when data last arrived. */
  lastReceived(): number;
  /** Write a heartbeat if nothing else is pending. */
  ping(): void;
  /** Nothing arrived for `timeout` ms. */
  dead(silentFor: number): void;
}

export class Heartbeat {
  readonly interval: number;
  readonly timeout: number;
  #lastSent = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #hooks: HeartbeatHooks;

  constructor(interval: number, timeout: number, hooks: HeartbeatHooks) {
    checkNumber('heartbeatInterval', interval, 0);
    checkNumber('heartbeatTimeout', timeout, 0);
    this.interval = interval;
    this.timeout = timeout;
    this.#hooks = hooks;
  }

  /** True when either half is on. */
  get enabled(): boolean {
    return this.interval > 0 || this.timeout > 0;
  }

  /** Starts watching a fresh link. */
  start(): void {
    this.stop();
    if (!this.enabled) return;
    this.#lastSent = Date.now();
    const period = Math.max(1, Math.min(this.interval || Infinity, this.timeout || Infinity) / 2);
    this.#timer = setInterval(this.#tick, period);
    // The link keeps the process alive while it is open; the heartbeat must not on its own.
    this.#timer.unref?.();
  }

  /** Records that something was written. */
  sent(): void {
    if (this.#timer !== undefined) this.#lastSent = Date.now();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick = (): void => {
    const now = Date.now();
    const silentFor = now - this.#hooks.lastReceived();
    if (this.timeout > 0 && silentFor >= this.timeout) {
      this.stop();
      this.#hooks.dead(silentFor);
      return;
    }
    if (this.interval > 0 && now - this.#lastSent >= this.interval) {
      this.#lastSent = now;
      this.#hooks.ping();
    }
  };
}
