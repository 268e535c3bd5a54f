/**
 * `listenStandalone()` and `listenAttached()`: the server side of the `ws` transport, on its own
 * http(s) server or on the user's, sharing its port. Both route `'upgrade'` events by path to a
 * `noServer` WebSocketServer, so the two modes behave the same.
 */
import { ErrorCode, ProjError, formatAddress, socketAddress, type Link, type Listener, hasServerIdentity } from '@proj/core';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type PerMessageDeflateOptions, type WebSocket } from 'ws';
import type { TlsOptions } from './tls-options.js';
import { serverHandshake } from './server-handshake.js';
import { WsLink } from './ws-link.js';

/** The resolved options of a `ws()` transport, shared by dial and both listen modes. */
export interface WsConfig {
  path: string;
  maxPayload: number;
  perMessageDeflate: boolean | PerMessageDeflateOptions;
  highWaterMark: number;
  heartbeat: number;
}

/** The ws URL of a listening http server, or `''` while it does not listen on a port. */
export function serverUrl(server: http.Server, path: string, secure: boolean): string {
  const address = server.address();
  if (address === null || typeof address === 'string') return '';
  return `${secure ? 'wss' : 'ws'}://${formatAddress(address.address, address.port)}${path}`;
}

function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Answers an upgrade nobody handles instead of leaving the client hanging until its timeout. */
function refuseUpgrade(socket: Duplex, status: string): void {
  // The http server has removed its own listeners from an upgraded socket: a reset while we
  // answer would otherwise be an unhandled 'error'. Nothing to report: the request is refused.
  socket.on('error', () => {});
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Routes `server`'s upgrades for `config.path` to `onLink`; returns the function that stops it.
 * `owned`: the server is ours, so are its sockets, and net's cached peer name can be dropped
 * (see `socketAddress`); a user's server keeps it for the user's own code.
 */
function routeUpgrades(server: http.Server, config: WsConfig, onLink: (link: Link) => void, owned: boolean): () => void {
  let closed = false;
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: config.maxPayload, perMessageDeflate: config.perMessageDeflate });
  const accept = (socket: WebSocket, request: http.IncomingMessage): void => {
    const link = new WsLink(socket, {
      remoteAddress: owned ? socketAddress(request.socket) : formatAddress(request.socket.remoteAddress, request.socket.remotePort),
      limits: config,
      heartbeat: config.heartbeat,
      role: 'server',
      handshake: serverHandshake(request),
      rawSocket: request.socket,
    });
    // A handshake that was in flight when close() ran: stop accepting means not handing it on.
    if (closed) link.destroy();
    else onLink(link);
  };
  const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request.url) === config.path) {
      wss.handleUpgrade(request, socket, head, accept);
      return;
    }
    // Another upgrade handler may own this path; if we are the only one, nobody would answer.
    if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, '404 Not Found');
  };
  server.on('upgrade', onUpgrade);
  return () => {
    closed = true;
    server.off('upgrade', onUpgrade);
    wss.close();
  };
}

/** The standalone server: http, or https with `tls`; plain HTTP requests get `426 Upgrade Required`. */
function createServer(secure: { options: TlsOptions; handshakeTimeout: number } | undefined): http.Server {
  const upgradeRequired = (_request: http.IncomingMessage, response: http.ServerResponse): void => {
    response.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' }).end('Upgrade Required');
  };
  if (secure === undefined) return http.createServer(upgradeRequired);
  // Failed TLS handshakes (no or an untrusted client certificate, a timeout) never reach
  // 'upgrade': Node closes those sockets itself. `handshakeTimeout` bounds how long a client that
  // never completes TLS holds a socket (Node's default is 120 s).
  return https.createServer({ ...secure.options, handshakeTimeout: secure.handshakeTimeout }, upgradeRequired);
}

/** Listens on its own http server, or an https one when `secure` is given (`wss://`). */
export function listenStandalone(
  host: string,
  port: number,
  config: WsConfig,
  onLink: (link: Link) => void,
  secure?: { options: TlsOptions; handshakeTimeout: number },
): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const endpoint = `${secure === undefined ? 'ws' : 'wss'}://${formatAddress(host, port)}${config.path}`;
    if (secure !== undefined && !hasServerIdentity(secure.options)) {
      reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${endpoint}: tls needs key and cert (or pfx) to serve`));
      return;
    }
    const server = createServer(secure);
    const stop = routeUpgrades(server, config, onLink, true);
    const onListenError = (cause: Error): void => {
      stop();
      reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${endpoint}: ${cause.message}`, { cause }));
    };
    server.once('error', onListenError);
    server.listen({ host, port }, () => {
      server.off('error', onListenError);
      // Errors after listening are accept failures (EMFILE and the like) that libuv retries;
      // a listener here keeps them from crashing the process.
      server.on('error', () => {});
      const closed = new Promise<void>((done) => server.once('close', () => done()));
      resolve({
        address: serverUrl(server, config.path, secure !== undefined),
        port: (server.address() as AddressInfo).port,
        close(): Promise<void> {
          stop();
          // Resolves once upgraded sockets are gone too: they still count as the server's connections.
          if (server.listening) server.close();
          // Connections that never upgraded (nothing sent, a partial request) would hold close()
          // until Node's header timeout (a minute): they are ended here. Upgraded ones are not
          // the http server's any more and stay for the registry to close gracefully.
          server.closeAllConnections();
          return closed;
        },
      });
    });
  });
}

/**
 * Shares the user's http(s) server. `close()` only stops routing upgrades: the server, its
 * HTTP app and established links are left alone (the registry closes links).
 */
export function listenAttached(server: http.Server, secure: boolean, config: WsConfig, onLink: (link: Link) => void): Promise<Listener> {
  const stop = routeUpgrades(server, config, onLink, false);
  return Promise.resolve({
    // Getters: the user's server may start listening after serve() resolved.
    get address(): string {
      return serverUrl(server, config.path, secure);
    },
    get port(): number | undefined {
      const address = server.address();
      return address === null || typeof address === 'string' ? undefined : address.port;
    },
    close(): Promise<void> {
      stop();
      return Promise.resolve();
    },
  });
}
