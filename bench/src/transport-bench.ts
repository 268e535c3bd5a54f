/**
 * Transport on loopback: for each contender, an echo server process and a client process
 * (separate processes, so each side has a core of its own on a 2-core machine). Each round starts
 * a fresh pair of processes for every contender, then runs a pipelined echo load and a sequential
 * round-trip load, each after a warm-up of its own kind, in blocks that alternate between the pairs
 * every 0.1–0.4 s (`measureRound`). Fresh processes per round, because a process's JIT outcome
 * (inlining, deopts) persists for its life: with one pair per run, the same code measured
 * 0.73–0.98× of raw net from run to run with IQRs that did not overlap. Blocks, because the
 * machine's speed changes by tens of percent over seconds (bare ws's own p50 ranged 37–74 µs
 * over the 7 rounds of one run): when each pair ran its whole load in turn (~5 s), a contender
 * and its reference met different speeds, and one run's RTT ratios moved by ±10 %.
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
import { roundOrder } from './interleave.js';
import { quantileSorted } from './stats.js';
import type { PipelinedResult, RttOptions, RttResult } from './transport-jobs.js';

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

/**
 * How long a transport child may take to start. The processes of a round start together (see
 * transportBench), up to ten on each CPU when pinned, in 6–8 s in all: the default of 20 s would
 * leave less margin than starting them one at a time did.
 */
const START_TIMEOUT_MS = 60_000;

/** How long a client may take to connect to its server. */
const CONNECT_TIMEOUT_MS = 20_000;

/** What to throw for starts of which at least one failed: its reason, or every reason when several failed. */
export function startFailure(results: readonly PromiseSettledResult<unknown>[], what: string): unknown {
  const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  return reasons.length === 1 ? reasons[0] : new AggregateError(reasons, `${reasons.length} ${what} failed to start: ${reasons.map(String).join('; ')}`);
}

