/**
 * Child process: the client of one transport contender. Argument: the contender id. Connects
 * when asked, then runs the jobs the parent sends, one at a time, and answers with their results.
 */
import { childArgs, serveParent } from './child-ipc.js';
import type { BenchClient, Endpoint } from './contenders/contender.js';
import { isContenderId, loadContender } from './contenders/index.js';
import { JobDriver, type RttOptions } from './transport-jobs.js';

const [id] = childArgs();
if (id === undefined || !isContenderId(id)) throw new Error(`unknown contender ${String(id)}`);
const contender = await loadContender(id);
const driver = new JobDriver();
let client: BenchClient | undefined;

type Request =
  | { op: 'connect'; endpoint: Endpoint }
  | { op: 'pipelined'; messages: number; window: number; timeoutMs: number }
  | ({ op: 'rtt'; requests: number; timeoutMs: number } & RttOptions)
  | { op: 'close' };

serveParent(async (body) => {
  const request = body as Request;
  switch (request.op) {
    case 'connect':
      client = await contender.connect(request.endpoint, driver.onReply);
      driver.attach(client);
      return null;
    case 'pipelined':
      return driver.pipelined(request.messages, request.window, request.timeoutMs);
    case 'rtt':
      return driver.rtt(request.requests, request.timeoutMs, { keepTimes: request.keepTimes });
    case 'close':
      await client?.close();
      return null;
  }
});
