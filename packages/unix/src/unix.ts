/**
 * `unix({ path })`: the unix-domain-socket transport on `node:net`.
 */
import { DuplexLink, ErrorCode, ProjError, checkNumber, type DuplexLinkOptions, type Link, type Listener, type Transport } from '@proj/core';
import fs from 'node:fs';
import net from 'node:net';

/** Options of {@link unix}. The same value serves `serve()` (listen) and `connect()` (dial). */
export interface UnixOptions {
  /** Filesystem path of the socket: at most 107 UTF-8 bytes on Linux, 103 elsewhere (`sun_path`). */
  path: string;
  /** Permission bits of the socket file the server creates; peers need write permission to connect. @default 0o600 (owner only) */
  mode?: number;
  /** ms a dial may take before it fails with `PROJ_ERR_CONNECT`. @default 10000 */
  connectTimeout?: number;
  /** Length of the listen backlog. @default 511 */
  backlog?: number;
}

// sizeof(sockaddr_un.sun_path) minus the terminating NUL. Past it, Node 20 still binds a 108-byte
// Linux path but truncates it when dialling (ENOENT; cf. nodejs/node#48316): check it up front.
const MAX_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | undefined)?.code;

/** Connects to `path`; rejects with `PROJ_ERR_CONNECT` (native `cause`) or `PROJ_ERR_ABORTED`, destroying the socket. */
function connectSocket(path: string, timeout: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new ProjError(ErrorCode.ABORTED, `dial to unix:${path} aborted`));
      return;
    }
    const socket = net.connect({ path });
    const settle = (error?: ProjError): void => {
      socket.off('connect', onConnect).off('error', onError).off('timeout', onTimeout).setTimeout(0);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) return resolve(socket);
      // Swallow the late 'error' a destroyed connecting socket may still emit: the dial already failed.
      socket.on('error', () => {}).destroy();
      reject(error);
    };
    const onConnect = (): void => settle();
    const onError = (cause: Error): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to unix:${path}: ${cause.message}`, { cause }));
    const onTimeout = (): void => settle(new ProjError(ErrorCode.CONNECT, `cannot connect to unix:${path}: timed out after ${timeout} ms`));
    const onAbort = (): void => settle(new ProjError(ErrorCode.ABORTED, `dial to unix:${path} aborted`));
    socket.once('connect', onConnect).once('error', onError).once('timeout', onTimeout).setTimeout(timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Binds and listens with the socket file created at `mode`: the umask covers the synchronous bind, so no looser window exists. */
function bind(server: net.Server, path: string, mode: number, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onListening = (): void => (server.off('error', onError), resolve());
    const onError = (error: Error): void => (server.off('listening', onListening), reject(error));
    server.once('listening', onListening).once('error', onError);
    let umask: number | undefined;
    try {
      umask = process.umask(0o777 & ~mode);
    } catch {
      // Worker threads cannot change the umask; the chmod after listening still sets the mode.
    }
    try {
      server.listen({ path, backlog });
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  });
}

/** Called after bind failed with EADDRINUSE: removes the file only if it is a socket nobody accepts on. */
async function removeStale(path: string, timeout: number, inUse: Error): Promise<void> {
  const fail = (why: string, cause: unknown = inUse): ProjError => new ProjError(ErrorCode.LISTEN, `cannot listen on unix:${path}: ${why}`, { cause });
  const before = fs.lstatSync(path, { throwIfNoEntry: false });
  if (before === undefined) return; // gone since the bind: try again
  if (!before.isSocket()) throw fail(`the path exists and is not a socket (${before.isDirectory() ? 'a directory' : 'a file'}); refusing to replace it`);
  const probe = await connectSocket(path, timeout).catch((error: ProjError) => error);
  if (probe instanceof net.Socket) {
    probe.destroy();
    throw fail('a live server owns this socket (EADDRINUSE)');
  }
  const cause = probe.cause;
  if (codeOf(cause) === 'ENOENT') return;
  if (codeOf(cause) !== 'ECONNREFUSED') throw fail(`cannot tell whether a server owns the socket: ${probe.message}`, cause);
  // Refused: the owner is gone (crashed without unlinking). Unlink only the very file we probed.
  const now = fs.lstatSync(path, { throwIfNoEntry: false });
  if (now?.ino === before.ino && now.dev === before.dev) fs.rmSync(path, { force: true });
}

/** Options of every unix socket link: one object, not one per connection. */
const UNIX_LINK: DuplexLinkOptions = Object.freeze({ transport: 'unix', syncWrites: true, asyncDelivery: true });

/** Creates a unix-domain-socket transport. Throws `PROJ_ERR_INVALID_OPTION` for a bad option or a path too long for the platform. */
export function unix(options: UnixOptions): Transport {
  const { path } = options;
  const mode = options.mode ?? 0o600;
  const connectTimeout = options.connectTimeout ?? 10_000;
  const backlog = options.backlog ?? 511;
  const invalid = (option: string, value: unknown, why: string): ProjError =>
    new ProjError(ErrorCode.INVALID_OPTION, `${option} ${why}`, { details: { option, value } });
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw invalid('path', path, 'must be a non-empty filesystem path without NUL bytes (abstract sockets are not supported)');
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_PATH_BYTES) throw invalid('path', path, `is ${bytes} bytes (UTF-8), over the ${MAX_PATH_BYTES}-byte limit of unix socket paths on ${process.platform}: ${path}`);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw invalid('mode', mode, `must be permission bits in [0o0, 0o777] such as 0o600, got ${String(mode)}`);
  checkNumber('connectTimeout', connectTimeout, 1);
  checkNumber('backlog', backlog, 0);
  // AF_UNIX has no RST: destroy() reaches the peer as ECONNRESET only if bytes it sent are still
  // unread on this side, otherwise as an orderly EOF. Plain destroy() is the best there is.
  const socketLink = (socket: net.Socket): Link => new DuplexLink(socket, path, UNIX_LINK);

  return {
    name: 'unix',
    // Unix sockets have no RST: an abrupt close reads as end-of-stream to the peer.
    resetVisible: false,

    async dial(signal?: AbortSignal): Promise<Link> {
      return socketLink(await connectSocket(path, connectTimeout, signal));
    },

    async listen(onLink: (link: Link) => void): Promise<Listener> {
      const server = net.createServer((socket) => onLink(socketLink(socket)));
      const fail = (cause: Error): ProjError => new ProjError(ErrorCode.LISTEN, `cannot listen on unix:${path}: ${cause.message}`, { cause });
      try {
        await bind(server, path, mode, backlog);
      } catch (error) {
        if (codeOf(error) !== 'EADDRINUSE') throw fail(error as Error);
        await removeStale(path, connectTimeout, error as Error);
        await bind(server, path, mode, backlog).catch((again: Error) => Promise.reject(fail(again)));
      }
      try {
        fs.chmodSync(path, mode);
      } catch (error) {
        server.close();
        throw fail(error as Error);
      }
      // Errors after listening are accept failures (EMFILE and the like) that libuv retries;
      // a listener here keeps them from crashing the process.
      server.on('error', () => {});
      const closed = new Promise<void>((done) => server.once('close', () => done()));
      return {
        address: `unix:${path}`,
        close(): Promise<void> {
          // libuv unlinks the socket file synchronously inside close(), so new dials fail at once
          // with ENOENT. It unlinks by name (nodejs/node#19729), so a second unlink here could only
          // remove another server's file, or, in a cluster worker, the primary's still-shared one.
          if (server.listening) server.close();
          return closed;
        },
      };
    },
  };
}
