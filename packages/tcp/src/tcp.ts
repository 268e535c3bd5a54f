/**
 * `tcp({ host, port })`: the TCP transport on `node:net`.
 */
import { DuplexLink, ErrorCode, ProjError, checkNumber, type Link, type Listener, type Transport } from '@proj/core';
import net from 'node:net';

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
  /** ms a dial may take before it fails with `PROJ_ERR_CONNECT` (a host that drops SYNs). @default 10000 */
  connectTimeout?: number;
  /** Length of the listen backlog. @default 511 */
  backlog?: number;
  /** Local interface to dial from (multi-homed hosts). @default chosen by the OS */
  localAddress?: string;
  /** Local port to dial from. @default chosen by the OS */
  localPort?: number;
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? 'unknown';
  return `${h.includes(':') ? `[${h}]` : h}:${port ?? 0}`;
}

/** A link on a connected TCP socket; `destroy()` sends an RST so the peer can tell it from a graceful close. */
function socketLink(socket: net.Socket): Link {
  return new DuplexLink(socket, {
    transport: 'tcp',
    remoteAddress: formatAddress(socket.remoteAddress, socket.remotePort),
    abort: () => (socket.connecting ? socket.destroy() : socket.resetAndDestroy()),
  });
}

/** Creates a TCP transport. */
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
  const dialFrom = {
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    ...(options.localPort === undefined ? {} : { localPort: options.localPort }),
  };
  const socketOptions = { noDelay, keepAlive: keepAlive !== false, keepAliveInitialDelay: keepAlive === false ? 0 : keepAlive };

  return {
    name: 'tcp',

    dial(signal?: AbortSignal): Promise<Link> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted === true) {
          reject(new ProjError(ErrorCode.ABORTED, 'dial aborted'));
          return;
        }
        const target = formatAddress(host, options.port);
        const socket = net.connect({ host, port: options.port, ...socketOptions, ...dialFrom });
        const settle = (error?: ProjError): void => {
          socket.off('connect', onConnect);
          socket.off('error', onError);
          socket.off('timeout', onTimeout);
          signal?.removeEventListener('abort', onAbort);
          socket.setTimeout(0);
          if (error === undefined) {
            resolve(socketLink(socket));
            return;
          }
          // Swallow the late 'error' a destroyed connecting socket may still emit: the dial already failed.
          socket.on('error', () => {});
          socket.destroy();
          reject(error);
        };
        const onConnect = (): void => {
          // TCP simultaneous open lets a socket dialling a free loopback port in the ephemeral
          // range connect to itself; a retrying client would then talk to itself. Refuse that.
          if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
            settle(new ProjError(ErrorCode.CONNECT, `cannot connect to tcp://${target}: connected to itself (nothing listens there)`));
            return;
          }
          settle();
        };
        const onError = (cause: Error): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to tcp://${target}: ${cause.message}`, { cause }));
        const onTimeout = (): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to tcp://${target}: timed out after ${connectTimeout} ms`));
        const onAbort = (): void => settle(new ProjError(ErrorCode.ABORTED, `dial to tcp://${target} aborted`));
        socket.once('connect', onConnect);
        socket.once('error', onError);
        socket.once('timeout', onTimeout);
        socket.setTimeout(connectTimeout);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    listen(onLink: (link: Link) => void): Promise<Listener> {
      return new Promise((resolve, reject) => {
        const server = net.createServer({ ...socketOptions });
        server.on('connection', (socket) => onLink(socketLink(socket)));
        const onListenError = (cause: Error): void => reject(new ProjError(ErrorCode.LISTEN, `cannot listen on tcp://${formatAddress(host, options.port)}: ${cause.message}`, { cause }));
        server.once('error', onListenError);
        server.listen({ host, port: options.port, backlog }, () => {
          server.off('error', onListenError);
          // Errors after listening are accept failures (EMFILE and the like) that libuv retries;
          // a listener here keeps them from crashing the process.
          server.on('error', () => {});
          const address = server.address() as net.AddressInfo;
          const closed = new Promise<void>((done) => server.once('close', () => done()));
          resolve({
            address: `tcp://${formatAddress(address.address, address.port)}`,
            port: address.port,
            close(): Promise<void> {
              if (server.listening) server.close();
              return closed;
            },
          });
        });
      });
    },
  };
}
