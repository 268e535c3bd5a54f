/**
 * Helpers shared by the packages' tests and e2e: waits by event or polled condition with a
 * deadline (`wait.ts`), free ports, certificates, leak checks, link recorders.
 */
import net from 'node:net';

export * from './wait.js';

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
