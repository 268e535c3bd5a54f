/**
 * Transport on loopback: for each contender, an echo server process and a client process
 * (separate processes, so each side has a core of its own on a 2-core machine). Each round runs,
 * per contender in the round's order (`roundOrder`), a fresh pair of processes: a pipelined echo
 * load, then a sequential round-trip load, each after a warm-up of its own kind. Fresh processes per round,
 * because a process's JIT outcome (inlining, deopts) persists for its life: with one pair per run,
 * the same code measured 0.73–0.98× of raw net from run to run with IQRs that did not overlap.
 * References (1.00): raw net for the tcp rows, raw unix for the unix row, bare ws for the WebSocket
 * row, which also carries its floor (`contenders/raw-ws.ts`: the same framing as @proj ws, by hand).
 * Full runs add raw net writing in parts as @proj does (`contenders/raw-stream.ts`), as a contender
 * of the tcp row and as the reference of a row of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchConfig } from './bench-config.js';
import { allowedCpus, BenchChild, canPinTo } from './child-process.js';
import { compare, type Comparison } from './comparison.js';
import type { Endpoint } from './contenders/contender.js';
import { CONTENDER_IDS, CONTENDER_NAMES, CONTEXT_CONTENDERS, usesUnixSocket, type ContenderId } from './contenders/index.js';
import { interleave } from './interleave.js';
import type { PipelinedResult, RttResult } from './transport-jobs.js';

interface Pair {
  id: ContenderId;
  server: BenchChild;
  client: BenchChild;
  socketPath: string | undefined;
}

/** What one round measured of one contender. */
export interface RoundSample {
  perSecond: number;
  /** CPU µs per pipelined message, client and server process together: steadier than wall time on a busy machine. */
  cpuPerMessage: number;
  p50: number;
  p99: number;
  /** p99 of the unmeasured round trips right after the pipelined load: the JIT warm-up they absorb, reported, not hidden. */
  warmupP99: number;
  /** CPU µs per round trip, client and server process together (wake-up syscalls included, time spent waiting to run excluded). */
  cpuPerTrip: number;
}

/** Which contenders each row compares, against which reference. */
const ROWS: { case: string; reference: ContenderId; contenders: ContenderId[] }[] = [
  { case: 'tcp loopback', reference: 'raw-net', contenders: ['proj-tcp', 'proj-ws', 'bare-ws', 'socket-io', 'ndjson-net', 'raw-net-parts'] },
  // Not a target: @proj against raw net writing when it does, which tells what its per-message work costs.
  { case: 'tcp, against raw net writing in parts', reference: 'raw-net-parts', contenders: ['proj-tcp'] },
  { case: 'unix socket', reference: 'raw-unix', contenders: ['proj-unix'] },
  { case: 'WebSocket', reference: 'bare-ws', contenders: ['proj-ws', 'socket-io', 'raw-ws'] },
];

/**
 * Where the two processes of every pair run: the server on the first CPU this process may use and
 * the client on the second, the same for every contender; undefined (the kernel places them)
 * with fewer than two such CPUs or where they cannot be pinned. Left to the kernel, a pair shared
 * a CPU in some rounds and not in others: one source of noise in the RTT rows (see `methodology.ts`).
 */
export function pairCpus(): { server: number; client: number } | undefined {
  const [server, client] = allowedCpus();
  return server !== undefined && client !== undefined && canPinTo(server) && canPinTo(client) ? { server, client } : undefined;
}

/** {@link pairCpus} in words, for the log and the report, with the CPUs' hardware-thread siblings. */
export function placementText(cpus = pairCpus()): string {
  if (cpus === undefined) return 'each pair placed by the kernel (fewer than two CPUs to pin to, or no taskset)';
  const siblings = (cpu: number): string => {
    try {
      return fs.readFileSync(`/sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`, 'utf8').trim();
    } catch {
      return 'unknown';
    }
  };
  return `every server on CPU ${cpus.server} and every client on CPU ${cpus.client} (taskset; hardware-thread siblings of ${cpus.server}: ${siblings(cpus.server)}, of ${cpus.client}: ${siblings(cpus.client)})`;
}

