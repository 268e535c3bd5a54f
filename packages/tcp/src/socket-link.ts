/**
 * A {@link Link} over a connected `net.Socket`. Event handlers are methods bound once per
 * socket, not closures per chunk.
 */
import { ErrorCode, ProjError, type Link, type LinkHandlers } from '@proj/core';
import type { Socket } from 'node:net';

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Wraps a native socket error at the edge, keeping it as `cause`. */
export function wrapSocketError(error: Error & { code?: string }, remoteAddress: string): ProjError {
  const code = error.code !== undefined && RESET_CODES.has(error.code) ? ErrorCode.CONNECTION_RESET : ErrorCode.TRANSPORT;
  return new ProjError(code, `${error.code ?? 'socket error'} on ${remoteAddress}: ${error.message}`, { cause: error });
}

export class SocketLink implements Link {
  readonly transport: string;
  readonly remoteAddress: string;
  readonly #socket: Socket;
  #handlers: LinkHandlers | undefined;
  #error: ProjError | undefined;

  constructor(socket: Socket, transport: string, remoteAddress: string) {
    this.#socket = socket;
    this.transport = transport;
    this.remoteAddress = remoteAddress;
    // Listen for errors and close from the start: a reset before attach() must not crash.
    socket.on('error', this.#onError);
    socket.once('close', this.#onClose);
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  attach(handlers: LinkHandlers): void {
    this.#handlers = handlers;
    this.#socket.on('data', this.#onData);
    this.#socket.on('drain', this.#onDrain);
    // The socket may have closed between accept/connect and attach: deliver that now.
    if (this.#socket.destroyed && this.#closedInfo !== undefined) handlers.onClose(this.#closedInfo);
  }

  write(chunk: Uint8Array | string): boolean {
    return this.#socket.write(chunk);
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    // An RST, so the peer can tell an abrupt close from a graceful one (plain destroy() sends FIN).
    if (this.transport === 'tcp' && typeof socket.resetAndDestroy === 'function' && !socket.connecting) socket.resetAndDestroy();
    else socket.destroy();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  #closedInfo: { graceful: boolean; error?: ProjError } | undefined;

  #onData = (chunk: Buffer): void => {
    this.#handlers!.onData(chunk);
  };

  #onDrain = (): void => {
    this.#handlers!.onDrain();
  };

  #onError = (error: Error): void => {
    // Recorded and reported through onClose, which always follows an 'error' on a socket.
    this.#error ??= wrapSocketError(error, this.remoteAddress);
  };

  #onClose = (hadError: boolean): void => {
    const info = this.#error !== undefined ? { graceful: false, error: this.#error } : { graceful: !hadError };
    this.#closedInfo = info;
    this.#socket.off('data', this.#onData);
    this.#socket.off('drain', this.#onDrain);
    this.#handlers?.onClose(info);
  };
}
