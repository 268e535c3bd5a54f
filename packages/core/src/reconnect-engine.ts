/**
 * The reconnect engine: reconnect-core drives the attempts, wrapped so that none of its measured
 * pitfalls reach users (each has a regression test in `reconnect-core-pitfalls.test.ts`):
 * 1. connect() twice adds a duplicate 'ready' listener → connect() is called once, in start();
 * 2. backoff resets on the raw 'connect' → our backoff ignores reconnect-core's reset(); only
 *    health (healthyAfter ms open, or markHealthy()) resets it;
 * 3. disconnect() leaves the backoff timer running → our backoff owns the only timer and close() cancels it;
 * 4. reset() during an attempt opens a second socket → never called; retryNow() is guarded by state;
 * 5. an 'error' without listener throws → a listener is always attached;
 * 6. defaults depend on whether an options object is passed → we always pass a complete one.
 */
// Local typings for reconnect-core (it ships none). An ambient module cannot be imported, and a
// reference keeps them visible when another package typechecks core's sources.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./reconnect-core.d.ts" />
import inject from 'reconnect-core';
import { ErrorCode, ProjError, checkNumber, isProjError } from './errors.js';
import { MAX_TIMER_DELAY, createReconnectPolicy, type ReconnectPolicy, type ReconnectPolicyOptions } from './reconnect-policy.js';
import type { Link } from './transport.js';
import { DialAttempt, PolicyBackoff } from './reconnect-core-shims.js';
import { TypedEmitter } from './typed-emitter.js';

/** Where the engine is. `waiting` = a retry timer is pending. `closed` and `failed` are final (failed → closed via close()). */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed' | 'failed';

/** The only state changes the engine makes; anything else is a bug and throws. */
const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'waiting', 'failed', 'closed'],
  open: ['waiting', 'failed', 'closed'],
  waiting: ['connecting', 'closed'],
  failed: ['closed'],
  closed: [],
};

/** Options of {@link ReconnectEngine}. */
export interface ReconnectEngineOptions {
  /** Opens one link; the engine passes an AbortSignal it aborts on close(). Should reject with a `ProjError` (others are wrapped as `PROJ_ERR_CONNECT`). */
  dial: (signal: AbortSignal) => Promise<Link>;
  /** Options for {@link createReconnectPolicy}, or a ready policy. @default createReconnectPolicy() */
  policy?: ReconnectPolicyOptions | ReconnectPolicy;
  /** ms a link must stay open before backoff resets (also reset by markHealthy()); `Infinity` = only markHealthy(). @default 1000 */
  healthyAfter?: number;
}

/** Events of {@link ReconnectEngine}. A type alias, not an interface: TypedEmitter's EventMap needs an index signature. */
export type ReconnectEngineEvents = {
  /** Every state change, in order. */
  state: (state: ConnectionState, previous: ConnectionState) => void;
  /** A link is established; the caller attaches to it (synchronously) and owns it. */
  open: (link: Link) => void;
  /** A retry is scheduled in `delay` ms; `attempt` is its 1-based number; `error` is why, when known. */
  reconnecting: (info: { attempt: number; delay: number; error?: ProjError }) => void;
  /** A dial rejected (the transport's ProjError, e.g. PROJ_ERR_CONNECT); `attempt` = consecutive failures so far. */
  attemptFailed: (error: ProjError, attempt: number) => void;
  /** The policy gave up: PROJ_ERR_RECONNECT_FAILED, `cause` = last error; the state is 'failed'. */
  failed: (error: ProjError) => void;
};

/** The policy's answer for one failure: wait `delay` ms, or stop (with the reason to report as `cause`). */
type Decision = { delay: number } | { stop: ProjError | undefined };

function isPolicy(value: ReconnectPolicyOptions | ReconnectPolicy | undefined): value is ReconnectPolicy {
  return typeof (value as Partial<ReconnectPolicy> | undefined)?.next === 'function';
}

