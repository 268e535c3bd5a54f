/**
 * RTT in one process: the CPU path of a round trip, without the scheduler. Not part of the
 * benchmark run; the tool behind the per-message changes to @proj, like `heap-census.ts` for memory.
 *
 *   npx tsx bench/src/rtt-in-process.ts [raw-net,proj-tcp] [blocks] [--pipelined]
 *
 * Starts each contender's echo server and client in this process, on loopback, and runs
 * sequential round trips in blocks of 1,000 that alternate between the contenders (`blocks`
 * rounds, default 30, after 5,000 warm-up round trips each). Both ends run on one core, one
 * after the other, so a round trip costs what both ends' code costs plus the syscalls: the
 * difference between two contenders is their CPU path. That is steadier than the separate-process
 * RTT, which moves by ±25 % with how the kernel places the two processes, but not steady: ±0.3 µs
 * between runs on quiet days, 0.97–1.08× for proj-ws over bare ws in six runs on a noisy one.
 * Compare medians of several runs.
 * Prints the median per round trip of wall time and of CPU time (user + system) per contender,
 * and each as a ratio to the first contender's.
 * With `--pipelined`, each block keeps 200 messages in flight until 10,000 replies came back:
 * the per-message cost of a loaded connection, in µs per message.
 */
import { loadContender, isContenderId, usesUnixSocket, type ContenderId } from './contenders/index.js';
import type { BenchClient } from './contenders/contender.js';
import { tick } from './corpus.js';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { quantileSorted } from './stats.js';

interface Running {
  id: ContenderId;
  client: BenchClient;
  close: () => Promise<void>;
  // The running block, read by the reply handler: fields, not a closure made per block, which V8
  // would compile anew at the start of each block (see `transport-jobs.ts`).
  /** Messages of the block: sent, replies received, in all. */
  sent: number;
  received: number;
  n: number;
  /** Ends the block. */
  done: () => void;
}

const args = process.argv.slice(2).filter((a) => a !== '--pipelined');
const pipelined = process.argv.includes('--pipelined');
const ids = (args[0] ?? 'raw-net,proj-tcp').split(',');
const blocks = Number(args[1] ?? 30);
for (const id of ids) if (!isContenderId(id)) throw new Error(`unknown contender ${id}`);

async function start(id: ContenderId): Promise<Running> {
  const contender = await loadContender(id);
  const socketPath = usesUnixSocket(id) ? path.join(os.tmpdir(), `proj-rtt-in-process-${process.pid}-${id}.sock`) : undefined;
  const server = await contender.startServer(socketPath === undefined ? { port: 0 } : { path: socketPath });
  const running: Running = { id, client: undefined as unknown as BenchClient, close: async () => {}, sent: 0, received: 0, n: 0, done: () => {} };
  running.client = await contender.connect(server.endpoint, pipelined ? () => onPipelinedReply(running) : () => onSequentialReply(running));
  running.close = async () => {
    await running.client.close();
    await server.close();
    if (socketPath !== undefined) fs.rmSync(socketPath, { force: true });
  };
  return running;
}

function onPipelinedReply(r: Running): void {
  if (++r.received === r.n) r.done();
  else if (r.sent < r.n) r.client.send(tick(r.sent++));
}

// The next request leaves from the reply's handler, as in the separate-process run
// (`transport-jobs.ts`), so @proj's client takes the same path: its sends are written at the end of
// the reply's chunk or frame. Sent after an `await`, they came from outside any chunk and went
// through the tick (a `nextTick` per round trip), a path the benchmark does not measure.
function onSequentialReply(r: Running): void {
  if (r.sent === r.n) r.done();
  else r.client.send(tick(r.sent++));
}

/** `n` sequential round trips (or `n` messages, 200 in flight); returns wall and CPU µs per round trip (or message). */
async function block(r: Running, n: number): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    r.sent = 0;
    r.received = 0;
    r.n = n;
    r.done = resolve;
    const inFlight = pipelined ? Math.min(200, n) : 1;
    while (r.sent < inFlight) r.client.send(tick(r.sent++));
    r.client.flush();
  });
  const cpu = process.cpuUsage(cpu0);
  return { wall: ((performance.now() - t0) * 1000) / n, cpu: (cpu.user + cpu.system) / n };
}

const running: Running[] = [];
for (const id of ids) running.push(await start(id as ContenderId));
try {
  const size = pipelined ? 10_000 : 1000;
  for (const r of running) await block(r, 5 * size);
  const wall = new Map<ContenderId, number[]>(running.map((r) => [r.id, []]));
  const cpu = new Map<ContenderId, number[]>(running.map((r) => [r.id, []]));
  for (let b = 0; b < blocks; b++) {
    for (const r of b % 2 === 0 ? running : [...running].reverse()) {
      const result = await block(r, size);
      wall.get(r.id)!.push(result.wall);
      cpu.get(r.id)!.push(result.cpu);
    }
  }
  const median = (xs: number[]): number => quantileSorted([...xs].sort((a, b) => a - b), 0.5);
  const base = running[0]!.id;
  for (const r of running) {
    const w = median(wall.get(r.id)!);
    const c = median(cpu.get(r.id)!);
    const ratios = `wall ${(w / median(wall.get(base)!)).toFixed(3)}×, CPU ${(c / median(cpu.get(base)!)).toFixed(3)}× ${base}`;
    console.log(`${r.id.padEnd(11)} wall ${w.toFixed(2)} µs, CPU ${c.toFixed(2)} µs per ${pipelined ? 'message' : 'round trip'} (${ratios})`);
  }
} finally {
  for (const r of running) await r.close();
}
