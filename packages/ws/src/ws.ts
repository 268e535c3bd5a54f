/**
 * `ws({ port })`, `ws({ server, path })`, `ws({ url })`: the WebSocket transport for Node, on `ws`.
 */
import { DEFAULT_MAX_LINE_BYTES, ErrorCode, ProjError, checkNumber, type Link, type Listener, type Transport } from '@proj/core';
import type http from 'node:http';
import https from 'node:https';
import { WebSocket, type PerMessageDeflateOptions } from 'ws';
import { formatAddress, listenAttached, listenStandalone, serverUrl, type WsConfig } from './ws-listen.js';
import { WsLink } from './ws-link.js';

/**
 * Options of {@link ws}. Give one of `port` (standalone server, or dial `ws://host:port/path`),
 * `server` (share an existing http(s) server) or `url` (dial only). The same value serves
 * `serve()` (listen) and `connect()` (dial).
 */
export interface WsOptions {
  /** URL to dial (`ws://…` or `wss://…`). A url-only transport cannot listen. */
  url?: string;
  /** Port to listen on (on an http server of its own) or dial; 0 listens on a free port (read `server.port`). */
  port?: number;
  /** Interface to listen on / host to dial. Use `'0.0.0.0'` or `'::'` to accept from other machines. @default '127.0.0.1' */
  host?: string;
  /** Path of the endpoint; upgrades for other paths are left to other handlers. @default '/' */
  path?: string;
  /**
   * An existing `http.Server` or `https.Server` to share: your HTTP app keeps its routes and the
   * WebSocket endpoint answers upgrades on `path`. `close()` never closes this server.
   */
  server?: http.Server | https.Server;
  /**
   * Ping/pong interval in ms; 0 disables it. A server pings each client every interval and
   * terminates one that answered nothing since the previous ping; a client pings a server that
   * has been silent for an interval and terminates it after a second silent one. @default 30000
   */
  heartbeat?: number;
  /**
   * Largest frame accepted, in bytes; a bigger one closes the connection with 1009
   * (`PROJ_ERR_TRANSPORT`). Keep it ≥ the channel's `maxLineBytes`: core coalesces the lines
   * sent in one tick into one frame, so the default leaves room for a maximal line (1 MiB)
   * plus a few small ones. @default 1114112 (1 MiB + 64 KiB)
   */
  maxPayload?: number;
  /** permessage-deflate compression (`true` or ws's options). Off by default: it costs CPU and memory per connection. @default false */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** `bufferedAmount` in bytes at which `write()` returns `false` until the socket drains. @default 65536 (64 KiB) */
  highWaterMark?: number;
  /**
   * ms the dial (TCP connect, then the opening handshake) may stall before it fails with
   * `PROJ_ERR_CONNECT` (ws's `handshakeTimeout`, an inactivity timeout). @default 10000
   */
  connectTimeout?: number;
}

/** Default `maxPayload`: core's default `maxLineBytes` (1 MiB) plus 64 KiB for the small lines coalesced with it. */
export const DEFAULT_MAX_PAYLOAD = DEFAULT_MAX_LINE_BYTES + 64 * 1024;

function invalid(option: string, value: unknown, why: string): ProjError {
  return new ProjError(ErrorCode.INVALID_OPTION, `${option} ${why}, got ${String(value)}`, { details: { option, value } });
}

function checkOptions(options: WsOptions): void {
  const targets = [options.url, options.port, options.server].filter((t) => t !== undefined).length;
  if (targets !== 1) {
    throw new ProjError(ErrorCode.INVALID_OPTION, `ws() needs exactly one of url, port or server, got ${targets}`, { details: { option: 'url/port/server' } });
  }
  if (options.port !== undefined) checkNumber('port', options.port, 0, 65535);
  if (options.path !== undefined && !options.path.startsWith('/')) throw invalid('path', options.path, "must start with '/'");
  if (options.url !== undefined) {
    const protocol = URL.canParse(options.url) ? new URL(options.url).protocol : '';
    if (protocol !== 'ws:' && protocol !== 'wss:') throw invalid('url', options.url, 'must be a ws:// or wss:// URL');
  }
}

