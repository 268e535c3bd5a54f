/**
 * An in-memory transport: link pairs with real asynchronous delivery, backpressure and
 * pause/resume, so core's tests (and users' unit tests) need no sockets. A write is confirmed
 * once the other side has read it (a socket's, once the kernel took it): what a destroyed link
 * never read fails, and core reports or resends it, as over a socket.
 */
import { ErrorCode, ProjError, checkNumber } from './errors.js';
import type { Link, LinkCloseInfo, LinkHandlers, Listener, Transport } from './transport.js';

/** Options of {@link createLinkPair} and {@link memory}. */
export interface MemoryLinkOptions {
  /** Bytes a side may have in flight before `write()` returns `false`. @default 65536 (64 KiB) */
  highWaterMark?: number;
  /** Behave like a message-oriented transport (WebSocket): each write arrives as one frame. @default false */
  messageFramed?: boolean;
  /** `Link.maxWriteBytes` of both links: core writes no chunk above it (one line bigger than it aside), as over ws with its `maxPayload`. In bytes. @default undefined (no limit) */
  maxWriteBytes?: number;
  /** `Link.handshake` of server-side links, to test an `authenticate` hook as if over ws or TLS. @default undefined */
  handshake?: Readonly<Record<string, unknown>>;
}

type Chunk = Uint8Array | string;
type WriteCallback = (error?: Error | null) => void;

class MemoryLink implements Link {
  readonly transport = 'memory';
  peer!: MemoryLink;
  #handlers: LinkHandlers | undefined;
  #inbox: Chunk[] = [];
  /** The writer's callback of each inbox chunk: a write is confirmed once it is read, as a socket's once the kernel took it. */
  #inboxCallbacks: Array<WriteCallback | undefined> = [];
  #inboxBytes = 0;
  #paused = false;
  #deliveryScheduled = false;
  #closed = false;
  #ending = false;
  #needDrain = false;
  #closeInfo: LinkCloseInfo | undefined;
  readonly #highWaterMark: number;

  readonly messageFramed: boolean;
  readonly maxWriteBytes: number | undefined;
  handshake: Readonly<Record<string, unknown>> | undefined;

  constructor(readonly remoteAddress: string, highWaterMark: number, options: MemoryLinkOptions) {
    this.#highWaterMark = highWaterMark;
    this.messageFramed = options.messageFramed ?? false;
    this.maxWriteBytes = options.maxWriteBytes;
  }

  /** Writes reach the other side on a later microtask, never inside `write()`. */
  get asyncDelivery(): true {
    return true;
  }

  /** Bytes this side wrote that the other side has not consumed yet. */
  get bufferedAmount(): number {
    return this.peer.#inboxBytes;
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    this.#scheduleDelivery();
  }

  write(chunk: Chunk, callback?: (error?: Error | null) => void): boolean {
    if (this.#closed || this.#ending) {
      if (callback !== undefined) queueMicrotask(() => callback(new ProjError(ErrorCode.CLOSED, 'write after end')));
      return false;
    }
    this.peer.#receive(chunk, callback);
    if (this.bufferedAmount >= this.#highWaterMark) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    // Graceful: the peer sees everything written so far, then the close.
    this.peer.#receiveEnd();
  }

  destroy(error?: Error): void {
    if (this.#closed) return;
    const reset = new ProjError(ErrorCode.CONNECTION_RESET, 'memory link reset by peer');
    // What neither side read yet is lost, and its writers are told so.
    this.#dropInbox(reset);
    this.#finish({ graceful: false, ...(error === undefined ? {} : { error }) });
    this.peer.#dropInbox(reset);
    this.peer.#finish({ graceful: false, error: reset });
  }

  #dropInbox(error: Error): void {
    const callbacks = this.#inboxCallbacks;
    this.#inbox = [];
    this.#inboxCallbacks = [];
    this.#inboxBytes = 0;
    for (const callback of callbacks) if (callback !== undefined) queueMicrotask(() => callback(error));
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleDelivery();
  }

  #receive(chunk: Chunk, callback: WriteCallback | undefined): void {
    if (this.#closed) {
      if (callback !== undefined) queueMicrotask(() => callback(new ProjError(ErrorCode.CONNECTION_RESET, 'memory link closed before the write arrived')));
      return;
    }
    this.#inbox.push(chunk);
    this.#inboxCallbacks.push(callback);
    this.#inboxBytes += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    this.#scheduleDelivery();
  }

