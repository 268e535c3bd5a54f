/**
 * The chat server CLI:
 *
 *   npm run server -w @proj/chat -- [--transport tcp|unix|ws|all] [--port 8024] [--host 127.0.0.1]
 *                                   [--path /tmp/proj-chat.sock] [--idle 300]
 *
 * Ctrl+C closes it gracefully (users are disconnected, then the process exits by itself).
 */
import { parseArgs } from 'node:util';
import { startChatServer } from './chat-server.js';
import { clock } from './clock.js';
import { transportsFrom, type NamedTransport } from './transport-args.js';
import { quietOnClosedPipe, usageError } from './cli-io.js';

const USAGE = `Usage: npm run server -w @proj/chat -- [options]

  --transport <t>   tcp (default), unix, ws, a comma list, or all
  --port <n>        tcp: 8024, ws: 8025 (with tcp and ws together, ws takes port + 1)
  --host <h>        interface to listen on (default 127.0.0.1)
  --path <p>        unix socket path (default <tmpdir>/proj-chat.sock)
  --idle <s>        disconnect users silent for this many seconds (default 300, 0: never)`;

const { values } = parseArgs({
  options: {
    transport: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    path: { type: 'string' },
    idle: { type: 'string', default: '300' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help === true) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

let transports: NamedTransport[];
const idleSeconds = Number(values.idle);
try {
  transports = transportsFrom(values);
  if (!Number.isFinite(idleSeconds) || idleSeconds < 0) throw new Error(`--idle takes seconds, got ${values.idle}`);
} catch (error) {
  usageError((error as Error).message, USAGE);
}

quietOnClosedPipe();
const say = (line: string): void => void process.stdout.write(`${clock()} ${line}\n`);
const chat = await startChatServer(transports.map((t) => t.transport), { idleTimeout: idleSeconds * 1000 });
for (const server of chat.servers) say(`chat listening on ${server.address}`);
say(idleSeconds > 0 ? `users silent for ${idleSeconds} s are disconnected` : 'users are never disconnected for idling');
const tcpServer = chat.servers.find((server) => server.address.startsWith('tcp://'));
if (tcpServer !== undefined) say(`join with nc: nc ${tcpServer.address.slice('tcp://'.length).replace(/:(\d+)$/, ' $1')}, then type {"join":"yourname"}`);

chat.room.on('joined', (name, peer) => say(`${name} joined (${peer.transport} ${peer.remoteAddress}; ${chat.room.users.length} in the room)`));
chat.room.on('said', (name, text) => say(`<${name}> ${text}`));
const why = { left: '', idle: ` (kicked after ${idleSeconds} s idle)`, disconnected: ' (disconnected)' };
chat.room.on('left', (name, reason) => say(`${name} left${why[reason]}`));
chat.room.on('rejected', (peer, error) => say(`${peer.id}: ${error}`));

const stop = (): void => {
  process.off('SIGINT', stop).off('SIGTERM', stop);
  say('closing: disconnecting everyone');
  void chat.close().then(() => say('closed'));
};
process.on('SIGINT', stop).on('SIGTERM', stop);
