/**
 * Raw peers for hostile-input tests: a plain TCP socket, and a WebSocket client written by hand
 * over `node:net` so it can send what no WebSocket library would (unmasked frames, invalid
 * UTF-8 in text frames, lengths past `maxPayload`, one byte per write).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawSocket {
  readonly socket: net.Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** Writes and waits for the write to be flushed to the kernel (rejects only if not closed-tolerant). */
  write(chunk: Buffer | string): Promise<boolean>;
  destroy(): void;
}

/** Wraps a connected socket: collects what arrives, tolerates resets. */
function wrap(socket: net.Socket, initial: Buffer[] = []): RawSocket {
  const chunks: Buffer[] = [...initial];
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A hostile peer expects to be cut off: a reset is an outcome here, not an error.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((isClosed = true), resolve())));
  return {
    socket,
    received: () => Buffer.concat(chunks),
    closed,
    get isClosed() {
      return isClosed;
    },
    /** Resolves `true` once written (after `drain` if needed), `false` if the socket closed first. */
    write(chunk) {
      if (isClosed || socket.destroyed) return Promise.resolve(false);
      return new Promise((resolve) => {
        const ok = socket.write(chunk, (err) => {
          if (err !== undefined && err !== null) resolve(false);
          else if (ok) resolve(true);
        });
        if (!ok) {
          const onDrain = (): void => (socket.off('close', onClose), resolve(true));
          const onClose = (): void => (socket.off('drain', onDrain), resolve(false));
          socket.once('drain', onDrain).once('close', onClose);
        }
      });
    },
    destroy: () => socket.destroy(),
  };
}

/** A connected raw TCP socket (Nagle off, so small writes leave as their own segments). */
export function rawTcp(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(wrap(socket));
    });
  });
}

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameOptions {
  /** FIN bit. @default true */
  fin?: boolean;
  /** Mask the payload, as a client must. @default true */
  mask?: boolean;
  /** RSV1-3 bits (0-7). @default 0 */
  rsv?: number;
  /** The payload length written in the header, when it should lie. @default payload.length */
  declaredLength?: number;
}

/** Encodes one WebSocket frame (RFC 6455 §5.2). */
export function frame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = options.mask ?? true;
  const length = options.declaredLength ?? data.length;
  const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Parses the (unmasked) frames a server sent; an incomplete trailing frame is left out. */
export function parseFrames(data: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = data[at]! & 0x0f;
    let length = data[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (offset + 2 > data.length) break;
      length = data.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (offset + 8 > data.length) break;
      length = Number(data.readBigUInt64BE(offset));
      offset += 8;
    }
    if (offset + length > data.length) break;
    frames.push({ opcode, payload: data.subarray(offset, offset + length) });
    at = offset + length;
  }
  return frames;
}

/** The status code of the first close frame the server sent, if any. */
export function closeCodeOf(data: Buffer): number | undefined {
  const close = parseFrames(data).find((f) => f.opcode === OPCODE.close);
  return close !== undefined && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
}

/** A raw WebSocket client: performs the opening handshake, then hands over the socket. */
export function rawWs(port: number, path = '/'): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const status = head.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '';
      if (!status.includes(' 101 ')) {
        socket.destroy();
        reject(new Error(`handshake refused: ${status}`));
        return;
      }
      const rest = head.subarray(end + 4);
      resolve(wrap(socket, rest.length > 0 ? [rest] : []));
    };
    socket.once('error', reject);
    socket.on('data', onData);
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}
