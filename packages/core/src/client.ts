/**
 * `connect(transport, options)`: a client channel that connects, reconnects with backoff when
 * the link drops (or before the server exists), queues sends while disconnected and flushes
 * them in order once connected again.
 */
import { Channel, type ChannelEvents, type ChannelOptions, type ConnectionState, type DisconnectInfo } from './channel.js';
import { isRefusal } from './control.js';
import { diagnosticChannels, subscribed } from './diagnostics.js';
import { ErrorCode, ProjError } from './errors.js';
import { ReconnectEngine } from './reconnect-engine.js';
import type { ReconnectPolicy, ReconnectPolicyOptions } from './reconnect-policy.js';
import type { Link, Transport } from './transport.js';

/** Options of {@link connect}. */
export interface ClientOptions extends ChannelOptions {
  /**
   * Reconnect policy: options for the built-in backoff, a policy object, or `false` to make a
   * single connection attempt and close (state `closed`) when it ends.
   * @default { strategy: 'fibonacci', initialDelay: 100, maxDelay: 10000, jitter: 'equal' }
   */
  reconnect?: ReconnectPolicyOptions | ReconnectPolicy | false;
  /** ms a connection must stay up (or a first message arrive) before backoff resets. @default 1000 */
  healthyAfter?: number;
  /** Identifier used in error details and diagnostics. @default `client-<n>` */
  id?: string;
}

/** Payload of the client's `connect` event. */
export interface ConnectInfo {
  remoteAddress: string;
  /** Connections this client has opened so far, this one included. */
  connections: number;
}

/** Payload of the client's `reconnecting` event. */
export interface ReconnectingInfo {
  /** 1-based retry number since the last healthy connection. */
  attempt: number;
  /** ms until the retry. */
  delay: number;
  /** Why the previous attempt or connection failed. */
  error?: ProjError;
}

/** Events of a {@link Client}. */
export interface ClientEvents extends ChannelEvents {
  /** A link is open; queued messages are being flushed. */
  connect: (info: ConnectInfo) => void;
  /** The next attempt is scheduled. */
  reconnecting: (info: ReconnectingInfo) => void;
  /** The reconnect policy gave up (`PROJ_ERR_RECONNECT_FAILED`); the client is `failed` and closed. */
  failed: (error: ProjError) => void;
  /** The connection state changed. */
  state: (state: ConnectionState, previous: ConnectionState) => void;
  /** The client is closed for good (after `end()`, `destroy()`, `failed`, or a close with `reconnect: false`). */
  close: () => void;
}

let clientSequence = 0;

/**
 * How long what a client writes on a new connection is kept, until the server says anything
 * (ms): a server refuses a connection (`maxConnections`, or `authenticate` within its
 * `authTimeout`, 10 s by default) with its first line and discards what the client wrote, which
 * the client then sends again on its next connection instead of losing it.
 */
const REFUSAL_WINDOW_MS = 15_000;

/** A reconnecting client channel. Create it with {@link connect}. */
export class Client extends Channel<ClientEvents> {
  readonly id: string;
  /** Connections opened and lost since the first: how often the client reconnected. */
  reconnects = 0;
  readonly #engine: ReconnectEngine;
  readonly #reconnect: boolean;
  #connections = 0;
  #firstMessage = false;
  /** Ends the refusal window of the current connection (see {@link REFUSAL_WINDOW_MS}). */
  #refusalWindow: ReturnType<typeof setTimeout> | undefined;
  #stopping: 'end' | 'destroy' | undefined;
  #final: 'closed' | 'failed' | undefined;
  /** Set when the client finished while a link's losses were reported: the state before, for the announcement after its `disconnect`. */
  #unannounced: ConnectionState | undefined;
  /** Pending {@link Client.connected} promises. */
  #connectWaiters: Array<{ resolve: () => void; reject: (error: ProjError) => void }> | undefined;
  #closed: Promise<void>;
  #resolveClosed!: () => void;

