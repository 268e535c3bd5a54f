/**
 * A raw peer: no @proj on this side, just a socket (or a WebSocket) writing lines by hand, the
 * way `nc` or a buggy service would. It sends a malformed line, an oversize line and a good line.
 */
import net from 'node:net';
import { WebSocket } from 'ws';
import type { TourTransport } from './tour-transports.js';

/** What a raw peer sends, in order: not JSON, too long for the server, and a good line. */
export function rawLines(maxLineBytes: number): string[] {
  return ['{"oops": this is not JSON', JSON.stringify({ big: 'x'.repeat(maxLineBytes) }), JSON.stringify({ raw: 'still served?' })];
}

/**
 * Sends `lines` (one per line on a byte stream, one per frame on a WebSocket), resolves with the
 * first line that comes back, and closes. Rejects after `ms`.
 */
export function rawExchange(target: TourTransport['raw'], lines: readonly string[], ms = 5000): Promise<string> {
  const exchange = 'url' in target ? overWebSocket(target.url, lines) : overSocket(target, lines);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the raw peer got no reply within ${ms} ms`)), ms);
  });
  return Promise.race([exchange, timeout]).finally(() => clearTimeout(timer));
}

function overSocket(target: { port: number } | { path: string }, lines: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = 'port' in target ? net.connect({ port: target.port, host: '127.0.0.1' }) : net.connect({ path: target.path });
    let received = '';
    let reply: string | undefined;
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(lines.map((line) => `${line}\n`).join('')));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end === -1 || reply !== undefined) return;
      reply = received.slice(0, end);
      socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => (reply === undefined ? reject(new Error('the server closed the raw socket')) : resolve(reply)));
  });
}

function overWebSocket(url: string, lines: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let reply: string | undefined;
    socket.on('open', () => {
      for (const line of lines) socket.send(line);
    });
    socket.on('message', (data) => {
      if (reply !== undefined) return;
      reply = data.toString().trimEnd();
      socket.close(1000);
    });
    socket.on('error', reject);
    socket.on('close', () => (reply === undefined ? reject(new Error('the server closed the raw WebSocket')) : resolve(reply)));
  });
}