async function startPair(id: ContenderId, cpus: ReturnType<typeof pairCpus>): Promise<Pair> {
  const socketPath = usesUnixSocket(id) ? path.join(os.tmpdir(), `proj-bench-${process.pid}-${id}.sock`) : undefined;
  const server = await BenchChild.start(`${id} server`, new URL('./transport-server.ts', import.meta.url), { args: socketPath === undefined ? [id] : [id, socketPath], cpu: cpus?.server });
  try {
    const client = await BenchChild.start(`${id} client`, new URL('./transport-client.ts', import.meta.url), { args: [id], cpu: cpus?.client });
    const endpoint = await server.request<Endpoint>({ op: 'endpoint' });
    await client.request({ op: 'connect', endpoint }, 20_000);
    return { id, server, client, socketPath };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function stopPair(pair: Pair): Promise<void> {
  await pair.client.request({ op: 'close' }, 5000).catch(() => {}); // best effort: the process is stopped next anyway
  await pair.client.stop();
  await pair.server.request({ op: 'close' }, 5000).catch(() => {});
  await pair.server.stop();
  if (pair.socketPath !== undefined) fs.rmSync(pair.socketPath, { force: true });
}

/**
 * One round of a pair: each load right after a warm-up of its own kind. The round trip's code runs
 * once per message, where the pipelined load runs it once per ~1,000: after that load, V8 still
 * compiles it (TurboFan) during the first ~3,000 round trips, @proj's more than raw net's (18
 * against 4 compilations in the server, in one run traced with `--trace-opt`), and the slow round
 * trips of that transient were most of @proj's p99 excess when the round trips followed the
 * pipelined load with no warm-up of their own.
 */
async function measure(pair: Pair, c: BenchConfig['transport']): Promise<RoundSample> {
  const pipelined = (messages: number): Promise<PipelinedResult> =>
    pair.client.request<PipelinedResult>({ op: 'pipelined', messages, window: c.window, timeoutMs: c.jobTimeoutMs }, c.jobTimeoutMs + 5000);
  const rtt = (requests: number): Promise<RttResult> => pair.client.request<RttResult>({ op: 'rtt', requests, timeoutMs: c.jobTimeoutMs }, c.jobTimeoutMs + 5000);
  /** Runs a client job and returns it with the CPU µs (user + system) the server process spent meanwhile. */
  const withServerCpu = async <T>(job: () => Promise<T>): Promise<[T, number]> => {
    const before = await pair.server.request<NodeJS.CpuUsage>({ op: 'cpu' });
    const result = await job();
    const after = await pair.server.request<NodeJS.CpuUsage>({ op: 'cpu' });
    return [result, after.user - before.user + after.system - before.system];
  };
  await pipelined(c.warmupMessages);
  const [piped, serverMicros] = await withServerCpu(() => pipelined(c.messages));
  const warmup = await rtt(c.warmupRequests);
  const [trips, serverTripMicros] = await withServerCpu(() => rtt(c.requests));
  return {
    perSecond: piped.perSecond,
    cpuPerMessage: (piped.cpuMicros + serverMicros) / c.messages,
    p50: trips.p50,
    p99: trips.p99,
    warmupP99: warmup.p99,
    cpuPerTrip: (trips.cpuMicros + serverTripMicros) / c.requests,
  };
}

/**
 * Runs the transport benchmark. `only` restricts it to some contenders (e.g. one contender and its
 * reference, to profile them with `BENCH_CPU_PROF`); a row runs when its reference is included.
 */
export async function transportBench(config: BenchConfig, log: (line: string) => void, only: readonly ContenderId[] = CONTENDER_IDS): Promise<Comparison[]> {
  const c = config.transport;
  const ids = CONTENDER_IDS.filter((x) => only.includes(x) && (c.context || !CONTEXT_CONTENDERS.includes(x)));
  // Decided once for the section: every pair of every round runs on the same two CPUs.
  const cpus = pairCpus();
  log(`transport: ${ids.length} contenders, ${c.rounds} rounds of ${c.messages} pipelined messages (window ${c.window}) and ${c.requests} round trips, each on a fresh server/client pair (${placementText(cpus)}) and each after a warm-up of its kind`);
  const samples = await interleave(
    ids.map((id) => ({
      id,
      run: async () => {
        const pair = await startPair(id, cpus);
        try {
          return await measure(pair, c);
        } finally {
          await stopPair(pair);
        }
      },
    })),
    { rounds: c.rounds, warmup: 0, onRound: (round) => log(`transport: round ${round}/${c.rounds} done`) },
  );
  const results = transportComparisons(samples, c.warmupRequests);
  for (const r of results) log(`transport ${r.case} ${r.contender} ${r.metric}: ${r.ratio.median.toFixed(2)}× (${r.value.median.toPrecision(3)} vs ${r.referenceValue.median.toPrecision(3)} ${r.unit})`);
  return results;
}

/**
 * The rows of the report from the rounds' samples (by contender id, in round order): each
 * contender of a row against the row's reference, for every metric. A row whose reference did not
 * run is left out, and so is a contender that did not.
 */
export function transportComparisons(samples: ReadonlyMap<string, readonly RoundSample[]>, warmupRequests: number): Comparison[] {
  const results: Comparison[] = [];
  for (const row of ROWS) {
    const ref = samples.get(row.reference);
    if (ref === undefined) continue;
    for (const id of row.contenders) {
      const own = samples.get(id);
      if (own === undefined) continue;
      const label = { section: 'transport' as const, case: row.case, contender: CONTENDER_NAMES[id], reference: CONTENDER_NAMES[row.reference] };
      results.push(
        compare({ ...label, metric: 'pipelined throughput', better: 'higher', unit: 'msg/s' }, own.map((s) => s.perSecond), ref.map((s) => s.perSecond)),
        compare({ ...label, metric: 'pipelined CPU per message', better: 'lower', unit: 'µs' }, own.map((s) => s.cpuPerMessage), ref.map((s) => s.cpuPerMessage)),
        compare({ ...label, metric: 'RTT p50', better: 'lower', unit: 'µs' }, own.map((s) => s.p50), ref.map((s) => s.p50)),
        compare({ ...label, metric: 'RTT p99', better: 'lower', unit: 'µs' }, own.map((s) => s.p99), ref.map((s) => s.p99)),
        compare({ ...label, metric: 'RTT CPU per round trip', better: 'lower', unit: 'µs' }, own.map((s) => s.cpuPerTrip), ref.map((s) => s.cpuPerTrip)),
        compare({ ...label, metric: `RTT p99, first ${warmupRequests.toLocaleString('en-US')} after the pipelined load (warm-up)`, better: 'lower', unit: 'µs' }, own.map((s) => s.warmupP99), ref.map((s) => s.warmupP99)),
      );
    }
  }
  return results;
}
