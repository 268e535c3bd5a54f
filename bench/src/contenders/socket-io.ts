/**
 * socket.io on its websocket transport only (no polling upgrade): `emit()` per message, the
 * server answering each event with an `emit()`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import type { BenchClient, Contender, EchoServer, Endpoint, ReplyHandler } from './contender.js';

export const socketIo: Contender = {
  startServer(endpoint: Endpoint): Promise<EchoServer> {
    return new Promise((resolve, reject) => {
      const httpServer = http.createServer();
      const server = new Server(httpServer, { transports: ['websocket'] });
      server.on('connection', (socket) => {
        socket.on('m', (message: unknown) => socket.emit('m', message));
      });
      httpServer.once('error', reject);
      httpServer.listen({ host: '127.0.0.1', port: endpoint.port ?? 0 }, () => {
        httpServer.off('error', reject);
        resolve({
          endpoint: { port: (httpServer.address() as AddressInfo).port },
          close: () => new Promise<void>((done) => void server.close(() => done())),
        });
      });
    });
  },

  connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = io(`http://127.0.0.1:${endpoint.port}`, { transports: ['websocket'], reconnection: false });
      socket.on('m', onReply);
      socket.once('connect_error', reject);
      socket.once('connect', () => {
        socket.off('connect_error', reject);
        resolve({
          send: (message: unknown) => void socket.emit('m', message),
          flush: () => {},
          close: () => {
            socket.disconnect();
            return Promise.resolve();
          },
        });
      });
    });
  },
};
