/**
 * What every transport contender provides: an echo server (decode each message, encode a reply)
 * and a client that sends messages one by one and hands replies back decoded. The load drivers
 * (`transport-jobs.ts`) only see this interface, so every contender pays the same driver cost.
 */

/** Where a server listens / a client dials: a loopback TCP port or a unix socket path. */
export interface Endpoint {
  port?: number;
  path?: string;
}

export interface EchoServer {
  /** Where clients reach it (a port on 127.0.0.1, or a socket path). */
  endpoint: Endpoint;
  close(): Promise<void>;
}

/** Called with each decoded reply, in arrival order. */
export type ReplyHandler = (reply: unknown) => void;

export interface BenchClient {
  /** Sends one message, the way a user of this library sends one message. */
  send(message: unknown): void;
  /**
   * Called after sends made outside a reply callback (the first message of a job). Contenders
   * that batch by hand write what they hold; the others have nothing to do. Sends made inside a
   * reply callback are written by the contender itself (a batching one, once per received chunk).
   */
  flush(): void;
  close(): Promise<void>;
}

export interface Contender {
  /** Listens on `endpoint` (port 0 = any free port on 127.0.0.1). */
  startServer(endpoint: Endpoint): Promise<EchoServer>;
  connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient>;
}

/** `net.connect`/`listen` options for an endpoint. */
export function netTarget(endpoint: Endpoint): { path: string } | { host: string; port: number } {
  if (endpoint.path !== undefined) return { path: endpoint.path };
  return { host: '127.0.0.1', port: endpoint.port ?? 0 };
}

/**
 * The client of a contender that batches by hand (the raw references, the ws floor): `send()`
 * appends a line, `flush()` hands all of them to `write` at once, and so does a `send()` that
 * makes the batch `partUnits` UTF-16 units long or longer.
 */
export function batchingClient(write: (text: string) => void, close: () => Promise<void>, partUnits = Infinity): BenchClient {
  let out = '';
  // The references' send() has no length check at all, so that they do not pay for the variant.
  const send =
    partUnits === Infinity
      ? (message: unknown): void => {
          out += JSON.stringify(message) + '\n';
        }
      : (message: unknown): void => {
          out += JSON.stringify(message) + '\n';
          if (out.length < partUnits) return;
          write(out);
          out = '';
        };
  return {
    send,
    flush(): void {
      if (out === '') return;
      write(out);
      out = '';
    },
    close,
  };
}
