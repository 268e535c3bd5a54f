import type { TypedEmitter, EventMap } from '../src/index.js';

/** Resolves with the arguments of the next `event`, or rejects after `ms` (a deadline, not a sleep). */
export function nextEvent<E extends EventMap<E>, K extends keyof E & string>(emitter: { eventTypes?: E; on: TypedEmitter<E>['on']; off: TypedEmitter<E>['off'] }, event: K, ms = 5000): Promise<Parameters<E[K]>> {
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

/** Polls `predicate` on every macrotask until it holds, or rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Collects every `message` of a channel-like emitter. */
export function collect(emitter: { on(event: 'message', fn: (value: unknown) => void): unknown }): unknown[] {
  const out: unknown[] = [];
  emitter.on('message', (value) => out.push(value));
  return out;
}
