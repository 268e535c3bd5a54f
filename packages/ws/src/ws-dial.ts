/**
 * `dialUrl()`: the client side of the `ws` transport: one WebSocket to a `ws://` or `wss://` URL.
 */
import { ErrorCode, ProjError, type Link, tlsHandshake } from '@proj/core';
import type http from 'node:http';
import tls from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import type { TlsOptions } from './tls-options.js';
import type { WsConfig } from './ws-listen.js';
import { WsLink, type WsHandshake, type WsLinkOptions } from './ws-link.js';

/** TLS settings of a `wss://` dial: the user's options and the secure context parsed from them once. */
export interface DialTls {
  options: TlsOptions;
  secureContext: tls.SecureContext;
}

/** `ws` client options carrying the TLS settings through to `tls.connect()`. */
function clientOptions(config: WsConfig, connectTimeout: number, secure: DialTls | undefined): ClientOptions {
  const base: ClientOptions = { handshakeTimeout: connectTimeout, maxPayload: config.maxPayload, perMessageDeflate: config.perMessageDeflate };
  if (secure === undefined) return base;
  // `ws` hands these options to `tls.connect()` as they are, so Node's semantics apply: its
  // typings declare `checkServerIdentity` with another signature and omit `secureContext`.
  return Object.assign({}, secure.options, { secureContext: secure.secureContext }, base) as ClientOptions;
}

/** What the client learned from the opening handshake: the URL, the server's response headers, and TLS over wss. */
function clientHandshake(url: string, response: http.IncomingMessage): WsHandshake {
  const socket = response.socket;
  return { url, headers: response.headers, ...(socket instanceof tls.TLSSocket ? tlsHandshake(socket) : {}) };
}

/**
 * Opens one client WebSocket to `url`. Every failure before 'open' becomes `PROJ_ERR_CONNECT`
 * (native error as `cause`: a refused handshake keeps its HTTP `statusCode`, a TLS failure its
 * OpenSSL `code`), an abort `PROJ_ERR_ABORTED`; either way the socket is terminated.
 */
export function dialUrl(url: string, config: WsConfig, connectTimeout: number, secure: DialTls | undefined, signal?: AbortSignal): Promise<Link> {
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
      socket = new WebSocket(url, clientOptions(config, connectTimeout, secure));
    } catch (cause) {
      reject(new ProjError(ErrorCode.CONNECT, `cannot connect to ${url}: ${(cause as Error).message}`, { cause }));
      return;
    }
    let handshake: WsHandshake = { url, headers: {} };
    let settled = false;
    const settle = (error?: ProjError): void => {
      if (settled) return;
      settled = true;
      socket.off('open', onOpen);
      socket.off('upgrade', onUpgrade);
      socket.off('unexpected-response', onResponse);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        socket.off('error', onError);
        resolve(new WsLink(socket, { remoteAddress: url, limits: config, heartbeat: config.heartbeat, role: 'client', handshake, ...(rawSocket === undefined ? {} : { rawSocket }) }));
        return;
      }
      // onError stays (now a no-op): terminating a connecting socket emits a late 'error'.
      socket.terminate();
      reject(error);
    };
    let rawSocket: WsLinkOptions['rawSocket'];
    const onUpgrade = (response: http.IncomingMessage): void => {
      handshake = clientHandshake(url, response);
      rawSocket = response.socket;
    };
    const onOpen = (): void => settle();
    const onError = (cause: Error): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to ${url}: ${cause.message}`, { cause }));
    const onResponse = (_request: http.ClientRequest, response: http.IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      onError(Object.assign(new Error(`Unexpected server response: ${status}`), { statusCode: status }));
    };
    const onAbort = (): void => settle(new ProjError(ErrorCode.ABORTED, `dial to ${url} aborted`));
    socket.once('upgrade', onUpgrade);
    socket.once('open', onOpen);
    socket.on('error', onError);
    // Listening replaces ws's generic error with one that keeps the HTTP status.
    socket.once('unexpected-response', onResponse);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
