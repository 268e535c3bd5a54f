/**
 * The dashboard CLI: a demo server on tcp, unix and ws whose page shows its registry live.
 *
 *   npm run start -w @proj/dashboard -- [--port 8080] [--tcp-port 8081] [--path /tmp/proj-dashboard.sock]
 *                                       [--no-clients] [--restart-every 20]
 *
 * Open the printed URL. Ctrl+C closes everything and the process exits by itself.
 */
import { parseArgs } from 'node:util';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';
import { startDashboard, type Dashboard, type DashboardOptions } from './dashboard-server.js';
import { startDemoClients, type DemoClients } from './demo-clients.js';

const USAGE = `Usage: npm run start -w @proj/dashboard -- [options]

  --port <n>            the page and the ws endpoint /ws (default 8080)
  --tcp-port <n>        the same service over TCP (default 8081)
  --path <p>            the same service over a unix socket (default <tmpdir>/proj-dashboard.sock)
  --no-clients          do not start the demo clients (one per transport)
  --restart-every <s>   stop and restart the server every <s> seconds, to watch everyone reconnect`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    'tcp-port': { type: 'string', default: '8081' },
    path: { type: 'string' },
    'no-clients': { type: 'boolean' },
    'restart-every': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  },
});
const port = Number(values.port);
const tcpPort = Number(values['tcp-port']);
const restartEvery = Number(values['restart-every']);
if (values.help === true || ![port, tcpPort, restartEvery].every((n) => Number.isInteger(n) && n >= 0)) {
  (values.help === true ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exit(values.help === true ? 0 : 2);
}

// Output piped into a reader that went away (`| head`): print nothing more rather than crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
const options: DashboardOptions = { port, tcpPort, ...(values.path === undefined ? {} : { socketPath: values.path }) };
const say = (line: string): void => void process.stdout.write(`${new Date().toTimeString().slice(0, 8)} ${line}\n`);
let dashboard: Dashboard = await startDashboard(options);
say(`dashboard: ${dashboard.url}`);
say(`the same service on ${dashboard.servers.map((s) => s.address).join(', ')}`);

let clients: DemoClients | undefined;
if (values['no-clients'] !== true) {
  clients = startDemoClients({ tcp: tcp({ port: dashboard.tcpPort }), unix: unix({ path: dashboard.socketPath }), ws: ws({ url: dashboard.wsUrl }) });
  say('demo clients started on tcp, unix and ws');
}

let restarting = false;
const restarts = restartEvery > 0 ? setInterval(() => void restart(), restartEvery * 1000) : undefined;
async function restart(): Promise<void> {
  if (restarting) return;
  restarting = true;
  say('restarting the server: everyone disconnects, then reconnects by themselves');
  await dashboard.close();
  dashboard = await startDashboard({ ...options, port: dashboard.port, tcpPort: dashboard.tcpPort });
  say('server back');
  restarting = false;
}

const stop = (): void => {
  process.off('SIGINT', stop).off('SIGTERM', stop);
  clearInterval(restarts);
  say('closing');
  void Promise.all([clients?.close(), dashboard.close()]).then(() => say('closed'));
};
process.on('SIGINT', stop).on('SIGTERM', stop);
