/**
 * Bare `ws`, as its README shows it: one JSON message per frame, `JSON.parse` on each incoming
 * frame, `JSON.stringify` + `send()` per reply.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { BenchClient, Contender, EchoServer, Endpoint, ReplyHandler } from './contender.js';

export const bareWs: Contender = {
  startServer(endpoint: Endpoint): Promise<EchoServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: endpoint.port ?? 0 });
      wss.once('error', reject);
      wss.on('connection', (socket) => {
        socket.on('message', (data: RawData) => socket.send(JSON.stringify(JSON.parse(data.toString()))));
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
  },

  connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${endpoint.port}/`);
      socket.on('message', (data: RawData) => onReply(JSON.parse(data.toString())));
      socket.once('error', reject);
      socket.once('open', () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        resolve({
          send: (message: unknown) => socket.send(JSON.stringify(message)),
          flush: () => {},
          close: () =>
            new Promise<void>((done) => {
              socket.once('close', () => done());
              socket.close(1000);
            }),
        });
      });
    });
  },
};
