/**
 * `WsLink`: a {@link Link} over an open `ws` WebSocket. One `write()` is one text frame; each
 * received frame is one `onData` chunk (`messageFramed`), so core ends a line at every frame end.
 */
import { ErrorCode, ProjError, type Link, type LinkCloseInfo, type LinkHandlers, type TlsHandshake } from '@proj/core';
import type { IncomingHttpHeaders } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { closeInfo } from './close-info.js';
import { Heartbeat } from './heartbeat.js';

/**
 * `Link.handshake` of a WebSocket link: the opening handshake, for a server's `authenticate`
 * hook. Server side, the upgrade request's `url` (path and query) and `headers` (without
 * `sec-websocket-key`, the handshake's nonce), frozen and shared by connections whose requests
 * are alike; client side, the URL dialled and the server's response headers. Over `wss`, plus
 * the {@link TlsHandshake} fields (`authorized`, `peerCertificate`, …), as on a `tcp({ tls })` link.
 */
export type WsHandshake = { readonly url: string; readonly headers: Readonly<IncomingHttpHeaders> } & Partial<TlsHandshake>;

/** Options of {@link WsLink}. */
export interface WsLinkOptions {
  /** Description of the remote end (`ip:port` server side, the URL client side). */
  remoteAddress: string;
  /** The transport's frame limits, one object shared by its links. */
  limits: WsLimits;
  /** Ping/pong interval in ms; 0 disables the heartbeat. */
  heartbeat: number;
  /** Which side of the connection this link is (see {@link Heartbeat}). */
  role: 'server' | 'client';
  /** What the opening handshake established, exposed as `handshake`. */
  handshake: WsHandshake;
  /** The socket `ws` writes to: tells a write the kernel took from one a teardown cut short. */
  rawSocket?: RawSocket;
}

/** Frame limits of a WebSocket transport, shared by its links (one field per link, not two). */
export interface WsLimits {
  /** `bufferedAmount` at which `write()` returns `false`, in bytes. */
  readonly highWaterMark: number;
  /** The largest frame either side accepts (`maxPayload`), in bytes: core writes none bigger (`Link.maxWriteBytes`). */
  readonly maxPayload: number;
}

/** The members of the socket under a WebSocket that a link uses (a `net.Socket` or a `tls.TLSSocket`). */
export interface RawSocket {
  readonly destroyed: boolean;
  /** False once destroyed, errored or ended. */
  readonly writable: boolean;
  readonly writableLength: number;
  /** Bytes read from the peer so far. */
  readonly bytesRead: number;
  /** Set (`true`) on a `tls.TLSSocket`, which writes later, not inside `write()`. */
  readonly encrypted?: boolean;
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/**
 * `ws` send options of a frame of bytes: text (core only writes UTF-8). A string needs none, for
 * `ws` makes it a text frame by default, and an options object is spread into `ws`'s own on
 * every frame (`CopyDataProperties` in a perf profile of the ws round trip).
 */
const TEXT = Object.freeze({ binary: false });
/** `ws`'s `WebSocket.OPEN`. */
const OPEN = 1;

// Bits of `WsLink.#flags`: four booleans in one number (bench "memory per idle connection").
/** Frames go to a plain socket as they are sent (no TLS, no compression): a write the kernel took is confirmed at once. */
const SYNC_WRITES = 1;
/** Between `pause()` and `resume()`. */
const PAUSED = 2;
/** A `write()` returned false: `onDrain` is owed. */
const NEED_DRAIN = 4;
/** Frames kept before attach() are being delivered: none of them ends a read. */
const EARLY = 8;

/** The part of `ws`'s receiver that tells where a read ends (not in `ws`'s types). */
type WithReceiver = { _receiver?: { _bufferedBytes?: unknown } | null };

/** What a link holds only around its start and its end: most of a link's life it holds none of it. */
interface Edges {
  /** Frames `ws` emitted before `attach()` (the socket is paused meanwhile, so at most a few). */
  early: Buffer[] | undefined;
  /** The first error the socket reported, for the close that always follows it. */
  socketError: Error | undefined;
  /** Set by `destroy()`: the close is this side's, abrupt, with this error if any. */
  localClose: { error?: Error } | undefined;
  /** Set once the socket has closed. */
  closeInfo: LinkCloseInfo | undefined;
}

function rethrow(error: unknown): never {
  throw error;
}

/** Where a socket's listeners find their link: shared functions per event instead of closures per link. */
const kLink = Symbol('@proj/ws.WsLink');
type Carrier = WebSocket & { [kLink]?: WsLink };

/**
 * A {@link Link} over an open `ws` WebSocket, client or server side (see the file comment). It is
 * its own {@link Heartbeat}: the heartbeat's state is two fields of the link, not an object of its own.
 */
export class WsLink extends Heartbeat implements Link {
  readonly remoteAddress: string;
  readonly handshake: WsHandshake;
  readonly #socket: WebSocket;
  readonly #limits: WsLimits;
  readonly #raw: RawSocket | undefined;
  #handlers: LinkHandlers | undefined;
  /** SYNC_WRITES, PAUSED, NEED_DRAIN, EARLY. */
  #flags: number;
  // Four fields in one, made by the first of them: an open, attached link has none (bench "memory
  // per idle connection").
  #edges: Edges | undefined;

