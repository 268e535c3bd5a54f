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
/**
 * Requests whose url and headers take more than this many UTF-16 units are not remembered, each
 * header counted {@link HEADER_COST} units more: at most 128 headers and 8 KiB of text per
 * remembered request, so that the 64 remembered keep about 1.1 MiB at worst (measured: ~100
 * tiny headers per request, ~160 B each).
 */
const MAX_KEY_LENGTH = 4096;
/** What one header adds to a request's length beyond its name and value: its property and its two strings. */
const HEADER_COST = 32;
/** FNV-1a's 32-bit offset basis. */
const FNV_OFFSET = 0x811c9dc5;
/** The nonce of the opening handshake: unique to each connection, meaningless once it is open. */
const NONCE = 'sec-websocket-key';
/**
 * Headers that identify a user: a request carrying one is specific to its connection anyway, and
 * the cache must not keep credentials past the connections they came with.
 */
const PERSONAL = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** A remembered handshake and how many headers it has (the nonce left out). */
interface Shared {
  readonly handshake: WsHandshake;
  readonly headerCount: number;
}

/**
 * Shared handshakes, by a hash of their url and headers (over `wss`, each link adds its own TLS
 * session to the shared url and headers). A hit is checked header by header, so two requests
 * whose hashes collide never share. Looked up without building a key: a JSON key and the copy of
 * the headers were ~0.8 KiB of garbage per accepted connection (`bench/src/heap-census.ts
 * proj-ws --alloc`), which moves the young generation V8 keeps.
 */
const shared = new Map<number, Shared>();

/** FNV-1a over the UTF-16 units of `s`, continuing from `hash`. */
function mix(hash: number, s: string): number {
  let h = hash;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // A separator, so that ("ab", "c") and ("a", "bc") differ.
  return Math.imul(h ^ 0x0a, 0x01000193);
}

/** The hash of a request that may be shared, or -1: it carries credentials, a query string, a header given as a list, or is too long. */
function shareableHash(url: string, headers: http.IncomingHttpHeaders): number {
  // A query string often carries a token, like the personal headers: such requests are not shared.
  if (url.includes('?')) return -1;
  const hash = mix(FNV_OFFSET, url);
  // The headers' own hashes are added up: the same headers in another order share too.
  let sum = 0;
  let length = url.length;
  for (const name in headers) {
    if (name === NONCE) continue;
    const value = headers[name];
    if (typeof value !== 'string' || PERSONAL.has(name)) return -1;
    sum = (sum + mix(mix(FNV_OFFSET, name), value)) | 0;
    length += name.length + value.length + HEADER_COST;
  }
  return length <= MAX_KEY_LENGTH ? (hash ^ sum) >>> 0 : -1;
}

/** Whether `entry` holds exactly `url` and `headers`, the nonce left out. */
function sameRequest(entry: Shared, url: string, headers: http.IncomingHttpHeaders): boolean {
  const kept = entry.handshake.headers;
  if (entry.handshake.url !== url) return false;
  let count = 0;
  for (const name in headers) {
    if (name === NONCE) continue;
    // Kept values are own strings: a name it lacks reads undefined or an inherited function.
    if (kept[name] !== headers[name]) return false;
    count++;
  }
  return count === entry.headerCount;
}

/** A frozen handshake of its own for this request. */
function ownHandshake(url: string, request: http.IncomingMessage): WsHandshake {
  const { [NONCE]: _nonce, ...headers } = request.headers;
  for (const value of Object.values(headers)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze({ url, headers: Object.freeze(headers) });
}

/**
 * The server-side handshake of an upgrade request: its `url` and `headers`, plus the TLS session
 * over wss. `sec-websocket-key`, the nonce of the opening handshake, is left out: it is unique to
 * each connection and means nothing once the connection is open, and without it connections from
 * the same client share their handshake. Requests with a query string, credentials (cookies,
 * `authorization`) or a header given as a list are not shared. The result is frozen.
 */
export function serverHandshake(request: http.IncomingMessage): WsHandshake {
  const url = request.url ?? '/';
  const headers = request.headers;
  const hash = shareableHash(url, headers);
  let handshake: WsHandshake;
  if (hash === -1) handshake = ownHandshake(url, request);
  else {
    const entry = shared.get(hash);
    if (entry !== undefined && sameRequest(entry, url, headers)) handshake = entry.handshake;
    else {
      handshake = ownHandshake(url, request);
      // A collision keeps the entry there: the first request of a hash stays the shared one.
      if (entry === undefined) {
        if (shared.size >= MAX_SHARED) shared.clear();
        shared.set(hash, { handshake, headerCount: Object.keys(handshake.headers).length });
      }
    }
  }
  const socket = request.socket;
  // Over wss each connection has its own TLS session; the url and headers are still shared.
  return socket instanceof tls.TLSSocket ? Object.freeze({ ...handshake, ...tlsHandshake(socket) }) : handshake;
}
