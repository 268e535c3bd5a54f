/**
 * RTT in one process: the CPU path of a round trip, without the scheduler. Not part of the
 * benchmark run; the tool behind the per-message changes to @proj, like `heap-census.ts` for memory.
 *
 *   npx tsx bench/src/rtt-in-process.ts [raw-net,proj-tcp] [blocks]
 *
 * Starts each contender's echo server and client in this process, on loopback, and runs
 * sequential round trips in blocks of 1,000 that alternate between the contenders (`blocks`
 * rounds, default 30, after 5,000 warm-up round trips each). Both ends run on one core, one
 * after the other, so a round trip costs what both ends' code costs plus the syscalls: the
 * difference between two contenders is their CPU path, which is steady here to ±0.3 µs, where
 * the separate-process RTT moves by ±25 % with how the kernel places the two processes.
 * Prints the median per round trip of wall time and of CPU time (user + system) per contender.
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
  /** Where the next reply goes. */
  onReply: () => void;
}

const ids = (process.argv[2] ?? 'raw-net,proj-tcp').split(',');
const blocks = Number(process.argv[3] ?? 30);
for (const id of ids) if (!isContenderId(id)) throw new Error(`unknown contender ${id}`);

async function start(id: ContenderId): Promise<Running> {
  const contender = await loadContender(id);
  const socketPath = usesUnixSocket(id) ? path.join(os.tmpdir(), `proj-rtt-in-process-${process.pid}-${id}.sock`) : undefined;
  const server = await contender.startServer(socketPath === undefined ? { port: 0 } : { path: socketPath });
  const running: Running = { id, client: undefined as unknown as BenchClient, close: async () => {}, onReply: () => {} };
  running.client = await contender.connect(server.endpoint, () => running.onReply());
  running.close = async () => {
    await running.client.close();
    await server.close();
    if (socketPath !== undefined) fs.rmSync(socketPath, { force: true });
  };
  return running;
}

/** `n` sequential round trips; returns wall and CPU µs per round trip. */
async function block(r: Running, n: number): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const reply = new Promise<void>((resolve) => (r.onReply = resolve));
    r.client.send(tick(i));
    r.client.flush();
    await reply;
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: ((performance.now() - t0) * 1000) / n, cpu: (cpu.user + cpu.system) / n };
}

const running: Running[] = [];
for (const id of ids) running.push(await start(id as ContenderId));
try {
  for (const r of running) await block(r, 5000);
  const wall = new Map<ContenderId, number[]>(running.map((r) => [r.id, []]));
  const cpu = new Map<ContenderId, number[]>(running.map((r) => [r.id, []]));
  for (let b = 0; b < blocks; b++) {
    for (const r of b % 2 === 0 ? running : [...running].reverse()) {
      const result = await block(r, 1000);
      wall.get(r.id)!.push(result.wall);
      cpu.get(r.id)!.push(result.cpu);
    }
  }
  const median = (xs: number[]): number => quantileSorted([...xs].sort((a, b) => a - b), 0.5);
  const base = running[0]!.id;
  for (const r of running) {
    const w = median(wall.get(r.id)!);
    const ratio = w / median(wall.get(base)!);
    console.log(`${r.id.padEnd(11)} wall ${w.toFixed(2)} µs, CPU ${median(cpu.get(r.id)!).toFixed(2)} µs per round trip (${ratio.toFixed(3)}× ${base})`);
  }
} finally {
  for (const r of running) await r.close();
}
