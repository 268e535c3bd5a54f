/**
 * The story in one run: a client starts before its server exists, connects when the server
 * appears, survives a server restart, and the server clears its connections on a timer.
 * Run with `npm run demo` (or `npx tsx apps/demo/src/main.ts --port 8024`).
 */
import net from 'node:net';
import { connect, serve, type Server } from '@proj/core';
import { tcp } from '@proj/tcp';
import { timeline } from './timeline.js';

const log = timeline();
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : await freePort();
const transport = tcp({ port });

// The same handler every time the server (re)starts.
const startServer = async (): Promise<Server> => {
  const server = await serve(transport, (msg, peer) => {
    peer.send({ echo: msg, at: new Date().toISOString() });
  });
  server.on('connection', (peer) => log('server', `peer ${peer.id} connected from ${peer.remoteAddress} (${server.peers.size} live)`));
  server.on('disconnect', (peer, info) => log('server', `peer ${peer.id} left: ${info.reason}`));
  log('server', `listening on ${server.address}`);
  return server;
};

log('client', `starting before any server exists (target ${transport.name}://127.0.0.1:${port})`);
const client = connect(transport, { reconnect: { initialDelay: 100, maxDelay: 1000 } });
client.on('reconnecting', ({ attempt, delay, error }) => log('client', `attempt ${attempt} failed (${error?.code ?? 'disconnected'}), retrying in ${delay} ms`));
client.on('connect', ({ remoteAddress, connections }) => log('client', `connected to ${remoteAddress} (connection #${connections})`));
client.on('disconnect', ({ reason }) => log('client', `disconnected: ${reason}`));
let replies = 0;
client.on('message', (msg) => {
  replies++;
  log('client', `received ${JSON.stringify(msg)}`);
});

let sent = 0;
const say = (text: string): void => {
  client.send({ seq: ++sent, text });
  log('client', `sent #${sent} "${text}"${client.state === 'open' ? '' : ` (queued while ${client.state})`}`);
};

say('hello before the server exists');
await delay(700);
let server = await startServer();
await client.connected();
say('hello, server');
await delay(300);

log('server', 'restarting');
await server.close({ grace: 200 });
say('sent while the server is down');
await delay(600);
server = await startServer();
await client.connected();
say('back again');
await delay(300);

log('server', 'clearing every connection after 200 ms, gracefully (end)');
await delay(200);
await server.peers.endAll();
await client.connected();
log('server', 'and now abruptly (destroy)');
await server.peers.destroyAll();
await client.connected();
say('still here');
await delay(300);

await client.end();
await server.close();
log('summary', `sent ${sent}, received ${replies} replies, reconnects ${client.reconnects}, lost ${sent - replies}`);
process.exitCode = sent === replies ? 0 : 1;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(free));
    });
  });
}
