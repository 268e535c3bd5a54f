/**
 * Synchronisation for tests by events and polling with a deadline: never a sleep as
 * synchronisation, never a wall-clock assertion.
 */
import net from 'node:net';

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

/** Polls `predicate` about every millisecond until it holds, or rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
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

/**
 * A loopback port that was free a moment ago: lets a client start before its server exists.
 * Drawn at random below the kernel's ephemeral range (32768+ on Linux), where outgoing
 * connections and port-0 listeners of other test processes never land, then checked bindable.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port)) return port;
  }
  throw new Error('no free port found in 20000-31999 after 50 tries');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Collects every `message` of a channel-like emitter. */
export function collect(emitter: { on(event: 'message', fn: (value: unknown) => void): unknown }): unknown[] {
  const out: unknown[] = [];
  emitter.on('message', (value) => out.push(value));
  return out;
}
export * from './certs.js';
export * from './leak-check.js';

/** The close information a link reports (structural copy of core's `LinkCloseInfo`). */
export interface RecordedClose {
  graceful: boolean;
  error?: Error;
}

/** Attaches to a raw link and records what arrives as text, and how it closes. */
export function recordLink(link: {
  attach(handlers: { onData(chunk: Uint8Array | string): void; onDrain(): void; onClose(info: RecordedClose): void }): void;
}): { data: () => string; closed: Promise<RecordedClose> } {
  let text = '';
  let done!: (info: RecordedClose) => void;
  const closed = new Promise<RecordedClose>((resolve) => (done = resolve));
  link.attach({ onData: (c) => (text += typeof c === 'string' ? c : Buffer.from(c).toString()), onDrain: () => {}, onClose: done });
  return { data: () => text, closed };
}
