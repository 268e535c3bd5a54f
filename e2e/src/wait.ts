/** Test synchronisation by events and polling with a deadline: never sleeps as synchronisation. */
import type { EventMap, TypedEmitter } from '@proj/core';

/** Resolves with the arguments of the next `event`, or rejects after `ms`. */
export function nextEvent<E extends EventMap<E>, K extends keyof E & string>(emitter: { eventTypes?: E; on: TypedEmitter<E>['on']; off: TypedEmitter<E>['off'] }, event: K, ms = 10_000): Promise<Parameters<E[K]>> {
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

/** Polls `predicate` every macrotask until it holds, or rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Handles that would keep a process alive, by type, as reported by Node. */
export function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (/^(TCP|Pipe|Timeout|Immediate|TTY)/.test(type) && !type.startsWith('TTY')) counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}
