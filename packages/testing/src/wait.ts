/**
 * Waits for tests: an event, a condition polled with a deadline, a promise with a deadline.
 * Never a sleep as synchronisation, never a wall-clock assertion.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** Anything with typed `on`/`off` (a TypedEmitter from @proj/core), typed structurally to avoid a dependency. */
export interface EventSource<E> {
  eventTypes?: E;
  on<K extends keyof E>(event: K, listener: E[K]): unknown;
  off<K extends keyof E>(event: K, listener: E[K]): unknown;
}

/** Resolves with the arguments of the next `event`, or rejects after `ms`. */
export function nextEvent<E extends { [K in keyof E]: Listener }, K extends keyof E & string>(emitter: EventSource<E>, event: K, ms = 10_000): Promise<Parameters<E[K]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const listener = ((...args: Parameters<E[K]>) => {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    }) as E[K];
    emitter.on(event, listener);
  });
}

/**
 * Polls `predicate` about every millisecond until it holds, or rejects after `ms`. `what` names
 * the condition in the error; a function is called at the deadline, so it can report the state then.
 */
export async function until(predicate: () => boolean, ms = 10_000, what: string | (() => string) = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects after `ms` naming `what`: a close() that never
 * finishes fails with its name instead of an anonymous test timeout.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
