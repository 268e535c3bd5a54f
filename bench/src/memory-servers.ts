/**
 * The servers of the memory benchmark, each as a user of its library writes it: it tracks its
 * connections (the @proj registry, a `Set` for raw net, `ws`'s own `clients` set) and has a
 * message handler. Started in the memory-server child, and in-process by `heap-census.ts`.
 */
import { serve } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { MemoryKind } from './memory-kinds.js';

/** A listening server of one kind: its port and how many connections it holds. */
export interface Held {
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

/** Starts a server of `kind` on 127.0.0.1, port 0. */
export function startMemoryServer(kind: MemoryKind): Promise<Held> {
  return kind === 'raw-net' ? rawNet() : kind === 'bare-ws' ? bareWs() : proj(kind);
}

/** Resolves once `held` holds exactly `connections` connections; rejects after `timeoutMs`. */
export async function heldExactly(held: Held, connections: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (held.count() !== connections) {
    if (Date.now() > deadline) throw new Error(`${held.count()} connections held, waited for ${connections}`);
    await sleep(20);
  }
  return held.count();
}
