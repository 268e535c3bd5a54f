/**
 * The reference (1.00) of the transport rows: raw `net` over TCP or a unix socket, a minimal
 * hand splitter, and batched writes — every reply produced by one received chunk goes out in a
 * single `write()`. Nagle off on TCP, as anyone tuning for latency would set it.
 *
 * `rawStreamInParts` is the same code writing as @proj does at its default `highWaterMark`: a
 * batch is written as soon as it holds {@link PART_UNITS} UTF-16 units, so the other process
 * starts on it while this one makes the rest. Not a reference: it tells how much of @proj's
 * pipelined throughput comes from when it writes rather than from what each message costs. A round
 * trip carries one line, so there it runs the reference's path in a pair of its own: the A/A
 * control of the tcp RTT row.
 */
import net from 'node:net';
import { LineSplitter } from '../line-splitter.js';
import { batchingClient, netTarget, type BenchClient, type Contender, type EchoServer, type Endpoint, type ReplyHandler } from './contender.js';

function listen(server: net.Server, endpoint: Endpoint): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(netTarget(endpoint), () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'string' || address === null ? { path: endpoint.path! } : { port: address.port });
    });
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
}

/** Where @proj writes a tick's or chunk's sends at its default highWaterMark (64 KiB at 3 bytes per unit). */
export const PART_UNITS = Math.ceil((64 * 1024) / 3);

function rawStreamWith(partUnits: number): Contender {
  return {
    async startServer(endpoint: Endpoint): Promise<EchoServer> {
      const sockets = new Set<net.Socket>();
      const server = net.createServer({ noDelay: true }, (socket) => {
        sockets.add(socket);
        socket.setEncoding('utf8');
        let out = '';
        // The reference's callback has no length check at all, so that it does not pay for the variant.
        const splitter = new LineSplitter(
          partUnits === Infinity
            ? (line) => {
                out += JSON.stringify(JSON.parse(line)) + '\n';
              }
            : (line) => {
                out += JSON.stringify(JSON.parse(line)) + '\n';
                if (out.length < partUnits) return;
                socket.write(out);
                out = '';
              },
        );
        socket.on('data', (text: string) => {
          splitter.push(text);
          if (out === '') return;
          socket.write(out);
          out = '';
        });
        socket.on('error', () => {}); // the client's reset at the end of a run is expected
        socket.on('close', () => sockets.delete(socket));
      });
      const bound = await listen(server, endpoint);
      return { endpoint: bound, close: () => closeServer(server, sockets) };
    },

    connect(endpoint: Endpoint, onReply: ReplyHandler): Promise<BenchClient> {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ ...netTarget(endpoint), noDelay: true });
        const client = batchingClient(
          (text) => socket.write(text),
          () => new Promise((done) => socket.end(done)),
          partUnits,
        );
        const splitter = new LineSplitter((line) => onReply(JSON.parse(line)));
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => {
          splitter.push(text);
          client.flush(); // the sends this chunk's replies triggered: one write
        });
        socket.once('error', reject);
        socket.once('connect', () => {
          socket.off('error', reject);
          socket.on('error', () => {});
          resolve(client);
        });
      });
    },
  };
}

export const rawStream = rawStreamWith(Infinity);
export const rawStreamInParts = rawStreamWith(PART_UNITS);
