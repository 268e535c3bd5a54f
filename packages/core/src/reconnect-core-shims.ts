/**
 * The two objects reconnect-core is handed instead of its own: a connection stand-in per attempt
 * (it never sees a socket) and a Backoff stand-in that asks our policy for every delay and owns the
 * only timer. Together they keep reconnect-core's pitfalls out of reach (see reconnect-engine.ts).
 */
import type { ProjError } from './errors.js';
import { TypedEmitter } from './typed-emitter.js';

/** The connection object reconnect-core sees for one attempt: 'connect' on resolve, 'error' on reject, 'close' from linkClosed(). */
export class DialAttempt extends TypedEmitter<{ connect: () => void; error: (error: ProjError) => void; close: () => void }> {
  readonly controller = new AbortController();

  /** An attempt whose AbortSignal exists already (Node builds it on first access). */
  static prepared(): DialAttempt {
    const attempt = new DialAttempt();
    void attempt.controller.signal;
    return attempt;
  }

  /** reconnect-core detaches listeners with `removeListener`. */
  removeListener(event: 'connect' | 'error' | 'close', listener: () => void): this {
    return this.off(event, listener);
  }

  /** Called by reconnect-core's disconnect(). Deliberately nothing: close() aborts the dial itself, and an open link belongs to the caller. */
  end(): void {}

  fire(event: 'connect' | 'close'): void;
  fire(event: 'error', error: ProjError): void;
  fire(event: 'connect' | 'close' | 'error', error?: ProjError): void {
    if (event === 'error') this.emit(event, error!);
    else this.emit(event);
  }
}

/**
 * A Backoff-like object for reconnect-core (on/backoff/reset/failAfter) that asks our policy for
 * each delay and owns the only timer, which cancel() clears.
 */
export class PolicyBackoff extends TypedEmitter<{
  backoff: (number: number, delay: number, error?: unknown) => void;
  ready: (number: number, delay: number) => void;
  fail: (error?: unknown) => void;
}> {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #number = 0;
  #delay = 0;
  readonly #nextDelay: () => number | null;
  readonly #onTimeout: () => void;
  readonly #expire = (): void => {
    this.#timer = undefined;
    this.#onTimeout();
  };

  constructor(nextDelay: () => number | null, onTimeout: () => void) {
    super();
    this.#nextDelay = nextDelay;
    this.#onTimeout = onTimeout;
  }

  /** Pitfall 2: reconnect-core calls this on every raw 'connect' (and in connect()); only health may reset, so it is ignored. */
  reset(): void {}

  /** The policy's maxAttempts decides; the engine never passes `failAfter` to reconnect-core. */
  failAfter(_maxNumberOfRetry: number): void {}

  backoff(error?: unknown): void {
    if (this.#timer !== undefined) return; // never two timers
    const delay = this.#nextDelay();
    if (delay === null) {
      // reconnect-core answers 'fail' with its own disconnect(), which makes it inert.
      this.emit('fail', error);
      return;
    }
    this.#delay = delay;
    this.#timer = setTimeout(this.#expire, delay);
    this.emit('backoff', this.#number, delay, error);
  }

  /** Tells reconnect-core to make the next attempt (its 'ready' listener dials). */
  ready(): void {
    this.emit('ready', this.#number++, this.#delay);
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
