/**
 * `BrowserLink`: a {@link Link} over the standard (WHATWG) `WebSocket` of browsers, Deno, Bun
 * and Node ≥ 22. No Node modules, no `ws`, no Buffer: this file ships to browsers.
 */
import { ErrorCode, ProjError, type Link, type LinkCloseInfo, type LinkHandlers } from '@proj/core';
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
/** How often `bufferedAmount` is polled while it is above the high-water mark: browsers have no drain event. */
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

  /** Sends one text frame. The callback runs after `send()` accepted it: a browser tells no more. */
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
    if (callback !== undefined) queueMicrotask(() => callback());
    if (this.#socket.bufferedAmount < this.#highWaterMark) return true;
    this.#poll ??= setInterval(this.#checkDrain, DRAIN_POLL_MS);
    return false;
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

  #checkDrain = (): void => {
    if (this.#socket.bufferedAmount >= this.#highWaterMark) return;
    this.#stopPoll();
    this.#handlers?.onDrain();
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
