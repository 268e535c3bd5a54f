/**
 * A {@link Link} over a Node duplex byte stream: a `net.Socket` (TCP or a unix socket), a
 * `tls.TLSSocket`, or any stream of the same shape. Adapters share it instead of each writing
 * their own. Typed structurally, so core imports no transport module.
 */
import { ErrorCode, ProjError } from './errors.js';
import type { Link, LinkCloseInfo, LinkHandlers } from './transport.js';

/** The members of a `net.Socket` the link uses. */
export interface DuplexLike {
  readonly destroyed: boolean;
  /** False once the stream was destroyed, errored or ended: a write would fail. */
  readonly writable: boolean;
  readonly writableLength: number;
  /** `end()` was called. */
  readonly writableEnded: boolean;
  /** The end completed: the FIN went out. */
  readonly writableFinished: boolean;
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  end(): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: (hadError: boolean) => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/**
 * Options of {@link DuplexLink}. The link keeps a reference to them instead of copying their
 * fields (bench "memory per idle connection"), so links of one kind should share one frozen
 * object: a plain TCP adapter makes one for all its links. Links whose `handshake` or `abort` is
 * their own (TLS: the peer's certificate, the TCP socket to reset) make one per link.
 */
export interface DuplexLinkOptions {
  /** Transport name (`tcp`, `unix`, `tls`). */
  readonly transport: string;
  /**
   * Abrupt close that the peer can tell from a graceful one, e.g. `() => socket.resetAndDestroy()`
   * (TCP RST). Called with the stream, so one shared function can serve every link instead of a
   * closure per connection. Not called while an `end()` is still pending: the stream's
   * `destroy()` closes it then (see {@link DuplexLink.destroy}). @default the stream's `destroy()`
   */
  readonly abort?: (stream: DuplexLike) => void;
  /** What the handshake established (TLS: `{ authorized, peerCertificate, … }`), exposed as `Link.handshake`. @default undefined (none) */
  readonly handshake?: Readonly<Record<string, unknown>>;
  /**
   * The stream hands a write to the kernel inside `write()` whenever the kernel has room, as a
   * plain `net.Socket` does (a `tls.TLSSocket` does not: it encrypts and writes later). Such a
   * write is then confirmed at once, without a callback through Node's after-write tick.
   * @default false
   */
  readonly syncWrites?: boolean;
  /** The stream never delivers a write to the other end before `write()` returns (a socket): `Link.asyncDelivery`. @default false */
  readonly asyncDelivery?: boolean;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Where a stream's listeners find their link: one shared function per event instead of four closures per link. */
const kLink = Symbol('@proj/core.DuplexLink');
type Carrier = DuplexLike & { [kLink]?: DuplexLink };

/** Wraps a native stream error at the edge: resets become `PROJ_ERR_CONNECTION_RESET`, the rest `PROJ_ERR_TRANSPORT`; the native error is the `cause`. */
export function wrapStreamError(error: Error & { code?: string }, remoteAddress: string): ProjError {
  const code = error.code !== undefined && RESET_CODES.has(error.code) ? ErrorCode.CONNECTION_RESET : ErrorCode.TRANSPORT;
  return new ProjError(code, `${error.code ?? 'stream error'} on ${remoteAddress}: ${error.message}`, { cause: error });
}

/**
 * A {@link Link} over a connected Node duplex stream (see the module comment): writes go to the
 * stream, its data, drain, error and close come back through the attached handlers.
 */
export class DuplexLink implements Link {
  /** Description of the remote end, as given to the constructor. */
  readonly remoteAddress: string;
  readonly #stream: DuplexLike;
  readonly #options: DuplexLinkOptions;
  #handlers: LinkHandlers | undefined;
  // The stream's first error until it closes, then how it closed: one field for the two (8 B of
  // each connection, bench "memory per idle connection"). An 'error' always comes before 'close'.
  #end: ProjError | LinkCloseInfo | undefined;

