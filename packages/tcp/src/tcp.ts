/**
 * `tcp({ host, port })`: the TCP transport on `node:net`; with `tls`, TLS on `node:tls`.
 */
import { DuplexLink, ErrorCode, formatAddress, socketAddress, ProjError, checkNumber, type DuplexLinkOptions, type Link, type Listener, type Transport, tlsHandshake, hasServerIdentity } from '@proj/core';
import net from 'node:net';
import tls from 'node:tls';
import { secureContextOf, type TlsOptions } from './tls-options.js';

/** Options of {@link tcp}. The same value serves `serve()` (listen) and `connect()` (dial). */
export interface TcpOptions {
  /** Port to listen on or dial; 0 listens on a free port (read it from `server.port`). */
  port: number;
  /** Interface to listen on / host to dial. Use `'0.0.0.0'` or `'::'` to accept from other machines. @default '127.0.0.1' */
  host?: string;
  /** Disable Nagle's algorithm, so small coalesced batches leave at once. @default true */
  noDelay?: boolean;
  /** TCP keep-alive: `false` (off) or the initial delay in ms before probes start. @default false */
  keepAlive?: number | false;
  /**
   * ms a dial may take (TCP connect, then the TLS handshake) before it fails with
   * `PROJ_ERR_CONNECT` (a host that drops SYNs). With `tls`, also the time a server gives a
   * client to complete its handshake before dropping it. @default 10000
   */
  connectTimeout?: number;
  /** Length of the listen backlog. @default 511 */
  backlog?: number;
  /** Local interface to dial from (multi-homed hosts). @default chosen by the OS */
  localAddress?: string;
  /** Local port to dial from. @default chosen by the OS */
  localPort?: number;
  /**
   * Speak TLS over the connection: the transport is then named `tls`, listens at
   * `tls://host:port`, and its links carry a `TlsHandshake` as `handshake`. A server needs
   * `key` + `cert` (or `pfx`); a client trusts Node's root CAs unless `ca` is given. See
   * `docs/security.md`. @default undefined (plain TCP)
   */
  tls?: TlsOptions;
}

/** Sends an RST, so the peer can tell an abrupt close from a graceful one. */
function reset(socket: net.Socket): void {
  if (socket.connecting || socket.destroyed) socket.destroy();
  else socket.resetAndDestroy();
}

/**
 * The abort of every plain TCP link: `DuplexLink` passes the stream it was made with, a
 * `net.Socket`. Shared rather than `() => reset(socket)`, a closure per connection (bench
 * "memory per idle connection").
 */
function resetLinkStream(stream: unknown): void {
  reset(stream as net.Socket);
}

/** Options of every plain TCP link: one object, not one per connection. */
const TCP_LINK: DuplexLinkOptions = Object.freeze({ transport: 'tcp', abort: resetLinkStream, syncWrites: true, asyncDelivery: true });

/** A link on a connected TCP socket; `destroy()` sends an RST. */
function socketLink(socket: net.Socket): Link {
  return new DuplexLink(socket, socketAddress(socket), TCP_LINK);
}

/**
 * A link on an established TLS socket over `tcpSocket`. `destroy()` resets the TCP socket
 * underneath: `TLSSocket.resetAndDestroy()` throws (its handle is the TLS wrap, not TCP), and a
 * plain `destroy()` reaches the peer as an orderly end.
 */
function tlsLink(socket: tls.TLSSocket, tcpSocket: net.Socket | undefined): Link {
  // Options of its own: the handshake and the socket to reset are this link's.
  return new DuplexLink(socket, socketAddress(socket), {
    transport: 'tls',
    asyncDelivery: true,
    handshake: tlsHandshake(socket),
    abort: () => {
      if (tcpSocket !== undefined && !tcpSocket.destroyed) reset(tcpSocket);
      else socket.destroy();
    },
  });
}

/**
 * The TCP socket under a server-side TLS socket. Node keeps it as the undocumented `_parent`;
 * without it (a future Node), `destroy()` falls back to an orderly close (tests would notice).
 */