  /** @internal Use {@link connect}. */
  constructor(transport: Transport, options: ClientOptions = {}) {
    super(options);
    this.id = options.id ?? `client-${++clientSequence}`;
    this.#reconnect = options.reconnect !== false;
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    const policy = options.reconnect === false ? { maxAttempts: 0 } : options.reconnect;
    this.#engine = new ReconnectEngine({
      dial: (signal) => transport.dial(signal),
      ...(policy === undefined ? {} : { policy }),
      ...(options.healthyAfter === undefined ? {} : { healthyAfter: options.healthyAfter }),
    });
    this.#engine.on('open', (link) => this.#onOpen(link));
    this.#engine.on('state', (state, previous) => {
      if (this.#final === undefined) this.emit('state', state, previous);
    });
    this.#engine.on('reconnecting', (info) => {
      subscribed(diagnosticChannels.clientReconnecting)?.publish({ client: this, ...info });
      this.emit('reconnecting', info);
    });
    this.#engine.on('failed', (error) => this.#onFailed(error));
  }

  /** `idle`, `connecting`, `open`, `waiting` (to retry), `closed` or `failed`. */
  get state(): ConnectionState {
    return this.#final ?? this.#engine.state;
  }

  /** Resolves once the client is closed for good. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** @internal Starts connecting. */
  start(): this {
    this.#engine.start();
    return this;
  }

  /**
   * Resolves when the client is connected (at once if it is). Rejects with
   * `PROJ_ERR_RECONNECT_FAILED` or `PROJ_ERR_CLOSED` if it closes first.
   */
  connected(): Promise<void> {
    // 'open' with no link: the link is let go and its `disconnect` is still to come.
    if (this.state === 'open' && this.link !== undefined) return Promise.resolve();
    if (this.#final !== undefined) return Promise.reject(new ProjError(ErrorCode.CLOSED, `${this.id} is ${this.#final}`));
    // Settled by the client itself, not through `connect`/`failed`/`close` listeners: an earlier
    // listener that throws would stop the event before it reached them, and leave this pending.
    return new Promise((resolve, reject) => (this.#connectWaiters ??= []).push({ resolve, reject }));
  }

  /** Settles every pending {@link connected} promise: resolved without an error, rejected with it. */
  #settleConnectWaiters(error?: ProjError): void {
    const waiters = this.#connectWaiters;
    if (waiters === undefined) return;
    this.#connectWaiters = undefined;
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  /**
   * Closes gracefully for good: queued messages are written, then the link is ended; no
   * reconnect. Messages that could not be sent (not connected) are reported by `dropped`.
   * Resolves once nothing is left open.
   */
  end(): Promise<void> {
    this.#stop('end');
    return this.#closed;
  }

  /** Closes abruptly for good; queued messages are reported by `dropped`. Resolves once nothing is left open. */
  destroy(): Promise<void> {
    this.#stop('destroy');
    return this.#closed;
  }

  /** Alias of {@link Client.end}. */
  close(): Promise<void> {
    return this.end();
  }

  #stop(mode: 'end' | 'destroy'): void {
    if (this.#stopping !== undefined || this.#final !== undefined) {
      if (mode === 'destroy' && this.link !== undefined) this.destroyLink();
      return;
    }
    this.#stopping = mode;
    if (this.link === undefined) {
      this.#finishClient('closed', 'client closed while not connected');
      return;
    }
    if (mode === 'end') this.endLink();
    else this.destroyLink();
  }

  #onOpen(link: Link): void {
    if (this.#stopping !== undefined || this.#final !== undefined) {
      link.destroy();
      return;
    }
    this.#connections++;
    if (this.#connections > 1) this.reconnects++;
    this.#firstMessage = true;
    this.holdUntilProven();
    this.#refusalWindow = setTimeout(() => this.#closeRefusalWindow(), REFUSAL_WINDOW_MS);
    this.#refusalWindow.unref?.();
    this.attachLink(link);
    // The link reported from inside attach() that it had closed already.
    if (this.link !== link) return;
    const info: ConnectInfo = { remoteAddress: link.remoteAddress, connections: this.#connections };
    subscribed(diagnosticChannels.clientConnect)?.publish({ client: this, ...info });
    this.#settleConnectWaiters();
    this.emit('connect', info);
  }

  protected override onMessage(value: unknown): boolean {
    if (!this.#firstMessage) return true;
    this.#firstMessage = false;
    if (isRefusal(value)) {
      // The server refused us (full, or not authorized): not a message for the application, and
      // not a healthy connection, so the backoff keeps growing.
      const code = value.code === ErrorCode.UNAUTHORIZED ? ErrorCode.UNAUTHORIZED : ErrorCode.MAX_CONNECTIONS;
      this.destroyLink('refused', new ProjError(code, `server refused the connection: ${value.reason}`, { details: { connection: this.id } }));
      return false;
    }
    this.#engine.markHealthy();
    this.#closeRefusalWindow();
    return true;
  }

  /** The server accepted the connection, or had the time to refuse it: what was written is no longer kept. */
  #closeRefusalWindow(): void {
    this.#stopRefusalTimer();
    this.proven();
  }

  #stopRefusalTimer(): void {
    clearTimeout(this.#refusalWindow);
    this.#refusalWindow = undefined;
  }

  protected override linkClosed(info: DisconnectInfo): void {
    this.#stopRefusalTimer();
    subscribed(diagnosticChannels.clientDisconnect)?.publish({ client: this, ...info });
    try {
      this.fire('disconnect', info);
    } finally {
      const unannounced = this.#unannounced;
      this.#unannounced = undefined;
      // Reconnects or finishes even when a `disconnect` listener threw.
      if (unannounced !== undefined) {
        this.#announceFinish(unannounced);
      } else if (this.#stopping !== undefined) {
        this.#finishClient('closed', `client ${this.#stopping === 'end' ? 'ended' : 'destroyed'}`);
      } else if (!this.#reconnect) {
        this.#finishClient('closed', 'connection closed and reconnect is disabled');
      } else {
        this.#engine.linkClosed(info.error);
      }
    }
  }

  #onFailed(error: ProjError): void {
    subscribed(diagnosticChannels.clientFailed)?.publish({ client: this, error });
    this.#settleConnectWaiters(error);
    try {
      this.emit('failed', error);
    } finally {
      // Finished even when a `failed` listener threw.
      this.#finishClient('failed', this.#reconnect ? 'reconnect gave up' : 'connection failed');
    }
  }

  #finishClient(final: 'closed' | 'failed', why: string): void {
    if (this.#final !== undefined) return;
    const previous = this.#engine.state;
    // Final first: the engine's own `state` event on closing is not passed on (the one below is),
    // so a throwing `state` listener cannot stop the close halfway, nor see the change twice.
    this.#final = final;
    this.#engine.close();
    this.#engine.removeAllListeners();
    this.#settleConnectWaiters(new ProjError(ErrorCode.CLOSED, `${this.id} closed before connecting`));
    if (this.releasingLink) {
      // Stopped from a `dropped` listener while a closed link's losses are reported: closed at
      // once (sends throw, `connected()` rejects), announced by linkClosed() after the link's
      // `disconnect`.
      this.#unannounced = previous;
      this.finish(why);
      return;
    }
    try {
      this.finish(why);
    } finally {
      this.#announceFinish(previous);
    }
  }

  /** Resolves `closed` and emits the final `state` and `close`, even when a `dropped` or `state` listener threw. */
  #announceFinish(previous: ConnectionState): void {
    this.#resolveClosed();
    try {
      if (previous !== this.#final) this.emit('state', this.#final!, previous);
    } finally {
      this.emit('close');
    }
  }
}

/**
 * Creates a client and starts connecting at once. It retries with backoff until connected
 * (the server may start later), reconnects whenever the connection drops, and queues `send()`s
 * in between. Never throws for connection problems: watch `reconnecting`, `disconnect`, `failed`.
 *
 * @example
 * const client = connect(tcp({ port: 8024 }));
 * client.on('message', (msg) => handle(msg));
 * client.send({ hello: 'world' });
 */
export function connect(transport: Transport, options: ClientOptions = {}): Client {
  return new Client(transport, options).start();
}
