/**
 * The chat client CLI: what you type is said to the room; `/who` lists the room, `/quit` (or
 * end of input, or Ctrl+C) leaves it.
 *
 *   npm run client -w @proj/chat -- --name alice [--transport tcp|unix|ws] [--port 8024] [--host 127.0.0.1] [--path …]
 */
import os from 'node:os';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { ChatClient } from './chat-client.js';
import { clock } from './clock.js';
import { checkName } from './protocol.js';
import { transportsFrom, type NamedTransport } from './transport-args.js';
import { quietOnClosedPipe, usageError } from './cli-io.js';

const USAGE = `Usage: npm run client -w @proj/chat -- [options]

  --name <name>     your name in the room (default: your user name)
  --transport <t>   tcp (default), unix or ws
  --port <n>        tcp: 8024, ws: 8025
  --host <h>        host to connect to (default 127.0.0.1)
  --path <p>        unix socket path (default <tmpdir>/proj-chat.sock)

Type a line to say it; /who lists the room; /quit (or Ctrl+D, Ctrl+C) leaves.`;

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: os.userInfo().username },
    transport: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    path: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help === true) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

let target: NamedTransport;
try {
  const transports = transportsFrom(values);
  if (transports.length !== 1) throw new Error('a client connects over one transport: tcp, unix or ws');
  target = transports[0]!;
  const invalid = checkName(values.name);
  if (invalid !== undefined) throw new Error(`--name: ${invalid}`);
} catch (error) {
  usageError((error as Error).message, USAGE);
}

quietOnClosedPipe();
const print = (line: string): void => void process.stdout.write(`${clock()} ${line}\n`);
print(`connecting to ${target.address} as ${values.name}`);
const chat = new ChatClient(target.transport, { name: values.name });
chat.on('welcome', ({ users, idleTimeout }) => {
  const others = users.length === 0 ? 'nobody else is here yet' : `here: ${users.join(', ')}`;
  print(`* you are in the room as ${chat.name}; ${others}${idleTimeout > 0 ? ` (silent for ${idleTimeout / 1000} s and you are out)` : ''}`);
});
chat.on('message', (from, text) => print(`<${from}> ${text}`));
chat.on('joined', (name) => print(`* ${name} joined`));
chat.on('left', (name, reason) => print(`* ${name} left${reason === 'left' ? '' : ` (${reason})`}`));
chat.on('users', (names) => print(`* in the room: ${names.join(', ')}`));
chat.on('problem', (error) => print(`! ${error}`));
chat.on('disconnected', (reason) => print(`* disconnected (${reason})`));
chat.on('reconnecting', (attempt, delay) => print(`* reconnecting in ${delay} ms (attempt ${attempt})`));
chat.on('kicked', (idleTimeout) => print(`* the server disconnected you after ${idleTimeout / 1000} s of silence; bye`));

const input = readline.createInterface({ input: process.stdin, terminal: false });
let leaving = false;
const leave = (): void => {
  if (leaving) return;
  leaving = true;
  void chat.leave();
};
input.on('line', (line) => {
  const text = line.trim();
  if (text === '' || leaving) return;
  if (text === '/quit') leave();
  else if (text === '/who') chat.who();
  else chat.say(text);
});
// End of input leaves the room; so does Ctrl+C.
input.on('close', leave);
process.once('SIGINT', leave).once('SIGTERM', leave);
chat.on('close', () => {
  input.close();
  process.off('SIGINT', leave).off('SIGTERM', leave);
  print('* closed');
});