function tcpSocketOf(socket: tls.TLSSocket): net.Socket | undefined {
  const parent = (socket as { _parent?: unknown })._parent;
  return parent instanceof net.Socket ? parent : undefined;
}

/** The resolved options of a `tcp()` transport, shared by dial and listen. */
interface TcpConfig {
  /** `tcp`, or `tls` with TLS: the transport name and the scheme of addresses. */
  scheme: 'tcp' | 'tls';
  host: string;
  port: number;
  connectTimeout: number;
  backlog: number;
  socketOptions: { noDelay: boolean; keepAlive: boolean; keepAliveInitialDelay: number };
  dialFrom: { localAddress?: string; localPort?: number };
  tls: { options: TlsOptions; secureContext: tls.SecureContext; servername: string | undefined } | undefined;
}

/**
 * Opens one TCP connection, then with `tls` a TLS session over it. Every failure is
 * `PROJ_ERR_CONNECT` with the native `cause` (refused, timed out, an untrusted certificate), an
 * abort `PROJ_ERR_ABORTED`; either way the sockets are destroyed.
 */
function dialTcp(config: TcpConfig, signal?: AbortSignal): Promise<Link> {
  return new Promise((resolve, reject) => {
    // Only failures name the target: a reconnect spends none of its ~1 ms on formatting it.
    const target = (): string => `${config.scheme}://${formatAddress(config.host, config.port)}`;
    if (signal?.aborted === true) {
      reject(new ProjError(ErrorCode.ABORTED, `dial to ${target()} aborted`));
      return;
    }
    const socket = net.connect({ host: config.host, port: config.port, ...config.socketOptions, ...config.dialFrom });
    let secure: tls.TLSSocket | undefined;
    const settle = (error?: ProjError): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      secure?.off('secureConnect', onSecure);
      secure?.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        resolve(secure === undefined ? socketLink(socket) : tlsLink(secure, socket));
        return;
      }
      // Swallow the late 'error' a destroyed connecting socket may still emit: the dial already failed.
      socket.on('error', () => {});
      secure?.on('error', () => {});
      secure?.destroy();
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      // TCP simultaneous open lets a socket dialling a free loopback port in the ephemeral
      // range connect to itself; a retrying client would then talk to itself. Refuse that.
      if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
        settle(new ProjError(ErrorCode.CONNECT, `cannot connect to ${target()}: connected to itself (nothing listens there)`));
        return;
      }
      if (config.tls === undefined) {
        settle();
        return;
      }
      // The check above cached the peer name on this socket; the TLS link reads its own.
      socketAddress(socket);
      // TLS over a socket we own, so that the link's destroy() can reset it (see tlsLink).
      const { options, secureContext, servername } = config.tls;
      secure = tls.connect({ ...options, secureContext, servername, socket, host: config.host });
      secure.once('secureConnect', onSecure);
      secure.once('error', onError);
    };
    const onSecure = (): void => settle();
    const onError = (cause: Error): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to ${target()}: ${cause.message}`, { cause }));
    const onAbort = (): void => settle(new ProjError(ErrorCode.ABORTED, `dial to ${target()} aborted`));
    socket.once('connect', onConnect);
    socket.once('error', onError);
    const timer = setTimeout(() => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to ${target()}: timed out after ${config.connectTimeout} ms`)), config.connectTimeout);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A TCP server, or with `tls` a TLS server whose links exist only once their handshake succeeded. */
