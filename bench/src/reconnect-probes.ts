/**
 * The two reconnecting clients of the reconnect benchmark, instrumented alike: when each retry
 * was scheduled to start, when it started, and when the client was connected, on the shared
 * clock. @proj with its defaults; bare `reconnect-core` as its README sets it up over `net`,
 * with a 50 ms initial delay and a 10 s cap.
 */
import { connect, type Client, type Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { EventEmitter } from 'node:events';
import { epochMs } from './clock.js';

/** One established connection and the attempt that made it. */
export interface Connection {
  connectedAt: number;
  /** When the successful attempt started dialling. */
  attemptAt: number;
  /** When the backoff timer of that attempt was due (`undefined` for the first connection). */
  scheduledAt: number | undefined;
  /** Attempts since the previous connection, this one included. */
  attempts: number;
}

export interface ReconnectProbe {
  readonly name: string;
  /** Every connection so far, in order. */
  readonly connections: readonly Connection[];
  close(): Promise<void>;
}

class Recorder {
  readonly connections: Connection[] = [];
  #scheduledAt: number | undefined;
  #attemptAt = 0;
  #attempts = 0;

  scheduled(delay: number): void {
    this.#scheduledAt = epochMs() + delay;
  }

  attempt(): void {
    this.#attemptAt = epochMs();
    this.#attempts++;
  }

  connected(): void {
    this.connections.push({ connectedAt: epochMs(), attemptAt: this.#attemptAt, scheduledAt: this.#scheduledAt, attempts: this.#attempts });
    this.#scheduledAt = undefined;
    this.#attempts = 0;
  }
}

/** Report name of {@link projProbe} (the reconnect target finds its row by it). */
export const PROJ_PROBE = '@proj (defaults: fibonacci, 100 ms, 10 s cap, equal jitter)';
/** Report name of {@link reconnectCoreProbe} (the reconnect target finds its row by it). */
export const RECONNECT_CORE_PROBE = 'reconnect-core (fibonacci, 50 ms, 10 s cap)';

/** @proj's `connect()` with every reconnect option at its default. */
export function projProbe(port: number): ReconnectProbe {
  const recorder = new Recorder();
  const inner = tcp({ port });
  // The attempt is stamped as its dial starts, as reconnect-core's 'reconnect' event is (the
  // client's 'connecting' state event comes after the dial has begun).
  const transport: Transport = {
    name: inner.name,
    listen: (onLink) => inner.listen(onLink),
    dial: (signal) => {
      recorder.attempt();
      return inner.dial(signal);
    },
  };
  const client: Client = connect(transport);
  client.on('reconnecting', ({ delay }) => recorder.scheduled(delay));
  client.on('connect', () => recorder.connected());
  client.on('message', () => {});
  return { name: PROJ_PROBE, connections: recorder.connections, close: () => client.destroy() };
}

/** The slice of reconnect-core's API this probe uses (it ships no types). */
interface Reconnector extends EventEmitter {
  connect(port: number): Reconnector;
  disconnect(): Reconnector;
  _connection?: net.Socket;
}
type Inject = (createConnection: (port: number) => net.Socket) => (options: { initialDelay: number; maxDelay: number }, onConnect: (socket: net.Socket) => void) => Reconnector;

/** Bare reconnect-core over net, fibonacci from 50 ms, capped at 10 s. */
export function reconnectCoreProbe(port: number): ReconnectProbe {
  const inject = createRequire(import.meta.url)('reconnect-core') as Inject;
  const recorder = new Recorder();
  const reconnector = inject((p) => net.connect({ host: '127.0.0.1', port: p }))({ initialDelay: 50, maxDelay: 10_000 }, (socket) => {
    socket.on('data', () => {});
  });
  reconnector.on('backoff', (_n: number, delay: number) => recorder.scheduled(delay));
  reconnector.on('reconnect', () => recorder.attempt());
  reconnector.on('connect', () => recorder.connected());
  reconnector.on('error', () => {}); // its pitfall 5: without a listener, ECONNREFUSED would crash the run
  reconnector.connect(port);
  return {
    name: RECONNECT_CORE_PROBE,
    connections: recorder.connections,
    close: () => {
      reconnector.disconnect();
      reconnector._connection?.destroy();
      return Promise.resolve();
    },
  };
}
