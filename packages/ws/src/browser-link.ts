/**
 * `BrowserLink`: a {@link Link} over the standard (WHATWG) `WebSocket` of browsers, Deno, Bun
 * and Node ≥ 22. No Node modules, no `ws`, no Buffer: this file ships to browsers.
 */
import { ErrorCode, ProjError, utf8ByteLength, type Link, type LinkCloseInfo, type LinkHandlers } from '@proj/core';
import { DESTROY_CODE, closeInfo } from './close-info.js';

/** The members of the standard `WebSocket` used here (this package compiles without lib.dom). */
export interface StandardWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;
/** `WebSocket.CLOSED`. */
const CLOSED = 3;
/** How often `bufferedAmount` is polled while it is above the high-water mark or writes wait to be confirmed: browsers have no drain or write-done event. */
const DRAIN_POLL_MS = 10;

const utf8 = new TextDecoder();

export class BrowserLink implements Link {
  readonly transport = 'ws';
  readonly messageFramed = true;
  readonly asyncDelivery = true;
  /** The server's `maxPayload` (option `maxPayload`): core writes no bigger frame. */
  readonly maxWriteBytes: number;
  readonly remoteAddress: string;
  readonly #socket: StandardWebSocket;
  readonly #highWaterMark: number;
  #handlers: LinkHandlers | undefined;
  #early: Array<string | Uint8Array> = [];
  #closeInfo: LinkCloseInfo | undefined;
  #socketError: unknown;
  #poll: ReturnType<typeof setInterval> | undefined;
  /** A write returned false: `onDrain` is owed. */
  #needDrain = false;
  /** UTF-8 bytes handed to `send()` so far. */
  #sent = 0;
  /** Bytes of `#sent` seen to have left `bufferedAmount` (at the last poll). */
  #left = 0;
  /** Writes whose bytes may still be in `bufferedAmount`, oldest first, with where they end in `#sent`. */
  #unsent: Array<{ end: number; callback: (error?: Error | null) => void }> = [];

  constructor(socket: StandardWebSocket, url: string, highWaterMark: number, maxPayload: number) {
    this.#socket = socket;
    this.remoteAddress = url;
    this.#highWaterMark = highWaterMark;
    this.maxWriteBytes = maxPayload;
    socket.binaryType = 'arraybuffer';
    socket.onmessage = this.#onMessage;
    socket.onerror = this.#onError;
    socket.onclose = this.#onClose;
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const frame of early) handlers.onData(frame);
    if (this.#closeInfo !== undefined) handlers.onClose(this.#closeInfo);
  }

  /**
   * Sends one text frame. The callback runs once the frame has left the WebSocket's buffer
   * (`bufferedAmount` fell below where it ends), polled every 10 ms; a frame still in the buffer
   * when the socket closes fails, so that core sends it again instead of counting it delivered.
   */
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    if (this.#closeInfo !== undefined || this.#socket.readyState !== OPEN) {
      // A browser's send() on a closing socket discards silently: report it instead.
      if (callback !== undefined) queueMicrotask(() => callback(new ProjError(ErrorCode.CLOSED, `write after close on ${this.remoteAddress}`)));
      return false;
    }
    try {
      this.#socket.send(typeof chunk === 'string' ? chunk : utf8.decode(chunk));
    } catch (error) {
      if (callback !== undefined) queueMicrotask(() => callback(error as Error));
      return false;
    }
    this.#sent += typeof chunk === 'string' ? utf8ByteLength(chunk) : chunk.byteLength;
    if (callback !== undefined) this.#unsent.push({ end: this.#sent, callback });
    const below = this.#socket.bufferedAmount < this.#highWaterMark;
    if (!below) this.#needDrain = true;
    if (this.#unsent.length > 0 || !below) this.#poll ??= setInterval(this.#tick, DRAIN_POLL_MS);
    return below;
  }

  end(): void {
    this.#socket.close(1000);
  }

  /**
   * Closes with {@link DESTROY_CODE} and reports the link closed at once: waiting for the close
   * handshake of a dead peer could take minutes in a browser.
   */
  destroy(error?: Error): void {
    if (this.#closeInfo !== undefined) return;
    // What has left the buffer by now has left: a close of our own does not empty it (a failed
    // socket may have emptied it already: then only what the last poll saw counts).
    if (this.#socket.readyState !== CLOSED) this.#observeLeft();
    this.#socket.close(DESTROY_CODE, 'destroyed');
    const info: LinkCloseInfo = { graceful: false, ...(error === undefined ? {} : { error }) };
    this.#finish(info, true);
  }

  /** No-op: a browser WebSocket cannot stop reading (no backpressure towards the peer). */
  pause(): void {}

  /** No-op, see {@link BrowserLink.pause}. */
  resume(): void {}

  #finish(info: LinkCloseInfo, later: boolean): void {
    this.#closeInfo = info;
    this.#stopPoll();
    // At a clean close, frames that left the buffer since the last poll are confirmed; after an
    // abrupt one only what the last poll saw leave (some runtimes, Node's undici, empty
    // `bufferedAmount` as the socket fails). The rest never left: it fails before the close is
    // reported, and core sends it again (at worst a duplicate, never a silent loss).
    const left = info.graceful ? this.#observeLeft() : this.#left;
    const unsent = this.#unsent;
    this.#unsent = [];
    for (const { end, callback } of unsent) {
      if (end <= left) callback();
      else callback(new ProjError(ErrorCode.CONNECTION_RESET, `frame to ${this.remoteAddress} not sent before the WebSocket closed`));
    }
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    // onClose never runs inside the caller's destroy(), as with the Node links.
    if (later) queueMicrotask(() => handlers.onClose(info));
    else handlers.onClose(info);
  }

  #stopPoll(): void {
    if (this.#poll === undefined) return;
    clearInterval(this.#poll);
    this.#poll = undefined;
  }

  /** Bytes of `#sent` that have left `bufferedAmount` by now (it never goes back), recorded in `#left`. */
  #observeLeft(): number {
    return (this.#left = Math.max(this.#left, this.#sent - this.#socket.bufferedAmount));
  }

  /** Confirms the writes that left the buffer, in order, and reports a drain once below the mark. */
  #tick = (): void => {
    const left = this.#observeLeft();
    const unsent = this.#unsent;
    let confirmed = 0;
    while (confirmed < unsent.length && unsent[confirmed]!.end <= left) confirmed++;
    if (confirmed > 0) for (const { callback } of unsent.splice(0, confirmed)) callback();
    if (this.#needDrain && this.#socket.bufferedAmount < this.#highWaterMark && this.#closeInfo === undefined) {
      this.#needDrain = false;
      this.#handlers?.onDrain();
    }
    if (this.#unsent.length === 0 && !this.#needDrain) this.#stopPoll();
  };

  #onMessage = (event: { data: unknown }): void => {
    if (this.#closeInfo !== undefined) return;
    const { data } = event;
    // Text frames arrive as strings; binary frames (binaryType 'arraybuffer') as bytes that
    // core decodes as UTF-8 text, like the Node entry does.
    const frame = typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : String(data);
    if (this.#handlers === undefined) this.#early.push(frame);
    else this.#handlers.onData(frame);
  };

  #onError = (event: unknown): void => {
    // Kept for onClose, which always follows. `ws`'s ErrorEvent (Node) carries the real error.
    this.#socketError ??= (event as { error?: unknown }).error ?? event;
  };

  #onClose = (event: { code: number; reason: string }): void => {
    if (this.#closeInfo !== undefined) return;
    this.#finish(closeInfo(event.code, event.reason, this.remoteAddress, this.#socketError), false);
  };
}
