/**
 * Child process: a TCP server the reconnect benchmark stops and restarts. It greets every
 * connection with one line (so an @proj client sees a message and counts the connection as
 * healthy) and reports the instant it is listening again, on the shared clock.
 */
import net from 'node:net';
import { serveParent } from './child-ipc.js';
import { epochMs } from './clock.js';

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();

function start(port: number): Promise<{ port: number; listenAt: number }> {
  if (server !== undefined) throw new Error('already listening');
  const created = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // clients come and go as the schedule restarts this server
    socket.on('close', () => sockets.delete(socket));
    socket.write('{"hello":1}\n');
  });
  server = created;
  return new Promise((resolve, reject) => {
    created.once('error', reject);
    created.listen({ host: '127.0.0.1', port }, () => {
      const listenAt = epochMs();
      created.off('error', reject);
      resolve({ port: (created.address() as net.AddressInfo).port, listenAt });
    });
  });
}

/** A restart as clients see it: the listener goes away and every connection is closed. */
function stop(): { stoppedAt: number } {
  server?.close();
  server = undefined;
  for (const socket of sockets) socket.destroy();
  return { stoppedAt: epochMs() };
}

type Request = { op: 'start'; port: number } | { op: 'stop' };

serveParent((body) => {
  const request = body as Request;
  return request.op === 'start' ? start(request.port) : stop();
});