async function startPair(id: ContenderId, cpus: ReturnType<typeof pairCpus>): Promise<Pair> {
  const socketPath = usesUnixSocket(id) ? path.join(os.tmpdir(), `proj-bench-${process.pid}-${id}.sock`) : undefined;
  // Server and client start together, as every pair of a round does (see transportBench).
  const [server, client] = await Promise.allSettled([
    BenchChild.start(`${id} server`, new URL('./transport-server.ts', import.meta.url), { args: socketPath === undefined ? [id] : [id, socketPath], cpu: cpus?.server, startTimeoutMs: START_TIMEOUT_MS }),
    BenchChild.start(`${id} client`, new URL('./transport-client.ts', import.meta.url), { args: [id], cpu: cpus?.client, startTimeoutMs: START_TIMEOUT_MS }),
  ]);
  try {
    if (server.status === 'rejected' || client.status === 'rejected') throw startFailure([server, client], `processes of ${id}`);
    const endpoint = await server.value.request<Endpoint>({ op: 'endpoint' });
    await client.value.request({ op: 'connect', endpoint }, CONNECT_TIMEOUT_MS);
    return { id, server: server.value, client: client.value, socketPath };
  } catch (error) {
    if (client.status === 'fulfilled') await client.value.stop();
    if (server.status === 'fulfilled') await server.value.stop();
    if (socketPath !== undefined) fs.rmSync(socketPath, { force: true });
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

/** What one pair's measured blocks of one round add up to: the input of {@link roundSample}. */
export interface RoundTally {
  /** Pipelined blocks: messages echoed, wall seconds, and CPU µs of client and server together. */
  pipelined: { messages: number; seconds: number; cpuMicros: number }[];
  /** Round-trip blocks: every recorded time in µs, and CPU µs of client and server together. */
  trips: { times: readonly number[]; cpuMicros: number }[];
  /** p99 of the unmeasured round trips right after the pipelined load. */
  warmupP99: number;
}

/**
 * One round's sample of a pair from its blocks: throughput over the blocks' summed time, CPU over
 * their summed messages or round trips, and the percentiles of all its round trips pooled (not a
 * median of per-block percentiles: a block's 2,000 round trips have a p99 of 20 of them).
 */
export function roundSample(tally: RoundTally): RoundSample {
  const sum = <T>(items: readonly T[], value: (item: T) => number): number => items.reduce((s, item) => s + value(item), 0);
  const messages = sum(tally.pipelined, (b) => b.messages);
  const times = tally.trips.flatMap((b) => b.times).sort((a, b) => a - b);
  if (messages === 0 || times.length === 0) throw new Error('a round needs at least one pipelined block and one round trip');
  return {
    perSecond: messages / sum(tally.pipelined, (b) => b.seconds),
    cpuPerMessage: sum(tally.pipelined, (b) => b.cpuMicros) / messages,
    p50: quantileSorted(times, 0.5),
    p99: quantileSorted(times, 0.99),
    warmupP99: tally.warmupP99,
    cpuPerTrip: sum(tally.trips, (b) => b.cpuMicros) / times.length,
  };
}

/**
 * Runs `job` once per pair in each of `blocks` blocks, each block in the next order of a Williams
 * design (`roundOrder`, numbered on from `first`), so the pairs' loads alternate every 0.1–0.4 s and
 * a slow phase of the machine falls on all of them alike.
 */
async function inBlocks(pairs: readonly Pair[], blocks: number, first: number, job: (pair: Pair) => Promise<void>): Promise<void> {
  for (let b = 0; b < blocks; b++) for (const pair of roundOrder(pairs, first + b)) await job(pair);
}

/** Runs a client job and returns it with the CPU µs (user + system) the server process spent meanwhile. */
async function withServerCpu<T>(pair: Pair, job: () => Promise<T>): Promise<[T, number]> {
  const before = await pair.server.request<NodeJS.CpuUsage>({ op: 'cpu' });
  const result = await job();
  const after = await pair.server.request<NodeJS.CpuUsage>({ op: 'cpu' });
  return [result, after.user - before.user + after.system - before.system];
}

/**
 * One round: every pair warms up and then runs its pipelined load, in blocks interleaved with the
 * other pairs' (see {@link inBlocks}); then the same for round trips. Each load follows a warm-up
 * of its own kind: the round trip's code runs once per message, where the pipelined load runs it
 * once per ~1,000, so after that load V8 still compiles it (TurboFan) during the first ~3,000
 * round trips, @proj's more than raw net's (18 against 4 compilations in the server, in one run
 * traced with `--trace-opt`), and the slow round trips of that transient were most of @proj's
 * p99 excess when the round trips followed the pipelined load with no warm-up of their own. Each
 * round-trip block follows `blockLeadIn` unrecorded round trips, run as a job of their own: after
 * the other pairs' blocks, a process finds its data gone from the CPU's caches, and its first
 * several hundred round trips run slower, the more so the larger its working set.
 */
async function measureRound(pairs: readonly Pair[], round: number, c: BenchConfig['transport']): Promise<Map<ContenderId, RoundSample>> {
  const timeout = c.jobTimeoutMs + 5000;
  const pipelined = (pair: Pair, messages: number): Promise<PipelinedResult> =>
    pair.client.request<PipelinedResult>({ op: 'pipelined', messages, window: c.window, timeoutMs: c.jobTimeoutMs }, timeout);
  const rtt = (pair: Pair, requests: number, more: RttOptions = {}): Promise<RttResult> =>
    pair.client.request<RttResult>({ op: 'rtt', requests, timeoutMs: c.jobTimeoutMs, ...more }, timeout);
  const tallies = new Map<ContenderId, RoundTally>(pairs.map((p) => [p.id, { pipelined: [], trips: [], warmupP99: 0 }]));
  const tally = (pair: Pair): RoundTally => tallies.get(pair.id)!;
  const first = round * c.blocks; // block orders continue the design from round to round

  for (const pair of pairs) await pipelined(pair, c.warmupMessages);
  await inBlocks(pairs, c.blocks, first, async (pair) => {
    const [piped, serverMicros] = await withServerCpu(pair, () => pipelined(pair, c.messages / c.blocks));
    tally(pair).pipelined.push({ messages: piped.messages, seconds: piped.seconds, cpuMicros: piped.cpuMicros + serverMicros });
  });
  for (const pair of pairs) tally(pair).warmupP99 = (await rtt(pair, c.warmupRequests)).p99;
  await inBlocks(pairs, c.blocks, first, async (pair) => {
    // The lead-in runs as a job of its own, outside the server's CPU bracket as the client's.
    if (c.blockLeadIn > 0) await rtt(pair, c.blockLeadIn);
    const [trips, serverMicros] = await withServerCpu(pair, () => rtt(pair, c.requests / c.blocks, { keepTimes: true }));
    tally(pair).trips.push({ times: trips.times!, cpuMicros: trips.cpuMicros + serverMicros });
  });
  return new Map([...tallies].map(([id, t]) => [id, roundSample(t)]));
}

/**
 * Runs the transport benchmark. `only` restricts it to some contenders (e.g. one contender and its
 * reference, to profile them with `BENCH_CPU_PROF`); a row runs when its reference is included.
 */
export async function transportBench(config: BenchConfig, log: (line: string) => void, only: readonly ContenderId[] = CONTENDER_IDS): Promise<Comparison[]> {
  const c = config.transport;
  if (!(Number.isInteger(c.blocks) && c.blocks >= 1 && c.messages % c.blocks === 0 && c.requests % c.blocks === 0 && Number.isInteger(c.blockLeadIn) && c.blockLeadIn >= 0)) {
    throw new RangeError(`transport: blocks (${c.blocks}) must be an integer ≥ 1 dividing ${c.messages} messages and ${c.requests} round trips, and blockLeadIn (${c.blockLeadIn}) an integer ≥ 0`);
  }
  const ids = CONTENDER_IDS.filter((x) => only.includes(x) && (c.context || !CONTEXT_CONTENDERS.includes(x)));
  // Decided once for the section: every pair of every round runs on the same two CPUs.
  const cpus = pairCpus();
  log(
    `transport: ${ids.length} contenders, ${c.rounds} rounds of ${c.messages} pipelined messages (window ${c.window}) and ${c.requests} round trips, ` +
      `each in ${c.blocks} blocks interleaved across fresh server/client pairs (${placementText(cpus)}) and each after a warm-up of its kind`,
  );
  const samples = new Map<string, RoundSample[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < c.rounds; round++) {
    const pairs: Pair[] = [];
    try {
      // Every process of the round starts at once (when pinned, the servers on one CPU and the
      // clients on the other). A start is mostly loading tsx and the contender's modules (tsx alone
      // takes 0.4–0.5 s, plain node 0.14 s): one after the other, the 18 processes of a quick round
      // took 11.5–13.4 s to start, against 6.4–8.1 s together. Nothing is measured until all of
      // them have started.
      const started = await Promise.allSettled(ids.map((id) => startPair(id, cpus)));
      for (const result of started) if (result.status === 'fulfilled') pairs.push(result.value);
      if (pairs.length < started.length) throw startFailure(started, 'pairs');
      // Blocks are ordered from the contenders' fixed order (`ids`), so that the design continues
      // from round to round.
      for (const [id, sample] of await measureRound(pairs, round, c)) samples.get(id)!.push(sample);
    } finally {
      // Every pair, even when stopping one of them fails.
      await Promise.allSettled(pairs.map((pair) => stopPair(pair)));
    }
    log(`transport: round ${round + 1}/${c.rounds} done`);
  }
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