function createServer(config: TcpConfig, onLink: (link: Link) => void): net.Server {
  if (config.tls === undefined) {
    const server = net.createServer({ ...config.socketOptions });
    server.on('connection', (socket) => onLink(socketLink(socket)));
    return server;
  }
  // `handshakeTimeout`: a client that opens TCP and never completes TLS holds a socket for no
  // longer than a dial may take (Node's default is 120 s).
  const server = tls.createServer({ ...config.socketOptions, ...config.tls.options, handshakeTimeout: config.connectTimeout });
  server.on('secureConnection', (socket: tls.TLSSocket) => onLink(tlsLink(socket, tcpSocketOf(socket))));
  // Failed handshakes (no or an untrusted client certificate, a timeout) are 'tlsClientError's
  // and never become links. Node closes the socket after a protocol error, but not after the
  // handshake timeout: a client that sent nothing kept its socket open, and server.close() waited
  // for it, as long as it liked (https.Server, under wss, destroys them the same way).
  server.on('tlsClientError', (_error: Error, socket: tls.TLSSocket) => socket.destroy());
  return server;
}

function listenTcp(config: TcpConfig, onLink: (link: Link) => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const endpoint = `${config.scheme}://${formatAddress(config.host, config.port)}`;
    if (config.tls !== undefined && !hasServerIdentity(config.tls.options)) {
      reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${endpoint}: tls needs key and cert (or pfx) to serve`));
      return;
    }
    const server = createServer(config, onLink);
    const onListenError = (cause: Error): void => reject(new ProjError(ErrorCode.LISTEN, `cannot listen on ${endpoint}: ${cause.message}`, { cause }));
    server.once('error', onListenError);
    server.listen({ host: config.host, port: config.port, backlog: config.backlog }, () => {
      server.off('error', onListenError);
      // Errors after listening are accept failures (EMFILE and the like) that libuv retries;
      // a listener here keeps them from crashing the process.
      server.on('error', () => {});
      const address = server.address() as net.AddressInfo;
      const closed = new Promise<void>((done) => server.once('close', () => done()));
      resolve({
        address: `${config.scheme}://${formatAddress(address.address, address.port)}`,
        port: address.port,
        close(): Promise<void> {
          if (server.listening) server.close();
          return closed;
        },
      });
    });
  });
}

/**
 * Creates a TCP transport, or a TLS one with `tls`.
 *
 * @example
 * const server = await serve(tcp({ port: 8024 }), handler);
 * const secure = await serve(tcp({ port: 8443, host: '0.0.0.0', tls: { key, cert } }), handler);
 * const client = connect(tcp({ port: 8443, host: 'api.internal', tls: { ca } }));
 */
export function tcp(options: TcpOptions): Transport {
  const host = options.host ?? '127.0.0.1';
  const noDelay = options.noDelay ?? true;
  const keepAlive = options.keepAlive ?? false;
  const connectTimeout = options.connectTimeout ?? 10_000;
  const backlog = options.backlog ?? 511;
  checkNumber('port', options.port, 0, 65535);
  checkNumber('connectTimeout', connectTimeout, 1);
  checkNumber('backlog', backlog, 0);
  if (keepAlive !== false) checkNumber('keepAlive', keepAlive, 0);
  if (options.localPort !== undefined) checkNumber('localPort', options.localPort, 0, 65535);
  const tlsOptions = options.tls;
  const config: TcpConfig = {
    scheme: tlsOptions === undefined ? 'tcp' : 'tls',
    host,
    port: options.port,
    connectTimeout,
    backlog,
    socketOptions: { noDelay, keepAlive: keepAlive !== false, keepAliveInitialDelay: keepAlive === false ? 0 : keepAlive },
    dialFrom: {
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.localPort === undefined ? {} : { localPort: options.localPort }),
    },
    tls:
      tlsOptions === undefined
        ? undefined
        : {
            options: tlsOptions,
            secureContext: secureContextOf(tlsOptions),
            // SNI carries host names only (RFC 6066): for an IP, Node checks the certificate's IP SANs.
            servername: tlsOptions.servername ?? (net.isIP(host) === 0 ? host : undefined),
          },
  };

  return {
    name: config.scheme,
    dial: (signal?: AbortSignal): Promise<Link> => dialTcp(config, signal),
    listen: (onLink: (link: Link) => void): Promise<Listener> => listenTcp(config, onLink),
  };
}
