/**
 * The transport contract: what an adapter implements. Adapters move bytes only; framing,
 * retries and bookkeeping live in core. See `docs/writing-an-adapter.md`.
 */

/** How a link ended, as the adapter observed it. */
export interface LinkCloseInfo {
  /**
   * `true` when the link closed in an orderly way (TCP FIN, WebSocket close 1000/1001),
   * `false` when it was torn down (TCP RST, WebSocket 1006, a socket error).
   */
  graceful: boolean;
  /** The transport error behind an abrupt close, wrapped by the adapter as a `ProjError` with `cause`. */
  error?: Error;
}

/** Callbacks a link delivers to. Set once by core through {@link Link.attach}; the hot path stays callback-based. */
export interface LinkHandlers {
  /**
   * Bytes (or a text frame) arrived. On a byte stream core writes the replies from inside this
   * call: a `Link.write()` that delivers synchronously to an in-process other end must keep that
   * nesting bounded (a Node `Writable` does: it queues a write made during another).
   */
  onData(chunk: Uint8Array | string): void;
  /** The transport's buffer emptied after `write()` returned `false`. */
  onDrain(): void;
  /** The link is gone. Called exactly once, after which no other handler is called. */
  onClose(info: LinkCloseInfo): void;
}

/** One established, bidirectional byte pipe. */
export interface Link {
  /** Transport name, e.g. `tcp`, `unix`, `ws`, `memory`. Fixed for the link's life. */
  readonly transport: string;
  /**
   * Human-readable description of the remote end (`127.0.0.1:53211`, a socket path, a URL).
   * Fixed for the link's life and still readable inside `onClose`: a server's peer reads it from
   * its open link and copies it when the link closes.
   */
  readonly remoteAddress: string;
  /**
   * `true` for message-oriented transports (WebSocket): each `onData` chunk is one whole frame,
   * and the end of a frame also ends a line, so a frame may omit its trailing newline (a browser
   * can send `JSON.stringify(x)`). @default false (a byte stream: lines end only at `\n`)
   */
  readonly messageFramed?: boolean;
  /**
   * For a message-framed link, read by core inside `onData`: `true` when the frame being
   * delivered is the last whole one the current read holds, with no bytes after it (a WebSocket
   * read that carried one frame). Core then writes the replies sent while handling it before
   * `onData` returns, as it does at the end of a byte-stream chunk, instead of on the next tick,
   * unless the replies to other frames already wait for the tick: a read of several frames is
   * still answered in one write (in parts within `maxWriteBytes`). Leave it unset (or `false`)
   * when the transport cannot tell. Read only for a link with `asyncDelivery`. @default undefined
   */
  readonly lastFrameOfRead?: boolean;
  /**
   * `true` when what `write()` hands over never reaches the other end's handlers before `write()`
   * returns (sockets and WebSockets deliver on a later turn of the event loop, core's memory
   * transport on a later microtask). Core then writes sends that may fill `highWaterMark` at once,
   * from inside `send()`, even while a received chunk is being handled. Leave it unset for a
   * synchronous in-process pair, whose other end's answer would come back inside that `write()`:
   * core then writes as it always did, once per chunk (at its end) or per tick. With it, `write()`
   * must not call this link's own handlers either (report a failure or a close later, as
   * sockets do): it may run while a chunk is being decoded. @default false
   */
  readonly asyncDelivery?: boolean;
  /**
   * Largest chunk one `write()` may carry, in UTF-8 bytes, for a link whose peer refuses bigger
   * ones (a WebSocket peer closes with 1009 on a frame above its `maxPayload`, and what was
   * written after that frame is lost). Core writes a larger batch, such as the lines queued
   * during backpressure or while a client was disconnected, as several writes of whole lines,
   * each within it and within 1 MiB + 64 KiB (the default `maxPayload`); a line bigger than
   * 1 MiB + 64 KiB goes alone, and a line bigger than this limit is not written but reported
   * through `dropped` (`PROJ_ERR_DROPPED`, `details.maxWriteBytes`). Read at each write. Set it
   * only with `asyncDelivery`: the parts of a batch are written one after the other, and a
   * `write()` that re-entered the channel would interleave with them. @default undefined (no limit)
   */
  readonly maxWriteBytes?: number;
  /**
   * What the transport learned while establishing the link, for a server's `authenticate` hook:
   * WebSocket `{ url, headers }` of the upgrade request; TLS `{ authorized, authorizationError,
   * peerCertificate }`. Plain TCP and unix links have none. Fixed for the link's life, like
   * `remoteAddress`. @default undefined
   */
  readonly handshake?: Readonly<Record<string, unknown>>;
  /** Bytes accepted by `write()` and not yet handed to the kernel or the wire. */
  readonly bufferedAmount: number;
  /**
   * Starts delivery. Core calls it once, synchronously after receiving the link; an adapter must
   * not lose data that arrives before it (net sockets stay paused until a data listener exists).
   */
  attach(handlers: LinkHandlers): void;
  /**
   * Writes a chunk. Returns `false` when the transport's buffer is full: wait for `onDrain`.
   * `callback` runs once the chunk is handed to the kernel/wire (no argument), or with an error
   * if it never will be (the link failed first). Successes run in write order, and may run
   * synchronously, before `write()` returns, when the chunk was handed over at once. An error may
   * come before the successes of earlier writes, but no write after a failed one may succeed.
   * Core uses this to resend, rather than silently lose, batches a dying link never accepted.
   */
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  /** Graceful close: flush what is buffered, then FIN / WebSocket close 1000. */
  end(): void;
  /** Abrupt close: drop buffers, TCP RST / WebSocket terminate. */
  destroy(error?: Error): void;
  /** Stops reading from the transport (flow control towards the peer). */
  pause(): void;
  /** Resumes reading after {@link Link.pause}. */
  resume(): void;
}

/** A listening endpoint, server side. */
export interface Listener {
  /** Where peers reach it: `tcp://127.0.0.1:8024`, `unix:/tmp/x.sock`, `ws://127.0.0.1:8080/`. */
  readonly address: string;
  /** The bound port, for port-based transports (useful with port 0). */
  readonly port?: number;
  /**
   * Stops accepting new links and releases the listening handle. Established links are not
   * touched (the registry closes them). Resolves once the handle is released.
   */
  close(): Promise<void>;
}

/** A transport is a value passed to `serve()` and `connect()`; there is no global registry of transports. */
export interface Transport {
  /** Transport name, e.g. `tcp`. */
  readonly name: string;
  /**
   * Whether an abrupt close (`destroy()`) reaches the peer as a reset it can tell from a graceful
   * close. `false` for unix domain sockets, which have no RST: there the peer sees `remote-end`
   * for both. @default true
   */
  readonly resetVisible?: boolean;
  /**
   * Opens one link, client side. Rejects with a `ProjError` `PROJ_ERR_CONNECT` whose `cause` is the
   * native error, or `PROJ_ERR_ABORTED` when `signal` aborts first (any half-open socket is destroyed).
   */
  dial(signal?: AbortSignal): Promise<Link>;
  /**
   * Starts accepting links, server side. Rejects with `PROJ_ERR_LISTEN` (native error as `cause`).
   */
  listen(onLink: (link: Link) => void): Promise<Listener>;
}