  /**
   * @param stream The connected stream; the link listens for its `error` and `close` at once.
   * @param remoteAddress Description of the remote end, e.g. from `socketAddress(socket)`.
   * @param options Shared by every link of one kind (see {@link DuplexLinkOptions}).
   * @throws `PROJ_ERR_INVALID_OPTION` when `remoteAddress` is not a string or `options` has no
   *   `transport` (as with the `(stream, { transport, remoteAddress })` form of earlier versions).
   */
  constructor(stream: DuplexLike, remoteAddress: string, options: DuplexLinkOptions) {
    if (typeof remoteAddress !== 'string' || typeof options?.transport !== 'string') {
      throw new ProjError(ErrorCode.INVALID_OPTION, 'DuplexLink takes (stream, remoteAddress: string, options: { transport: string, … })', {
        details: { option: typeof remoteAddress !== 'string' ? 'remoteAddress' : 'options.transport' },
      });
    }
    this.#stream = stream;
    this.remoteAddress = remoteAddress;
    this.#options = options;
    (stream as Carrier)[kLink] = this;
    // Listen for errors and close from the start: a reset before attach() must not crash.
    // `on`, not `once`, for 'close' (emitted once): `once` costs a wrapper object and a bound
    // function per connection (~0.13 KiB, bench "memory per idle connection").
    stream.on('error', DuplexLink.#onError);
    stream.on('close', DuplexLink.#onClose);
  }

  /** The transport name from the options (`tcp`, `unix`, `tls`). */
  get transport(): string {
    return this.#options.transport;
  }

  /** What the handshake established, from the options; `undefined` when there was none. */
  get handshake(): Readonly<Record<string, unknown>> | undefined {
    return this.#options.handshake;
  }

  /** From the options: whether writes reach the other end only on a later turn (a socket). */
  get asyncDelivery(): boolean {
    return this.#options.asyncDelivery === true;
  }

  get bufferedAmount(): number {
    return this.#stream.writableLength;
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    // The stream may have closed between accept/connect and attach: report that now.
    const end = this.#end;
    if (end !== undefined && !(end instanceof ProjError)) {
      handlers.onClose(end);
      return;
    }
    this.#stream.on('data', DuplexLink.#onData);
    this.#stream.on('drain', DuplexLink.#onDrain);
  }

  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    const stream = this.#stream;
    if (callback === undefined) return stream.write(chunk);
    if (this.#options.syncWrites === true && stream.writableLength === 0 && stream.writable) {
      // Nothing ahead of it: Node offers it to the kernel now. Taken whole (the stream's length is
      // back to 0 and no error was recorded), it has left: confirm it here, and give Node no
      // callback, which spares its after-write tick.
      const written = stream.write(chunk);
      if (stream.writableLength === 0 && stream.writable) {
        callback();
        return written;
      }
      // The kernel took part of it, or none: an empty write queued behind it completes once it has gone.
      stream.write('', (error) => DuplexLink.#settle(this, error, false, callback));
      return written;
    }
    const before = stream.writableLength;
    let handedOver = false;
    const written = stream.write(chunk, (error) => DuplexLink.#settle(this, error, handedOver, callback));
    // Back to the same writableLength: the kernel took it synchronously (the callback is only deferred).
    handedOver = stream.writableLength === before;
    return written;
  }

  /**
   * Reports a write's outcome. Node completes the write still in progress with success when the
   * stream is destroyed (stream_base_commons onWriteComplete: `if (stream.destroyed)
   * this.callback(null)`), though the kernel never took the bytes: confirmed only if it left
   * inside write() or while the stream lived.
   */
  static #settle(link: DuplexLink, error: Error | null | undefined, handedOver: boolean, callback: (error?: Error | null) => void): void {
    if ((error === undefined || error === null) && !handedOver && link.#stream.destroyed) {
      callback(new ProjError(ErrorCode.TRANSPORT, `write to ${link.remoteAddress} interrupted: the stream was destroyed first`));
    } else callback(error);
  }

  end(): void {
    this.#stream.end();
  }

  /**
   * Closes abruptly through `abort` (TCP: an RST). After an `end()` whose FIN is still pending the
   * stream is destroyed without it: libuv refuses an RST then (`uv_tcp_close_reset`: EINVAL) and
   * Node, which has already let go of the handle, would never close it nor emit 'close'.
   */
  destroy(): void {
    const stream = this.#stream;
    if (stream.destroyed) return;
    const abort = this.#options.abort;
    if (abort === undefined || (stream.writableEnded && !stream.writableFinished)) stream.destroy();
    else abort(stream);
  }

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  // Listeners are shared by every link (a stream calls them with itself as `this`): neither a
  // closure per chunk nor four closures per connection.
  static #onData(this: Carrier, chunk: Uint8Array): void {
    this[kLink]!.#handlers!.onData(chunk);
  }

  static #onDrain(this: Carrier): void {
    this[kLink]!.#handlers!.onDrain();
  }

  static #onError(this: Carrier, error: Error): void {
    const link = this[kLink]!;
    // Kept and reported through onClose, which always follows an 'error' on a stream.
    link.#end ??= wrapStreamError(error, link.remoteAddress);
  }

  static #onClose(this: Carrier, hadError: boolean): void {
    const link = this[kLink]!;
    const error = link.#end;
    const info: LinkCloseInfo = error instanceof ProjError ? { graceful: false, error } : { graceful: !hadError };
    link.#end = info;
    this.off('data', DuplexLink.#onData);
    this.off('drain', DuplexLink.#onDrain);
    link.#handlers?.onClose(info);
  }
}
