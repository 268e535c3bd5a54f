/**
 * Child process: opens N idle connections to a memory-benchmark server and holds them until the
 * parent goes away. Plain `net` sockets for TCP servers and `ws` clients for WebSocket servers,
 * whichever library the server uses: only the server's memory is measured.
 */
import net from 'node:net';
import { WebSocket } from 'ws';
import { serveParent } from './child-ipc.js';

/** `talk`: each connection sends one message and waits for the server's reply before it counts as open (then idles). */
type Request = { op: 'open'; protocol: 'tcp' | 'ws'; port: number; connections: number; concurrency: number; talk?: boolean; timeoutMs: number } | { op: 'closeAll' };

/** The message a talking connection sends: one small NDJSON line, as the transport benchmark's. */
const HELLO = '{"type":"tick","good":1234,"seq":0}';

const held: (net.Socket | WebSocket)[] = [];

function openOne(protocol: 'tcp' | 'ws', port: number, talk: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (protocol === 'tcp') {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => {}); // the server process is stopped first at the end of a round
        held.push(socket);
        if (!talk) return resolve();
        socket.once('data', () => resolve()); // the reply (one line, one read on loopback)
        socket.write(`${HELLO}\n`);
      });
    } else {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
      socket.once('error', reject);
      socket.once('open', () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        held.push(socket);
        if (!talk) return resolve();
        socket.once('message', () => resolve());
        socket.send(HELLO);
      });
    }
  });
}

/** Opens `connections` with at most `concurrency` handshakes in flight (the listen backlog is finite). */
async function open(request: Extract<Request, { op: 'open' }>): Promise<number> {
  const deadline = Date.now() + request.timeoutMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < request.connections) {
      if (Date.now() > deadline) throw new Error(`opened only ${held.length} of ${request.connections} connections in ${request.timeoutMs} ms`);
      next++;
      await openOne(request.protocol, request.port, request.talk === true);
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, worker));
  return held.length;
}

function closeAll(): number {
  for (const socket of held.splice(0)) {
    if (socket instanceof net.Socket) socket.destroy();
    else socket.terminate();
  }
  return 0;
}

serveParent((body) => {
  const request = body as Request;
  return request.op === 'open' ? open(request) : closeAll();
});