  constructor(socket: WebSocket, options: WsLinkOptions) {
    super();
    this.#socket = socket;
    this.remoteAddress = options.remoteAddress;
    this.handshake = options.handshake;
    this.#limits = options.limits;
    this.#raw = options.rawSocket;
    // Without permessage-deflate, `ws` frames and writes a message inside send(); over TLS the
    // socket writes later. Both were settled by the handshake, before the link exists.
    this.#flags = options.rawSocket !== undefined && options.rawSocket.encrypted !== true && socket.extensions === '' ? SYNC_WRITES : 0;
    // Nothing reads until core attaches: keep frames in the kernel rather than lose them.
    socket.pause();
    // Listen for errors and close from the start: a failure before attach() must not crash.
    (socket as Carrier)[kLink] = this;
    socket.on('error', WsLink.#onError);
    // `on`, not `once`: 'close' fires once anyway, and `once` costs a wrapper per connection.
    socket.on('close', WsLink.#onClose);
    socket.on('message', WsLink.#onMessage);
    if (options.heartbeat > 0) {
      this.startHeartbeat(options.heartbeat, options.role);
      // With the socket underneath, the heartbeat reads its byte count: two listeners fewer per
      // link (~100 B of `ws`'s listener map, bench "memory per idle connection"), no call per frame.
      if (this.#raw === undefined) {
        socket.on('pong', WsLink.#onAlive);
        socket.on('ping', WsLink.#onAlive);
      }
    }
  }

  // Constants as getters on the prototype, not fields: 16 B less per link.
  get transport(): 'ws' {
    return 'ws';
  }

  get messageFramed(): true {
    return true;
  }

  get asyncDelivery(): true {
    return true;
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** `maxPayload`: a peer with the same setting accepts every frame core writes. */
  get maxWriteBytes(): number {
    return this.#limits.maxPayload;
  }

  /**
   * `true` while core handles the last whole frame of a read (`Link.lastFrameOfRead`): `ws`
   * parses the frames of a read one after the other inside the socket's `data` event, and its
   * receiver counts the bytes it has not parsed yet (`_bufferedBytes`, not part of `ws`'s API:
   * read as `ws` 8 has it, `false` if it is not there; the test "tells core which frame ends a
   * read" checks it against the installed `ws`). Only on a plain socket without
   * permessage-deflate, whose frames `ws` emits as they are parsed (it inflates the others
   * later), and never for the frames kept before attach(): the replies to those wait for the tick.
   */
  get lastFrameOfRead(): boolean {
    return (this.#flags & (SYNC_WRITES | EARLY)) === SYNC_WRITES && (this.#socket as WithReceiver)._receiver?._bufferedBytes === 0;
  }

  /** Bytes read from the socket under the WebSocket, when the link has it (read by the {@link Heartbeat}). */
  get bytesRead(): number | undefined {
    return this.#raw?.bytesRead;
  }

  /** The WebSocket's `readyState` (read by the {@link Heartbeat}). */
  get readyState(): number {
    return this.#socket.readyState;
  }

  /** Sends a ping frame (for the {@link Heartbeat}). */
  ping(): void {
    this.#socket.ping();
  }

  /** `true` between `pause()` and `resume()` (read by the {@link Heartbeat}). */
  get paused(): boolean {
    return (this.#flags & PAUSED) !== 0;
  }

  static #edgesOf(link: WsLink): Edges {
    return (link.#edges ??= { early: undefined, socketError: undefined, localClose: undefined, closeInfo: undefined });
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    const edges = this.#edges;
    const early = edges?.early;
    if (early !== undefined) {
      // Early frames alone made the edges: the open link goes on without them.
      if (edges!.socketError === undefined && edges!.localClose === undefined && edges!.closeInfo === undefined) this.#edges = undefined;
      else edges!.early = undefined;
      this.#flags |= EARLY;
      for (const frame of early) WsLink.#deliver(handlers, frame);
      this.#flags &= ~EARLY;
    }
    // The socket may have closed between accept/open and attach: report that now.
    const closed = this.#edges?.closeInfo;
    if (closed !== undefined) {
      handlers.onClose(closed);
      return;
    }
    if ((this.#flags & PAUSED) === 0) this.#socket.resume();
  }

  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    const socket = this.#socket;
    const raw = this.#raw;
    if (callback !== undefined && (this.#flags & SYNC_WRITES) !== 0 && raw!.writableLength === 0 && socket.bufferedAmount === 0 && socket.readyState === OPEN && raw!.writable) {
      // As on a plain socket (see DuplexLink.write): a frame the kernel took whole inside send()
      // has left; confirm it now, and spare `ws` and Node a callback and a tick per frame.
      WsLink.#sendText(socket, chunk);
      if (raw!.writableLength === 0 && socket.bufferedAmount === 0 && raw!.writable) callback();
      // The frame waits in the socket: an empty write queued behind it completes once it has gone.
      else raw!.write('', (error) => WsLink.#settle(this, error, false, callback));
    } else {
      // Every other write completes through `ws`: its callback also runs the drain check.
      const before = raw?.writableLength ?? 0;
      let handedOver = false;
      WsLink.#sendText(socket, chunk, (error) => WsLink.#settle(this, error, handedOver, callback));
      handedOver = raw !== undefined && raw.writableLength === before;
    }
    if (socket.bufferedAmount < this.#limits.highWaterMark) return true;
    this.#flags |= NEED_DRAIN;
    return false;
  }

  /** Sends `chunk` as one text frame: a string as it is, bytes with {@link TEXT}. */
  static #sendText(socket: WebSocket, chunk: Uint8Array | string, callback?: (error?: Error) => void): void {
    if (typeof chunk === 'string') socket.send(chunk, callback);
    else socket.send(chunk, TEXT, callback);
  }

  /**
   * Reports a frame's outcome. As on a plain socket, Node completes the write in progress with
   * success when the socket is destroyed though the kernel never took it: only a write that left
   * synchronously, or completed while the socket lived, is confirmed (see DuplexLink.write).
   */
  static #settle(link: WsLink, error: Error | null | undefined, handedOver: boolean, callback: ((error?: Error | null) => void) | undefined): void {
    const raw = link.#raw;
    if ((error === undefined || error === null) && raw !== undefined && !handedOver && raw.destroyed) {
      callback?.(new ProjError(ErrorCode.TRANSPORT, `write to ${link.remoteAddress} interrupted: the socket was destroyed first`));
    } else callback?.(error);
    WsLink.#maybeDrain(link);
  }

  end(): void {
    this.#socket.close(1000);
  }

  destroy(error?: Error): void {
    WsLink.#edgesOf(this).localClose ??= error === undefined ? {} : { error };
    this.#socket.terminate();
  }

  pause(): void {
    this.#flags |= PAUSED;
    this.#socket.pause();
  }

  resume(): void {
    this.#flags &= ~PAUSED;
    if (this.#handlers !== undefined) this.#socket.resume();
  }

  // Each send callback checks the buffer: the last pending one runs once it is empty, so a
  // `write()` that returned false is always followed by onDrain (or by onClose).
  static #maybeDrain(link: WsLink): void {
    if ((link.#flags & NEED_DRAIN) === 0 || link.#edges?.closeInfo !== undefined || link.#socket.bufferedAmount >= link.#limits.highWaterMark) return;
    link.#flags &= ~NEED_DRAIN;
    link.#handlers?.onDrain();
  }

  // Listeners are shared by every link (`ws` calls them with the socket as `this`): not closures
  // per frame, nor bound fields per link (bench "memory per idle connection"). Static methods
  // only, never private instance ones: those put a class brand in every instance (8 B per link).
  static #onMessage(this: Carrier, data: RawData): void {
    const link = this[kLink]!;
    if (link.#raw === undefined) link.heartbeatAlive();
    // With the default binaryType ('nodebuffer') `ws` always delivers one Buffer. Text and
    // binary frames alike go to core as bytes: a binary frame is decoded as UTF-8 text.
    const frame = data as Buffer;
    if (link.#handlers === undefined) (WsLink.#edgesOf(link).early ??= []).push(frame);
    else WsLink.#deliver(link.#handlers, frame);
  }

  /**
   * Hands a frame to core. A listener that throws (`message`, `malformed`, a server's
   * `handlerError`, …) would leave `ws` waiting for ever: thrown into its Receiver, the exception
   * leaves it without the write callback it waits for, so no frame is read again and the peer
   * never closes; thrown out of attach(), it skips the resume. Thrown on the next tick instead, it
   * is uncaught as on a tcp link, and the read goes on.
   */
  static #deliver(handlers: LinkHandlers, frame: Buffer): void {
    try {
      handlers.onData(frame);
    } catch (error) {
      process.nextTick(rethrow, error);
    }
  }

  static #onAlive(this: Carrier): void {
    this[kLink]!.heartbeatAlive();
  }

  static #onError(this: Carrier, error: Error): void {
    // Kept and reported through onClose: `ws` always emits 'close' after an 'error'.
    const link = this[kLink]!;
    WsLink.#edgesOf(link).socketError ??= error;
  }

  static #onClose(this: Carrier, code: number, reason: Buffer): void {
    const link = this[kLink]!;
    link.stopHeartbeat();
    this.off('message', WsLink.#onMessage);
    const edges = WsLink.#edgesOf(link);
    const local = edges.localClose;
    const info: LinkCloseInfo =
      local !== undefined ? { graceful: false, ...local } : closeInfo(code, reason.toString(), link.remoteAddress, edges.socketError);
    edges.closeInfo = info;
    link.#handlers?.onClose(info);
  }
}
