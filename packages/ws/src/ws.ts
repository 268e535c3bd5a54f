/**
 * `ws({ port })`, `ws({ server, path })`, `ws({ url })`: the WebSocket transport for Node, on `ws`.
 */
import { ErrorCode, ProjError, checkNumber, formatAddress, type Link, type Listener, type Transport } from '@proj/core';
import type http from 'node:http';
import https from 'node:https';
import type { PerMessageDeflateOptions } from 'ws';
import { DEFAULT_MAX_PAYLOAD } from './max-payload.js';
import { secureContextOf, type TlsOptions } from './tls-options.js';
import { dialUrl, type DialTls } from './ws-dial.js';
import { listenAttached, listenStandalone, serverUrl, type WsConfig } from './ws-listen.js';

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
   * has been silent for an interval and terminates it after a second silent one. Either way the
   * link closes with `PROJ_ERR_HEARTBEAT_TIMEOUT` (disconnect reason `heartbeat-timeout`). Links
   * with the same interval share one timer, so a link that connects mid-interval may get its first
   * ping sooner than an interval; it is never judged before a whole interval without an answer.
   * @default 30000
   */
  heartbeat?: number;
  /**
   * Largest frame accepted, in bytes; a bigger one closes the connection with 1009
   * (`PROJ_ERR_TRANSPORT`). Also bounds the frames this side sends: the lines queued during
   * backpressure or while a client was disconnected leave as several frames of whole lines,
   * each within it and within the default (so a peer left at the default accepts them when this
   * side raised its own to receive bigger ones); a single line above the default goes alone,
   * and a line above `maxPayload` is not sent but reported through `dropped`
   * (`PROJ_ERR_DROPPED`). Use the same value on both sides, ≥ the channel's `maxLineBytes`.
   * The default leaves room for a maximal line (1 MiB) plus a few small ones.
   * @default 1114112 (1 MiB + 64 KiB)
   */
  maxPayload?: number;
  /** permessage-deflate compression (`true` or ws's options). Off by default: it costs CPU and memory per connection. @default false */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** `bufferedAmount` in bytes at which `write()` returns `false` until the socket drains. @default 65536 (64 KiB) */
  highWaterMark?: number;
  /**
   * ms the dial (TCP connect, then the opening handshake) may stall before it fails with
   * `PROJ_ERR_CONNECT` (ws's `handshakeTimeout`, an inactivity timeout). A standalone `wss`
   * server also gives a client this long to complete its TLS handshake. @default 10000
   */
  connectTimeout?: number;
  /**
   * TLS (`wss`). With `port`, the standalone server runs on `https` (needs `key` + `cert` or
   * `pfx`) and dials `wss://`; with `url`, the URL must be `wss://`; with `server`, the https
   * server's own TLS settings apply to listening and these only to dialling (e.g. `ca`).
   * Client side, `ca`/`cert`/`key`/`rejectUnauthorized`/`servername` as for `tcp({ tls })`;
   * server side, `requestCert` for mutual TLS. Links then carry the TLS fields in `handshake`.
   * See `docs/security.md`. @default undefined (no TLS options; a `wss://` url still uses Node's root CAs)
   */
  tls?: TlsOptions;
}

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
    if (options.tls !== undefined && protocol !== 'wss:') throw invalid('url', options.url, 'must be a wss:// URL when tls is given');
  }
  if (options.tls !== undefined && options.server !== undefined && !(options.server instanceof https.Server)) {
    throw invalid('tls', 'an http.Server', 'needs an https.Server as server (TLS is the server\'s own setting)');
  }
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
 * await serve(ws({ port: 8443, tls: { key, cert } }), handler);  // wss://127.0.0.1:8443/
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
  const secure = server instanceof https.Server || options.tls !== undefined;
  const dialTls: DialTls | undefined = options.tls === undefined ? undefined : { options: options.tls, secureContext: secureContextOf(options.tls) };
  const serveTls = options.tls === undefined ? undefined : { options: options.tls, handshakeTimeout: connectTimeout };

  const target = (): string => {
    if (options.url !== undefined) return options.url;
    if (server !== undefined) return serverUrl(server as http.Server, path, secure);
    return `${secure ? 'wss' : 'ws'}://${formatAddress(host, options.port)}${path}`;
  };

  return {
    name: 'ws',

    dial(signal?: AbortSignal): Promise<Link> {
      return dialUrl(target(), config, connectTimeout, dialTls, signal);
    },

    listen(onLink: (link: Link) => void): Promise<Listener> {
      if (server !== undefined) return listenAttached(server as http.Server, secure, config, onLink);
      if (options.port !== undefined) return listenStandalone(host, options.port, config, onLink, serveTls);
      return Promise.reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${options.url}: a url-only ws transport only dials (give port or server)`));
    },
  };
}
