/**
 * Bare `ws`, as its README shows it: one JSON message per frame, `JSON.parse` on each incoming
 * frame, `JSON.stringify` + `send()` per reply. Its server and client set-up is shared with the
 * WebSocket floor (`raw-ws.ts`).
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { BenchClient, Contender, EchoServer, Endpoint, ReplyHandler } from './contender.js';

/** A `WebSocketServer` on 127.0.0.1 that hands each connection to `onConnection`; `close()` terminates them. */
export function startWsServer(endpoint: Endpoint, onConnection: (socket: WebSocket) => void): Promise<EchoServer> {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: endpoint.port ?? 0 });
    wss.once('error', reject);
    wss.on('connection', (socket) => {
      onConnection(socket);
      socket.on('error', () => {});
    });
    wss.once('listening', () => {
      wss.off('error', reject);
      resolve({
        endpoint: { port: (wss.address() as AddressInfo).port },
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

/** A WebSocket to the server at `endpoint` with `onMessage` listening; resolves once it is open. */
export function openWsClient(endpoint: Endpoint, onMessage: (data: RawData) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${endpoint.port}/`);
    socket.on('message', onMessage);
    socket.once('error', reject);
    socket.once('open', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** A normal close (1000); resolves once the socket has closed. */
export function closeWs(socket: WebSocket): Promise<void> {
  return new Promise<void>((done) => {
    socket.once('close', () => done());
    socket.close(1000);
  });
}

export const bareWs: Contender = {
  startServer(endpoint: Endpoint): Promise<EchoServer> {
    return startWsServer(endpoint, (socket) => {
      socket.on('message', (data: RawData) => socket.send(JSON.stringify(JSON.parse(data.toString()))));
    });
  },

  async connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
    const socket = await openWsClient(endpoint, (data: RawData) => onReply(JSON.parse(data.toString())));
    return {
      send: (message: unknown) => socket.send(JSON.stringify(message)),
      flush: () => {},
      close: () => closeWs(socket),
    };
  },
};