/**
 * Opens one client WebSocket to `url`. Every failure before 'open' becomes `PROJ_ERR_CONNECT`
 * (native error as `cause`; a refused handshake keeps its HTTP `statusCode`), an abort
 * `PROJ_ERR_ABORTED`; either way the socket is terminated.
 */
function dialUrl(url: string, config: WsConfig, connectTimeout: number, signal?: AbortSignal): Promise<Link> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new ProjError(ErrorCode.ABORTED, `dial to ${url} aborted`));
      return;
    }
    if (url === '') {
      reject(new ProjError(ErrorCode.CONNECT, 'cannot connect: the http server given as `server` is not listening on a port'));
      return;
    }
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, { handshakeTimeout: connectTimeout, maxPayload: config.maxPayload, perMessageDeflate: config.perMessageDeflate });
    } catch (cause) {
      reject(new ProjError(ErrorCode.CONNECT, `cannot connect to ${url}: ${(cause as Error).message}`, { cause }));
      return;
    }
    let settled = false;
    const settle = (error?: ProjError): void => {
      if (settled) return;
      settled = true;
      socket.off('open', onOpen);
      socket.off('unexpected-response', onResponse);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        socket.off('error', onError);
        resolve(new WsLink(socket, { remoteAddress: url, highWaterMark: config.highWaterMark, heartbeat: config.heartbeat, role: 'client' }));
        return;
      }
      // onError stays (now a no-op): terminating a connecting socket emits a late 'error'.
      socket.terminate();
      reject(error);
    };
    const onOpen = (): void => settle();
    const onError = (cause: Error): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to ${url}: ${cause.message}`, { cause }));
    const onResponse = (_request: http.ClientRequest, response: http.IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      onError(Object.assign(new Error(`Unexpected server response: ${status}`), { statusCode: status }));
    };
    const onAbort = (): void => settle(new ProjError(ErrorCode.ABORTED, `dial to ${url} aborted`));
    socket.once('open', onOpen);
    socket.on('error', onError);
    // Listening replaces ws's generic error with one that keeps the HTTP status.
    socket.once('unexpected-response', onResponse);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Creates a WebSocket transport for Node. Each `write()` is one text frame (core puts the lines
 * sent in one tick into one frame); each received frame is one chunk and ends a line, so a peer
 * may send `JSON.stringify(x)` without a newline. Binary frames are accepted too and decoded as
 * UTF-8 text. Close codes 1000/1001/1005 are graceful, 1006 is `PROJ_ERR_CONNECTION_RESET`,
 * others are `PROJ_ERR_TRANSPORT` with `details.closeCode`. Browsers: `@proj/ws/browser`.
 *
 * @example
 * const server = await serve(ws({ port: 8080 }), handler);       // ws://127.0.0.1:8080/
 * await serve(ws({ server: httpServer, path: '/ws' }), handler); // next to an HTTP app
 * const client = connect(ws({ url: 'wss://example.com/ws' }));
 */
export function ws(options: WsOptions): Transport {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/';
  const heartbeat = options.heartbeat ?? 30_000;
  const connectTimeout = options.connectTimeout ?? 10_000;
  const config: WsConfig = {
    path,
    heartbeat,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    perMessageDeflate: options.perMessageDeflate ?? false,
    highWaterMark: options.highWaterMark ?? 64 * 1024,
  };
  checkNumber('heartbeat', heartbeat, 0);
  checkNumber('maxPayload', config.maxPayload, 1);
  checkNumber('highWaterMark', config.highWaterMark, 1);
  checkNumber('connectTimeout', connectTimeout, 1);
  const { server } = options;
  const secure = server instanceof https.Server;

  const target = (): string => {
    if (options.url !== undefined) return options.url;
    if (server !== undefined) return serverUrl(server as http.Server, path, secure);
    return `ws://${formatAddress(host, options.port)}${path}`;
  };

  return {
    name: 'ws',

    dial(signal?: AbortSignal): Promise<Link> {
      return dialUrl(target(), config, connectTimeout, signal);
    },

    listen(onLink: (link: Link) => void): Promise<Listener> {
      if (server !== undefined) return listenAttached(server as http.Server, secure, config, onLink);
      if (options.port !== undefined) return listenStandalone(host, options.port, config, onLink);
      return Promise.reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${options.url}: a url-only ws transport only dials (give port or server)`));
    },
  };
}