function toProjError(error: unknown, code: ErrorCode, message: string): ProjError {
  return isProjError(error) ? error : new ProjError(code, message, { cause: error });
}

/**
 * Keeps one link up: dials, backs off by policy between failures, resets the backoff only once a
 * link proved healthy, and gives up ('failed') when the policy says so. At most one dial is in
 * flight; close() leaves no timer and no pending dial.
 *
 * Events go out after the engine's own work, so its state is consistent whatever a listener does.
 * A listener exception propagates to the caller: the method called, or, when the event comes from
 * a dial settling, an unhandled rejection (as a throwing listener in a socket callback would).
 */
export class ReconnectEngine extends TypedEmitter<ReconnectEngineEvents> {
  readonly #dial: (signal: AbortSignal) => Promise<Link>;
  readonly #policy: ReconnectPolicy;
  readonly #healthyAfter: number;
  readonly #backoff: PolicyBackoff;
  readonly #reconnector: ReturnType<ReturnType<typeof inject>>;
  #state: ConnectionState = 'idle';
  #attempt = 0;
  #firstFailureAt: number | undefined;
  #lastError: ProjError | undefined;
  /** The attempt whose dial is pending; a dial settling for any other attempt is stale. */
  #inFlight: DialAttempt | undefined;
  /** The attempt reconnect-core currently tracks (in flight or open). */
  #current: DialAttempt | undefined;
  /**
   * The next attempt, made while 'waiting' so that its AbortSignal is not built between the
   * backoff timer and the connection: after an idle wait, creating a signal costs ~60 µs of the
   * ~1 ms reconnect (bench "reconnect", added over the schedule).
   */
  #next: DialAttempt | undefined;
  #healthyTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the policy answered during the last reconnect-core round trip: a delay, or why it stopped. */
  #decision: Decision | undefined;
  #queue: (() => void)[] = [];
  #flushing = false;