  #receiveEnd(): void {
    this.#closeInfo = { graceful: true };
    this.#scheduleDelivery();
  }

  #scheduleDelivery(): void {
    if (this.#deliveryScheduled || this.#handlers === undefined) return;
    this.#deliveryScheduled = true;
    queueMicrotask(this.#deliver);
  }

  #deliver = (): void => {
    this.#deliveryScheduled = false;
    const handlers = this.#handlers;
    if (handlers === undefined || this.#closed) return;
    while (!this.#paused && this.#inbox.length > 0) {
      const chunk = this.#inbox.shift()!;
      const written = this.#inboxCallbacks.shift();
      this.#inboxBytes -= typeof chunk === 'string' ? chunk.length : chunk.byteLength;
      written?.();
      handlers.onData(chunk);
      if (this.#closed) return;
    }
    this.peer.#maybeDrain();
    // Like a paused socket, a paused side does not read the end either: the close waits.
    if (!this.#paused && this.#inbox.length === 0 && this.#closeInfo !== undefined) {
      // The peer ended: like TCP without allowHalfOpen, this side ends too. What this side wrote
      // before (a reply to the peer's last line) still reaches the peer, before this end does.
      this.#finish(this.#closeInfo);
      if (this.peer.#closeInfo === undefined) this.peer.#receiveEnd();
    }
  };

  #maybeDrain(): void {
    if (this.#needDrain && !this.#closed && this.bufferedAmount < this.#highWaterMark) {
      this.#needDrain = false;
      this.#handlers?.onDrain();
    }
  }

  #finish(info: LinkCloseInfo): void {
    if (this.#closed) return;
    this.#closed = true;
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    queueMicrotask(() => handlers.onClose(info));
  }
}

/** Two connected in-memory links: what one writes, the other receives asynchronously. */
export function createLinkPair(options: MemoryLinkOptions = {}): [Link, Link] {
  const highWaterMark = options.highWaterMark ?? 64 * 1024;
  if (options.maxWriteBytes !== undefined) checkNumber('maxWriteBytes', options.maxWriteBytes, 1);
  const a = new MemoryLink('memory:b', highWaterMark, options);
  const b = new MemoryLink('memory:a', highWaterMark, options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

let nextMemoryId = 0;

/**
 * An in-memory {@link Transport}. The value itself is the address: pass the same value to
 * `serve()` and `connect()`. Dialling while nothing listens is refused like ECONNREFUSED.
 */
export function memory(options: MemoryLinkOptions = {}): Transport {
  if (options.maxWriteBytes !== undefined) checkNumber('maxWriteBytes', options.maxWriteBytes, 1);
  const id = ++nextMemoryId;
  let onLink: ((link: Link) => void) | undefined;
  return {
    name: 'memory',
    dial(signal?: AbortSignal): Promise<Link> {
      if (signal?.aborted === true) return Promise.reject(new ProjError(ErrorCode.ABORTED, 'dial aborted'));
      const accept = onLink;
      if (accept === undefined) {
        const cause = Object.assign(new Error(`connect ECONNREFUSED memory:${id}`), { code: 'ECONNREFUSED' });
        return Promise.reject(new ProjError(ErrorCode.CONNECT, `cannot connect to memory:${id}`, { cause }));
      }
      const [client, server] = createLinkPair(options);
      if (options.handshake !== undefined) (server as MemoryLink).handshake = options.handshake;
      return Promise.resolve().then(() => {
        accept(server);
        return client;
      });
    },
    listen(accept: (link: Link) => void): Promise<Listener> {
      if (onLink !== undefined) {
        const cause = Object.assign(new Error(`listen EADDRINUSE memory:${id}`), { code: 'EADDRINUSE' });
        return Promise.reject(new ProjError(ErrorCode.LISTEN, `memory:${id} is already listening`, { cause }));
      }
      onLink = accept;
      return Promise.resolve({
        address: `memory:${id}`,
        close(): Promise<void> {
          if (onLink === accept) onLink = undefined;
          return Promise.resolve();
        },
      });
    },
  };
}
