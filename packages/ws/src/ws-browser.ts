/**
 * `wsBrowser({ url })`: a dial-only WebSocket transport on the global `WebSocket` (browsers,
 * Deno, Bun, Node ≥ 22). Import it from `@proj/ws/browser`; it pulls in no Node module.
 */
import { ErrorCode, ProjError, checkNumber, type Link, type Listener, type Transport } from '@proj/core';
import { BrowserLink, OPEN, type StandardWebSocket } from './browser-link.js';
import { DEFAULT_MAX_PAYLOAD } from './max-payload.js';

/** Options of {@link wsBrowser}. */
export interface WsBrowserOptions {
  /** URL to dial: `ws://…` or `wss://…`. */
  url: string;
  /** `bufferedAmount` in bytes at which `write()` returns `false` until it drains. @default 65536 (64 KiB) */
  highWaterMark?: number;
  /**
   * Largest frame sent, in bytes: the lines queued during backpressure or while disconnected
   * leave as several frames of whole lines, each within it (and within 1 MiB + 64 KiB); a line
   * bigger than it is not sent but reported through `dropped` (`PROJ_ERR_DROPPED`). Set it to
   * the server's `maxPayload` (a bigger frame makes the server close with 1009).
   * @default 1114112 (1 MiB + 64 KiB, the default `maxPayload` of `ws()`)
   */
  maxPayload?: number;
  /** ms the dial may take before it fails with `PROJ_ERR_CONNECT`. @default 10000 */
  connectTimeout?: number;
}

type WebSocketConstructor = new (url: string) => StandardWebSocket;

function connectError(url: string, why: string, cause?: unknown): ProjError {
  return new ProjError(ErrorCode.CONNECT, `cannot connect to ${url}: ${why}`, cause === undefined ? {} : { cause });
}

/**
 * Creates a browser WebSocket transport: text frames, one link per dial. `listen()` rejects
 * with `PROJ_ERR_LISTEN` (a browser cannot accept connections). `pause()`/`resume()` are no-ops:
 * a browser WebSocket has no read backpressure. Backpressure on writes follows `bufferedAmount`.
 */
export function wsBrowser(options: WsBrowserOptions): Transport {
  const { url } = options;
  const highWaterMark = options.highWaterMark ?? 64 * 1024;
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  const connectTimeout = options.connectTimeout ?? 10_000;
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Reported just below as an invalid option.
  }
  if (protocol !== 'ws:' && protocol !== 'wss:') {
    throw new ProjError(ErrorCode.INVALID_OPTION, `url must be a ws:// or wss:// URL, got ${String(url)}`, { details: { option: 'url', value: url } });
  }
  checkNumber('highWaterMark', highWaterMark, 1);
  checkNumber('maxPayload', maxPayload, 1);
  checkNumber('connectTimeout', connectTimeout, 1);

  return {
    name: 'ws',

    dial(signal?: AbortSignal): Promise<Link> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted === true) {
          reject(new ProjError(ErrorCode.ABORTED, `dial to ${url} aborted`));
          return;
        }
        const Native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
        if (Native === undefined) {
          reject(connectError(url, 'this runtime has no global WebSocket (use ws() from @proj/ws in Node < 22)'));
          return;
        }
        let socket: StandardWebSocket;
        try {
          socket = new Native(url);
        } catch (cause) {
          reject(connectError(url, (cause as Error).message, cause));
          return;
        }
        let settled = false;
        const settle = (error?: ProjError): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          socket.onopen = null;
          socket.onclose = null;
          if (error === undefined) {
            resolve(new BrowserLink(socket, url, highWaterMark, maxPayload));
            return;
          }
          // onerror stays (a no-op now): closing a connecting socket fires a late 'error'.
          if (socket.readyState <= OPEN) socket.close();
          reject(error);
        };
        // A browser's error event says nothing (on purpose); Node's ErrorEvent carries `error`.
        socket.onerror = (event) => settle(connectError(url, 'WebSocket error', (event as { error?: unknown }).error ?? event));
        socket.onclose = (event) => settle(connectError(url, `closed with code ${event.code} before opening`));
        socket.onopen = () => settle();
        const timer = setTimeout(() => settle(connectError(url, `timed out after ${connectTimeout} ms`)), connectTimeout);
        const onAbort = (): void => settle(new ProjError(ErrorCode.ABORTED, `dial to ${url} aborted`));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    listen(): Promise<Listener> {
      return Promise.reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${url}: a browser cannot accept WebSocket connections`));
    },
  };
}
