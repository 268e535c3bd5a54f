/**
 * Child process (started with `--expose-gc`): a server of one kind holding idle connections, which
 * reports its memory after forced full collections. Argument: `raw-net`, `proj-tcp`, `bare-ws` or
 * `proj-ws`. Each server is what a user of that library writes: it tracks its connections (the
 * @proj registry, a `Set` for raw net, `ws`'s own `clients` set) and has a message handler.
 */
import { serve } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { childArgs, serveParent } from './child-ipc.js';
import { MEMORY_KINDS, type MemorySnapshot } from './memory-kinds.js';

interface Held {
  port: number;
  count: () => number;
}

function noop(): void {}

async function rawNet(): Promise<Held> {
  const sockets = new Set<net.Socket>();
  function onData(this: net.Socket, chunk: Buffer): void {
    this.write(chunk);
  }
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', onData);
    socket.on('error', noop);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 511 }, resolve));
  return { port: (server.address() as net.AddressInfo).port, count: () => sockets.size };
}

async function bareWs(): Promise<Held> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  function onMessage(this: WebSocket, data: RawData): void {
    this.send(JSON.stringify(JSON.parse(data.toString())));
  }
  wss.on('connection', (socket) => {
    socket.on('message', onMessage);
    socket.on('error', noop);
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  return { port: (wss.address() as net.AddressInfo).port, count: () => wss.clients.size };
}

async function proj(kind: 'proj-tcp' | 'proj-ws'): Promise<Held> {
  const transport = kind === 'proj-tcp' ? tcp({ port: 0 }) : ws({ port: 0 });
  const server = await serve(transport, (message, peer) => peer.send(message));
  return { port: server.port!, count: () => server.peers.size };
}

/** Full collections until the heap stops shrinking (at most 5), with pauses for the allocator to return pages. */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('memory-server needs --expose-gc');
  let last = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(50);
    const used = process.memoryUsage().heapUsed;
    if (used >= last) break;
    last = used;
  }
}

const [kind] = childArgs();
if (!(MEMORY_KINDS as readonly string[]).includes(kind ?? '')) throw new Error(`unknown memory kind ${String(kind)}`);
const held = kind === 'raw-net' ? await rawNet() : kind === 'bare-ws' ? await bareWs() : await proj(kind as 'proj-tcp' | 'proj-ws');

type Request = { op: 'port' } | { op: 'snapshot' } | { op: 'await'; connections: number; timeoutMs: number };

serveParent(async (body) => {
  const request = body as Request;
  switch (request.op) {
    case 'port':
      return held.port;
    case 'snapshot': {
      await settle();
      const usage = process.memoryUsage();
      const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
      return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, newSpace, connections: held.count() } satisfies MemorySnapshot;
    }
    case 'await': {
      const deadline = Date.now() + request.timeoutMs;
      while (held.count() !== request.connections) {
        if (Date.now() > deadline) throw new Error(`${held.count()} connections held, waited for ${request.connections}`);
        await sleep(20);
      }
      return held.count();
    }
  }
});
