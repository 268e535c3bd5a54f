/**
 * `net` + the `ndjson` package, piped as a user new to sockets writes it: `socket.pipe(parse())`
 * in, `stringify().pipe(socket)` out, one `write()` per message, socket options left alone.
 */
import ndjson from 'ndjson';
import net from 'node:net';
import { netTarget, type BenchClient, type Contender, type EchoServer, type Endpoint, type ReplyHandler } from './contender.js';

export const ndjsonNet: Contender = {
  startServer(endpoint: Endpoint): Promise<EchoServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      const out = ndjson.stringify();
      out.pipe(socket);
      socket.pipe(ndjson.parse()).on('data', (message: unknown) => out.write(message));
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(netTarget(endpoint), () => {
        server.off('error', reject);
        resolve({
          endpoint: { port: (server.address() as net.AddressInfo).port },
          close: () =>
            new Promise<void>((done) => {
              for (const socket of sockets) socket.destroy();
              server.close(() => done());
            }),
        });
      });
    });
  },

  connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(netTarget(endpoint));
      const out = ndjson.stringify();
      out.pipe(socket);
      socket.pipe(ndjson.parse()).on('data', onReply);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        resolve({
          send: (message: unknown) => void out.write(message),
          flush: () => {},
          close: () => new Promise<void>((done) => out.end(() => done())),
        });
      });
    });
  },
};
