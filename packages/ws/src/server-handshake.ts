/**
 * `serverHandshake()`: what a server-side WebSocket link keeps of its upgrade request. A server
 * holds every link's handshake for the link's life (`peer.handshake`, for the `authenticate` hook
 * and later), so connections whose requests look alike share one frozen copy instead of each
 * keeping a headers object and its strings (~0.45 KiB per idle WebSocket, bench "memory per idle
 * connection").
 */
import type http from 'node:http';
import tls from 'node:tls';
import { tlsHandshake } from '@proj/core';
import type { WsHandshake } from './ws-link.js';

/** Distinct upgrade requests remembered; past it the cache starts afresh (bounded memory, any traffic). */
const MAX_SHARED = 64;
/** Requests whose url and headers take more than this are not remembered: bounds the cache at about 256 KiB. */
const MAX_KEY_LENGTH = 4096;
/**
 * Headers that identify a user: a request carrying one is specific to its connection anyway, and
 * the cache must not keep credentials past the connections they came with.
 */
const PERSONAL = ['authorization', 'cookie', 'proxy-authorization'];
/** Shared handshakes of plain `ws://` links by request content: url and headers. */
const shared = new Map<string, WsHandshake>();

/**
 * The server-side handshake of an upgrade request: its `url` and `headers`, plus the TLS session
 * over wss. `sec-websocket-key`, the nonce of the opening handshake, is left out: it is unique to
 * each connection and means nothing once the connection is open, and without it connections from
 * the same client share their handshake. Requests with a query string or credentials (cookies,
 * `authorization`) are not shared. The result is frozen.
 */
export function serverHandshake(request: http.IncomingMessage): WsHandshake {
  const { 'sec-websocket-key': _nonce, ...headers } = request.headers;
  const url = request.url ?? '/';
  // A query string often carries a token, like the personal headers: such requests are not shared.
  const personal = url.includes('?') || PERSONAL.some((name) => headers[name] !== undefined);
  const key = personal ? undefined : `${url}\n${JSON.stringify(headers)}`;
  let handshake = key === undefined ? undefined : shared.get(key);
  if (handshake === undefined) {
    for (const value of Object.values(headers)) if (Array.isArray(value)) Object.freeze(value);
    handshake = Object.freeze({ url, headers: Object.freeze(headers) });
    if (key !== undefined && key.length <= MAX_KEY_LENGTH) {
      if (shared.size >= MAX_SHARED) shared.clear();
      shared.set(key, handshake);
    }
  }
  const socket = request.socket;
  // Over wss each connection has its own TLS session; the url and headers are still shared.
  return socket instanceof tls.TLSSocket ? Object.freeze({ ...handshake, ...tlsHandshake(socket) }) : handshake;
}
