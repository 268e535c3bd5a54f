/**
 * Child process: the echo server of one transport contender. Argument: the contender id, and a
 * socket path for unix contenders. Reports its endpoint, then serves until told to close or until
 * the parent goes away.
 */
import { childArgs, serveParent } from './child-ipc.js';
import { isContenderId, loadContender } from './contenders/index.js';

const [id, path] = childArgs();
if (id === undefined || !isContenderId(id)) throw new Error(`unknown contender ${String(id)}`);
const contender = await loadContender(id);
const server = await contender.startServer(path === undefined ? { port: 0 } : { path });

serveParent(async (body) => {
  const { op } = body as { op: string };
  if (op === 'endpoint') return server.endpoint;
  if (op === 'cpu') return process.cpuUsage();
  if (op === 'close') return server.close();
  throw new Error(`unknown request ${op}`);
});