  constructor(options: ReconnectEngineOptions) {
    super();
    if (typeof options?.dial !== 'function') {
      throw new ProjError(ErrorCode.INVALID_OPTION, 'dial must be a function', { details: { option: 'dial', value: options?.dial } });
    }
    this.#dial = options.dial;
    this.#policy = isPolicy(options.policy) ? options.policy : createReconnectPolicy(options.policy ?? {});
    this.#healthyAfter = options.healthyAfter ?? 1000;
    if (this.#healthyAfter !== Infinity) checkNumber('healthyAfter', this.#healthyAfter, 0, MAX_TIMER_DELAY);
    this.#backoff = new PolicyBackoff(() => this.#nextDelay(), () => this.#attemptNow());
    // Pitfall 6: a complete options object, so reconnect-core's own defaults never apply.
    // `failAfter: 0` keeps its failAfter off: the policy's maxAttempts decides.
    this.#reconnector = inject(() => this.#openAttempt())({ strategy: this.#backoff, failAfter: 0, immediate: false });
    // Pitfall 5: reconnect-core re-emits each connection error on a Node EventEmitter, which throws
    // without a listener. Swallowed here on purpose: the engine reports it as 'attemptFailed'.
    this.#reconnector.on('error', () => {});
  }

  /** Current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Consecutive failures (rejected dials and links that closed before proving healthy) since the last healthy link. */
  get attempt(): number {
    return this.#attempt;
  }

  /** idle → connecting. A no-op in any other state: never a second listener or socket. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#transition('connecting');
    this.#reconnector.connect(); // pitfall 1: the only call, once per engine
    this.#flush();
  }

  /** The caller's link closed: count a failure unless it proved healthy, then retry by policy. No-op unless 'open'. */
  linkClosed(error?: Error): void {
    const current = this.#current;
    if (this.#state !== 'open' || current === undefined) return;
    this.#clearHealthyTimer();
    const cause = error === undefined ? undefined : toProjError(error, ErrorCode.TRANSPORT, 'link closed with an error');
    this.#countFailure(cause ?? new ProjError(ErrorCode.CLOSED, 'link closed'));
    this.#backoffAfter(() => current.fire('close'), cause);
  }

  /** The current link proved healthy (e.g. a first message arrived): reset the backoff now. No-op unless 'open'. */
  markHealthy(): void {
    if (this.#state !== 'open') return;
    this.#clearHealthyTimer();
    this.#resetBackoff();
  }

  /** In 'waiting': cancel the timer and attempt now. A no-op otherwise (never a second socket). */
  retryNow(): void {
    if (this.#state !== 'waiting') return;
    this.#backoff.cancel();
    this.#attemptNow();
  }

  /** → 'closed': cancels every timer and aborts a pending dial. An open link is left to the caller. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#backoff.cancel();
    this.#clearHealthyTimer();
    this.#next = undefined;
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    this.#reconnector.disconnect(); // reconnect-core stops retrying; its end() on our attempt is a no-op
    this.#transition('closed');
    inFlight?.controller.abort(new ProjError(ErrorCode.ABORTED, 'reconnect engine closed'));
    this.#flush();
  }

  /** createConnection for reconnect-core: starts one dial. */
  #openAttempt(): DialAttempt {
    if (this.#inFlight !== undefined) throw new Error('ReconnectEngine bug: a second dial while one is in flight');
    const attempt = this.#next ?? new DialAttempt();
    this.#next = undefined;
    this.#inFlight = attempt;
    this.#current = attempt;
    let dialing: Promise<Link>;
    try {
      dialing = Promise.resolve(this.#dial(attempt.controller.signal));
    } catch (error) {
      dialing = Promise.reject(error);
    }
    // Settles asynchronously, after reconnect-core has attached its listeners to `attempt`.
    void dialing.then(
      (link) => this.#onDialResolved(attempt, link),
      (error: unknown) => this.#onDialRejected(attempt, error),
    );
    return attempt;
  }

  #onDialResolved(attempt: DialAttempt, link: Link): void {
    if (this.#inFlight !== attempt) {
      link.destroy(); // resolved after close(): nobody owns it
      return;
    }
    this.#inFlight = undefined;
    attempt.fire('connect'); // reconnect-core calls reset() here, which our backoff ignores (pitfall 2)
    this.#transition('open');
    this.#queue.push(() => this.emit('open', link));
    // After the 'open' listeners: the connection is announced first, and the timer (a cold
    // setTimeout after an idle wait costs tens of µs, bench "reconnect") comes after.
    this.#queue.push(() => this.#armHealthyTimer(attempt));
    this.#flush();
  }

  /**
   * Starts the timer after which the open link counts as healthy, if there is a failure count to
   * reset (a first connection has none) and that link is still the open one (an 'open' listener
   * may have closed it, or called markHealthy()).
   */
  #armHealthyTimer(attempt: DialAttempt): void {
    if (this.#healthyAfter === Infinity || this.#attempt === 0 || this.#state !== 'open' || this.#current !== attempt) return;
    this.#healthyTimer ??= setTimeout(() => {
      this.#healthyTimer = undefined;
      this.#resetBackoff();
    }, this.#healthyAfter);
  }

  #onDialRejected(attempt: DialAttempt, reason: unknown): void {
    // A stale attempt was aborted by close(), which is the caller's own doing: nothing to report.
    if (this.#inFlight !== attempt) return;
    this.#inFlight = undefined;
    const error = toProjError(reason, ErrorCode.CONNECT, 'dial failed');
    this.#countFailure(error);
    const attemptNumber = this.#attempt;
    this.#queue.push(() => this.emit('attemptFailed', error, attemptNumber));
    this.#backoffAfter(() => attempt.fire('error', error), error);
  }

  /** Lets reconnect-core see the failure (it then calls our backoff), and applies the policy's answer. */
  #backoffAfter(notify: () => void, error: ProjError | undefined): void {
    this.#decision = undefined;
    notify();
    // Set by #nextDelay during notify(); the cast undoes TypeScript's narrowing to `undefined`.
    const decision = this.#decision as Decision | undefined;
    this.#decision = undefined;
    if (decision === undefined) throw new Error('ReconnectEngine bug: reconnect-core did not back off');
    if ('delay' in decision) {
      this.#transition('waiting');
      this.#next = DialAttempt.prepared();
      const info = { attempt: this.#attempt, delay: decision.delay, ...(error === undefined ? {} : { error }) };
      this.#queue.push(() => this.emit('reconnecting', info));
    } else {
      this.#transition('failed');
      const failure = new ProjError(ErrorCode.RECONNECT_FAILED, `gave up reconnecting after ${this.#attempt} consecutive failures`, {
        cause: decision.stop,
        details: { attempts: this.#attempt },
      });
      this.#queue.push(() => this.emit('failed', failure));
    }
    this.#flush();
  }

  /** Runs inside reconnect-core (which swallows exceptions around backoff()): never throws, records the decision. */
  #nextDelay(): number | null {
    const elapsed = Math.max(0, Date.now() - (this.#firstFailureAt ?? Date.now()));
    let delay: unknown;
    try {
      delay = this.#policy.next(this.#attempt, elapsed);
    } catch (error) {
      this.#decision = { stop: toProjError(error, ErrorCode.INVALID_OPTION, 'reconnect policy threw') };
      return null;
    }
    if (delay === null) {
      this.#decision = { stop: this.#lastError };
      return null;
    }
    if (typeof delay !== 'number' || Number.isNaN(delay)) {
      // A foreign policy returned garbage: stopping is safer than guessing (a retry storm).
      this.#decision = { stop: new ProjError(ErrorCode.INVALID_OPTION, `reconnect policy returned ${String(delay)}`, { details: { option: 'policy', value: delay } }) };
      return null;
    }
    const clamped = Math.min(Math.max(delay, 0), MAX_TIMER_DELAY);
    this.#decision = { delay: clamped };
    return clamped;
  }

  /** The backoff timer fired or retryNow(): waiting → connecting, and reconnect-core dials. */
  #attemptNow(): void {
    this.#transition('connecting');
    this.#backoff.ready();
    if (this.#inFlight === undefined) throw new Error('ReconnectEngine bug: reconnect-core did not dial');
    this.#flush();
  }

  #countFailure(error: ProjError): void {
    if (this.#attempt === 0) this.#firstFailureAt = Date.now();
    this.#attempt += 1;
    this.#lastError = error;
  }

  #resetBackoff(): void {
    this.#attempt = 0;
    this.#firstFailureAt = undefined;
    this.#lastError = undefined;
  }

  #clearHealthyTimer(): void {
    clearTimeout(this.#healthyTimer);
    this.#healthyTimer = undefined;
  }

  #transition(to: ConnectionState): void {
    const from = this.#state;
    // An illegal transition is a bug in this file, not a runtime condition: fail loudly.
    if (!TRANSITIONS[from].includes(to)) throw new Error(`ReconnectEngine bug: illegal transition ${from} → ${to}`);
    this.#state = to;
    this.#queue.push(() => this.emit('state', to, from));
  }

  /**
   * Emits queued events once the engine's own work is done, so a throwing listener cannot leave
   * it half-way. A call made from a listener queues behind the outer loop, which keeps the order.
   * The first listener exception is rethrown after every event went out.
   */
  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    let thrown: { error: unknown } | undefined;
    try {
      for (let event = this.#queue.shift(); event !== undefined; event = this.#queue.shift()) {
        try {
          event();
        } catch (error) {
          thrown ??= { error };
        }
      }
    } finally {
      this.#flushing = false;
    }
    if (thrown !== undefined) throw thrown.error;
  }
}
