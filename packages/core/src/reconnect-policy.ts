/**
 * The reconnect policy: a pure function from "retry number k, ms since the first failure" to
 * "wait this many ms", or `null` to give up. No timers, no state: the engine owns those.
 */
import { ErrorCode, ProjError, checkNumber } from './errors.js';

/**
 * How the base delay grows with the attempt number.
 * - `fibonacci`: initialDelay × 1, 1, 2, 3, 5, 8, …
 * - `exponential`: initialDelay × factor^(attempt − 1)
 * - `constant`: initialDelay every time
 * - a function: receives the attempt (1-based) and returns ms before cap and jitter. A result that
 *   is not a usable delay is mapped by a fixed rule so a buggy strategy can never cause a retry
 *   storm: `NaN`, non-numbers and `+Infinity` → `maxDelay`; negative → `0`; above `maxDelay` → `maxDelay`.
 */
export type BackoffStrategy = 'fibonacci' | 'exponential' | 'constant' | ((attempt: number) => number);

/**
 * Randomisation applied to the (capped) base delay `d`, with `u` drawn from `random()`:
 * - `none`: d
 * - `full`: u × d
 * - `equal`: d/2 + u × d/2
 * - a ratio `r` in [0, 1]: d × (1 + r × (2u − 1)), i.e. d ± r·d
 */
export type Jitter = 'none' | 'full' | 'equal' | number;

/** Options of {@link createReconnectPolicy}. Every option has a default; `{}` and no object are the same. */
export interface ReconnectPolicyOptions {
  /** How delays grow. @default 'fibonacci' */
  strategy?: BackoffStrategy;
  /** First delay, in ms. `0` is valid (immediate first retry). @default 100 */
  initialDelay?: number;
  /** Largest delay, in ms: a hard cap applied after jitter. At most 2^31 − 1 (the timer limit). @default 10_000 */
  maxDelay?: number;
  /** Growth factor of the `exponential` strategy, >= 1. @default 2 */
  factor?: number;
  /** Randomisation of each delay. @default 'equal' */
  jitter?: Jitter;
  /**
   * Retries allowed after consecutive failures: `next(attempt)` returns `null` once
   * `attempt > maxAttempts`. `0` means never retry. @default Infinity
   */
  maxAttempts?: number;
  /**
   * Time budget in ms since the first failure after the last healthy connection: `next()` returns
   * `null` when `elapsed + delay > maxElapsed`. @default Infinity
   */
  maxElapsed?: number;
  /** Source of randomness in [0, 1) for jitter; results are clamped into [0, 1], NaN counts as 0. @default Math.random */
  random?: () => number;
}

/** Decides how long to wait before each retry, or when to stop. */
export interface ReconnectPolicy {
  /**
   * Delay in ms before retry number `attempt` (1-based), or `null` to stop.
   * `elapsed` = ms since the first failure. An `attempt` below 1 (or NaN) counts as 1; a negative or
   * NaN `elapsed` counts as 0.
   */
  next(attempt: number, elapsed: number): number | null;
}

/** setTimeout's largest delay; anything above fires after 1 ms in Node. */
export const MAX_TIMER_DELAY = 2_147_483_647;

const DEFAULTS = {
  strategy: 'fibonacci',
  initialDelay: 100,
  maxDelay: 10_000,
  factor: 2,
  jitter: 'equal',
  maxAttempts: Infinity,
  maxElapsed: Infinity,
} as const;

interface Resolved {
  strategy: BackoffStrategy;
  initialDelay: number;
  maxDelay: number;
  factor: number;
  jitter: Jitter;
  maxAttempts: number;
  maxElapsed: number;
  random: () => number;
}

function invalid(option: string, value: unknown, expected: string): ProjError {
  return new ProjError(ErrorCode.INVALID_OPTION, `${option} must be ${expected}, got ${String(value)}`, { details: { option, value } });
}

