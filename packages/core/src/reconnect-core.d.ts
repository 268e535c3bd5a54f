/**
 * Minimal types for reconnect-core@1.3.0 (it ships none), covering only what core and its
 * pitfall tests use. Read `node_modules/reconnect-core/index.js` before widening them.
 */
declare module 'reconnect-core' {
  import type { EventEmitter } from 'node:events';

  namespace reconnectCore {
    /** What `createConnection` returns: reconnect-core calls on/once/removeListener and `end()` (from disconnect()). */
    interface Connection {
      on(event: string, listener: (...args: unknown[]) => void): this;
      once(event: string, listener: (...args: unknown[]) => void): this;
      removeListener(event: string, listener: (...args: unknown[]) => void): this;
      end(): void;
    }

    /** Shape of the `backoff` package's Backoff, the only members reconnect-core touches. */
    interface BackoffLike {
      on(event: 'backoff', listener: (number: number, delay: number, error?: unknown) => void): unknown;
      on(event: 'ready', listener: (number: number, delay: number) => void): unknown;
      on(event: 'fail', listener: (error?: unknown) => void): unknown;
      backoff(error?: unknown): void;
      reset(): void;
      failAfter(maxNumberOfRetry: number): void;
    }

    interface Options {
      /** A `backoff` strategy name ('fibonacci', 'exponential') or a Backoff-like object. */
      strategy?: string | BackoffLike;
      type?: string;
      initialDelay?: number;
      maxDelay?: number;
      randomisationFactor?: number;
      /** Passed to `backoff.failAfter()` when truthy. */
      failAfter?: number;
      /** Treat the connection as established as soon as it is created. */
      immediate?: boolean;
      onConnect?: (connection: Connection) => void;
    }

    interface Reconnector extends EventEmitter {
      connected: boolean;
      reconnect: boolean;
      _connection?: Connection;
      connect(...args: unknown[]): this;
      listen(...args: unknown[]): this;
      disconnect(): this;
      reset(): void;
    }

    type CreateConnection = (this: Reconnector, ...args: unknown[]) => Connection;
  }

  function reconnectCore(
    createConnection: reconnectCore.CreateConnection,
  ): (opts?: reconnectCore.Options | ((connection: reconnectCore.Connection) => void), onConnect?: (connection: reconnectCore.Connection) => void) => reconnectCore.Reconnector;

  export = reconnectCore;
}
