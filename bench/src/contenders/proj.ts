/**
 * @proj over tcp, unix and ws, through the public API as a user writes it: `serve()` with a
 * handler that replies with `peer.send()`, and `connect()` + per-message `client.send()`.
 * Every option is left at its default.
 */
import { connect, serve, type Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';
import type { BenchClient, Contender, EchoServer, Endpoint, ReplyHandler } from './contender.js';

function projContender(transportFor: (endpoint: Endpoint) => Transport): Contender {
  return {
    async startServer(endpoint: Endpoint): Promise<EchoServer> {
      const server = await serve(transportFor(endpoint), (message, peer) => peer.send(message));
      const bound = endpoint.path !== undefined ? { path: endpoint.path } : { port: server.port! };
      return { endpoint: bound, close: () => server.close({ grace: 0 }) };
    },

    async connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
      const client = connect(transportFor(endpoint));
      client.on('message', onReply);
      await client.connected();
      return {
        send: (message: unknown) => void client.send(message),
        flush: () => {},
        close: () => client.end(),
      };
    },
  };
}

export const projTcp = projContender((endpoint) => tcp({ port: endpoint.port ?? 0 }));
export const projUnix = projContender((endpoint) => unix({ path: endpoint.path! }));
export const projWs = projContender((endpoint) => ws({ port: endpoint.port ?? 0 }));