function resolve(options: ReconnectPolicyOptions): Resolved {
  const strategy = options.strategy ?? DEFAULTS.strategy;
  if (typeof strategy !== 'function' && strategy !== 'fibonacci' && strategy !== 'exponential' && strategy !== 'constant') {
    throw invalid('strategy', strategy, "'fibonacci', 'exponential', 'constant' or a function");
  }
  const maxDelay = options.maxDelay ?? DEFAULTS.maxDelay;
  checkNumber('maxDelay', maxDelay, 0, MAX_TIMER_DELAY);
  const initialDelay = options.initialDelay ?? DEFAULTS.initialDelay;
  checkNumber('initialDelay', initialDelay, 0, maxDelay);
  const factor = options.factor ?? DEFAULTS.factor;
  checkNumber('factor', factor, 1);
  const jitter = options.jitter ?? DEFAULTS.jitter;
  if (typeof jitter === 'number') checkNumber('jitter', jitter, 0, 1);
  else if (jitter !== 'none' && jitter !== 'full' && jitter !== 'equal') throw invalid('jitter', jitter, "'none', 'full', 'equal' or a ratio in [0, 1]");
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  checkNumber('maxAttempts', maxAttempts, 0, Infinity, true);
  if (maxAttempts !== Infinity && !Number.isInteger(maxAttempts)) throw invalid('maxAttempts', maxAttempts, 'an integer or Infinity');
  const maxElapsed = options.maxElapsed ?? DEFAULTS.maxElapsed;
  checkNumber('maxElapsed', maxElapsed, 0, Infinity, true);
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw invalid('random', random, 'a function');
  return { strategy, initialDelay, maxDelay, factor, jitter, maxAttempts, maxElapsed, random };
}

/** initialDelay × fib(attempt), O(1) once past the cap: stops iterating as soon as the cap is reached. */
function fibonacci(attempt: number, initialDelay: number, cap: number): number {
  // initialDelay 0 never reaches the cap: without this the loop would run `attempt` times.
  if (initialDelay === 0) return 0;
  let previous = 0;
  let current = initialDelay;
  // Bounded by ~1,600 iterations even for the smallest positive double, since cap <= 2^31 − 1.
  for (let i = 1; i < attempt && current < cap; i++) {
    const next = previous + current;
    previous = current;
    current = next;
  }
  return Math.min(current, cap);
}

/** initialDelay × factor^(attempt − 1), capped; `Math.pow` overflows to Infinity, never NaN (0 × Infinity is avoided). */
function exponential(attempt: number, initialDelay: number, factor: number, cap: number): number {
  if (initialDelay === 0) return 0;
  return Math.min(initialDelay * Math.pow(factor, attempt - 1), cap);
}

/** Maps whatever a custom strategy returned to [0, cap] (see {@link BackoffStrategy}). */
function sanitize(value: unknown, cap: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) return cap;
  return Math.min(Math.max(value, 0), cap);
}

function baseDelay(o: Resolved, attempt: number): number {
  switch (o.strategy) {
    case 'fibonacci':
      return fibonacci(attempt, o.initialDelay, o.maxDelay);
    case 'exponential':
      return exponential(attempt, o.initialDelay, o.factor, o.maxDelay);
    case 'constant':
      return o.initialDelay;
    default:
      return sanitize(o.strategy(attempt), o.maxDelay);
  }
}

function applyJitter(delay: number, jitter: Jitter, random: () => number): number {
  if (jitter === 'none' || jitter === 0) return delay;
  const drawn = random();
  const u = Number.isNaN(drawn) ? 0 : Math.min(Math.max(drawn, 0), 1);
  if (jitter === 'full') return u * delay;
  if (jitter === 'equal') return delay / 2 + (u * delay) / 2;
  return delay * (1 + jitter * (2 * u - 1));
}

/**
 * Builds a pure {@link ReconnectPolicy}. Options are validated here (`PROJ_ERR_INVALID_OPTION`).
 * Delays are integers of ms in [0, maxDelay], finite for any attempt number.
 */
export function createReconnectPolicy(options: ReconnectPolicyOptions = {}): ReconnectPolicy {
  const o = resolve(options);
  return {
    next(attempt: number, elapsed: number): number | null {
      const n = attempt >= 1 ? Math.floor(attempt) : 1;
      const spent = elapsed >= 0 ? elapsed : 0;
      if (n > o.maxAttempts) return null;
      const jittered = applyJitter(baseDelay(o, n), o.jitter, o.random);
      // The cap is applied after jitter (a hard cap) and after rounding, so it always holds.
      const delay = Math.min(Math.max(Math.round(jittered), 0), o.maxDelay);
      if (spent + delay > o.maxElapsed) return null;
      return delay;
    },
  };
}
