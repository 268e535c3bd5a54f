/** Helpers of the chat tests: a room on a fresh address per transport, and what a client saw. */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';
import { until } from '@proj/testing';
import { ChatClient } from './chat-client.js';
import { startChatServer, type ChatServer, type ChatServerOptions } from './chat-server.js';
import type { TransportName } from './transport-args.js';

let sockets = 0;

/** A chat server on a fresh address (port 0, a socket under the tmp dir) and how to dial it. */
export async function startRoom(kind: TransportName, options: ChatServerOptions = {}): Promise<{ chat: ChatServer; dial: () => Transport }> {
  const socketPath = path.join(os.tmpdir(), `proj-chat-test-${process.pid}-${++sockets}.sock`);
  const listen = kind === 'tcp' ? tcp({ port: 0 }) : kind === 'ws' ? ws({ port: 0 }) : unix({ path: socketPath });
  const chat = await startChatServer([listen], options);
  const port = chat.servers[0]!.port ?? 0;
  const dial = (): Transport => (kind === 'tcp' ? tcp({ port }) : kind === 'ws' ? ws({ port }) : unix({ path: socketPath }));
  return { chat, dial };
}

/** A chat client whose events are recorded as short strings: `welcome`, `<bob> hi`, `joined bob`, `left bob (idle)`. */
export function user(transport: Transport, name: string): { chat: ChatClient; seen: string[] } {
  const chat = new ChatClient(transport, { name });
  const seen: string[] = [];
  chat.on('welcome', () => seen.push('welcome'));
  chat.on('message', (from, text) => seen.push(`<${from}> ${text}`));
  chat.on('joined', (who) => seen.push(`joined ${who}`));
  chat.on('left', (who, reason) => seen.push(`left ${who} (${reason})`));
  chat.on('users', (names) => seen.push(`users ${names.join(',')}`));
  chat.on('problem', (error) => seen.push(`problem ${error}`));
  chat.on('kicked', () => seen.push('kicked'));
  return { chat, seen };
}

/** A plain socket speaking the protocol by hand, as `nc` does: lines in, parsed JSON out. */
export function rawLines(socket: net.Socket): { received: unknown[]; next(): Promise<unknown> } {
  const received: unknown[] = [];
  let buffer = '';
  let read = 0;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n')) !== -1) {
      received.push(JSON.parse(buffer.slice(0, end)));
      buffer = buffer.slice(end + 1);
    }
  });
  return {
    received,
    async next() {
      await until(() => received.length > read, 10_000, `line ${read + 1} from the server`);
      return received[read++];
    },
  };
}

/** Connects a plain socket (TCP port or unix path) and reads its lines. */
export function rawLinesOf(target: { port: number } | { path: string }): Promise<ReturnType<typeof rawLines> & { socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = 'port' in target ? net.connect({ port: target.port, host: '127.0.0.1' }) : net.connect({ path: target.path });
    socket.once('error', reject);
    socket.once('connect', () => resolve({ ...rawLines(socket), socket }));
  });
}
