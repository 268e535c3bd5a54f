/**
 * Reconnect: a TCP server process is stopped and restarted on a schedule of varied outage
 * lengths while an @proj client, or a bare reconnect-core client, reconnects to it from this
 * process. The clients take turns: the schedule runs in blocks, each block once per client with
 * that client alone, in an order that alternates from block to block (side by side, one client's
 * timer could fall while the other was connecting: see methodology.ts). Per restart and per
 * client: time from the server listening again to the client being connected, time from the
 * successful attempt's start to connected, and the time added over the client's own schedule
 * (connected minus the instant its backoff timer was due). Bare `net.connect()`s on the same
 * port give the hot limit of attempt → connected (back to back) and, made after a timer of a
 * backoff-like delay, the floor of both attempt → connected and added over schedule.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchConfig } from './bench-config.js';
import { BenchChild } from './child-process.js';
import { epochMs } from './clock.js';
import { seededRandom } from './corpus.js';
import { projProbe, reconnectCoreProbe, type Connection, type ReconnectProbe } from './reconnect-probes.js';
import { summarize, type Summary } from './stats.js';

/** Restarts per block: each client runs a block alone, then the other one runs it. */
export const RECONNECT_BLOCK = 6;
/** The outage of each client's one unsampled restart, before its first block. */
const WARMUP_OUTAGE_MS = 100;

export interface ReconnectStats {
  name: string;
  /** ms from the server listening again to this client being connected. */
  listenToConnected: Summary;
  /** ms from the successful attempt's start to connected. */
  attemptToConnected: Summary;
  /** ms from the instant the successful attempt was due (its backoff timer, or the listen if later) to connected. */
  addedOverSchedule: Summary;
  /** Attempts per restart. */
  attempts: Summary;
}

export interface ReconnectResult {
  /** Outage lengths in ms, in the order they ran. */
  schedule: number[];
  probes: ReconnectStats[];
  /** ms of a bare `net.connect()` to the listening server, back to back: the hot limit of attempt → connected. */
  rawDial: Summary;
  /**
   * ms from the instant a bare `setTimeout` of a backoff-like delay was due to a `net.connect()`
   * made when it fired being connected: the floor of "added over schedule" on this machine.
   */
  timedDial: Summary;
  /**
   * ms from the instant the timers of {@link ReconnectResult.timedDial} fired to connected: a
   * `net.connect()` from a process that has idled for the delay, as a reconnect after a backoff
   * wait is. The floor of attempt → connected on this machine, where
   * {@link ReconnectResult.rawDial} is the hot limit.
   */
  idleDial: Summary;
}

/** Polls `ready` every few ms until it holds; throws after `timeoutMs`. */
async function waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** The outages, each `repeat` times, in a seeded random order. */
function scheduleOf(outages: readonly number[], repeat: number): number[] {
  const list = Array.from({ length: repeat }, () => outages).flat();
  const random = seededRandom(5);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** ms a bare dial of the floor rows may take before the run fails (a lost SYN would hang it). */
const DIAL_TIMEOUT_MS = 5000;

/** The instants of one bare dial (ms, shared clock). */
export interface BareDial {
  /** When it was due: the start of the dial, or the end of the delay. */
  dueAt: number;
  /**
   * When the dial started: once the delay's timer fired, usually later than `dueAt` by its
   * lateness, now and then a fraction of a ms earlier (libuv's timer clock counts whole ms).
   */
  dialAt: number;
  connectedAt: number;
}

/**
 * The floor rows from the bare dials: `hot` made back to back, `timed` each after a delay.
 * `rawDial` and `timedDial` run from the due instant, `idleDial` from the start of the dial.
 */
export function floorSummaries(hot: readonly BareDial[], timed: readonly BareDial[]): Pick<ReconnectResult, 'rawDial' | 'timedDial' | 'idleDial'> {
  return {
    rawDial: summarize(hot.map((d) => d.connectedAt - d.dueAt)),
    timedDial: summarize(timed.map((d) => d.connectedAt - d.dueAt)),
    idleDial: summarize(timed.map((d) => d.connectedAt - d.dialAt)),
  };
}

/**
 * Dials `port` once, after `delay` ms if given. The guard against a hung dial is armed before
 * the delay, so that no timer is made between the instants measured.
 */
async function bareDial(port: number, delay?: number): Promise<BareDial> {
  let socket: net.Socket | undefined;
  let timedOut = false;
  const guard = setTimeout(() => {
    timedOut = true;
    socket?.destroy(new Error(`bare dial did not connect within ${DIAL_TIMEOUT_MS} ms`));
  }, (delay ?? 0) + DIAL_TIMEOUT_MS);
  try {
    const dueAt = epochMs() + (delay ?? 0);
    if (delay !== undefined) await sleep(delay);
    if (timedOut) throw new Error('bare dial timed out before it started');
    const dialAt = epochMs();
    const dialled = net.connect({ host: '127.0.0.1', port });
    socket = dialled;
    await new Promise<void>((resolve, reject) => dialled.once('connect', resolve).once('error', reject));
    return { dueAt, dialAt, connectedAt: epochMs() };
  } finally {
    clearTimeout(guard);
    socket?.destroy();
  }
}

/**
 * Delays of the floor's dials (ms): whole, as both clients' are (@proj's policy rounds its
 * jittered delays, reconnect-core's fibonacci counts in whole ms). Node truncates a fractional
 * delay, so a timer of 53.7 ms fires ~0.7 ms before it is due and would understate the floor
 * (p50 0.78 vs 1.07 ms, p90 1.17 vs 1.46 ms over 30 dials each).
 */
const TIMED_DIAL_DELAYS = [54, 101, 149, 247, 503];

/**
 * `count` bare dials, one after the other: the instants of each. Without `delays`, back to back
 * (the hot limit of attempt → connected). With them, each after the next
 * delay in turn: a bare client's reconnect, with nothing of either library, a timer of a
 * backoff-like delay and then `net.connect()` when it fires. That includes the timer firing late
 * (libuv's timers have a 1 ms resolution) and a connect from an idle process, both of which
 * every client's "added over schedule" pays.
 */
async function bareDials(port: number, count: number, delays?: readonly number[]): Promise<BareDial[]> {
  const dials: BareDial[] = [];
  for (let i = 0; i < count; i++) dials.push(await bareDial(port, delays?.[i % delays.length]));
  return dials;
}

export async function reconnectBench(config: BenchConfig, log: (line: string) => void): Promise<ReconnectResult> {
  const c = config.reconnect;
  const schedule = scheduleOf(c.outagesMs, c.repeat);
  const server = await BenchChild.start('reconnect server', new URL('./reconnect-server.ts', import.meta.url));
  const makers = [projProbe, reconnectCoreProbe];
  const names: string[] = [];
  const samples = makers.map(() => [] as { listenAt: number; connection: Connection }[]);
  const timedSamples: BareDial[] = [];
  try {
    const { port } = await server.request<{ port: number }>({ op: 'start', port: 0 });
    for (let start = 0, block = 0; start < schedule.length; start += RECONNECT_BLOCK, block++) {
      const outages = schedule.slice(start, start + RECONNECT_BLOCK);
      const order = block % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        const probe = makers[k]!(port);
        names[k] = probe.name;
        try {
          await waitFor(() => probe.connections.length === 1, 5000, `${probe.name}: the first connection`);
          await sleep(c.settleMs);
          // A client's first reconnect in this process compiles its code paths: not a sample.
          if (block === 0) await restart(server, port, probe, WARMUP_OUTAGE_MS, c);
          for (const outage of outages) samples[k]!.push(await restart(server, port, probe, outage, c));
        } finally {
          await probe.close();
        }
      }
      // The floor between the blocks, as many dials as the block had restarts: it sees the same
      // process, at the same point of the run, as the clients do.
      if (block === 0) await bareDials(port, 1, TIMED_DIAL_DELAYS); // compiles its path: not a sample
      timedSamples.push(...(await bareDials(port, outages.length, TIMED_DIAL_DELAYS)));
      log(`reconnect: ${Math.min(start + RECONNECT_BLOCK, schedule.length)}/${schedule.length} restarts, each client alone`);
    }
    const floors = floorSummaries(await bareDials(port, 30), timedSamples);
    const stats = samples.map((list, k): ReconnectStats => ({
      name: names[k]!,
      listenToConnected: summarize(list.map((s) => s.connection.connectedAt - s.listenAt)),
      attemptToConnected: summarize(list.map((s) => s.connection.connectedAt - s.connection.attemptAt)),
      addedOverSchedule: summarize(list.map((s) => s.connection.connectedAt - Math.max(s.connection.scheduledAt ?? s.listenAt, s.listenAt))),
      attempts: summarize(list.map((s) => s.connection.attempts)),
    }));
    for (const s of stats) {
      log(`reconnect ${s.name}: listen→connected p50 ${s.listenToConnected.median.toFixed(0)} ms p90 ${s.listenToConnected.p90.toFixed(0)} ms; attempt→connected p50 ${s.attemptToConnected.median.toFixed(2)} ms; added over schedule p90 ${s.addedOverSchedule.p90.toFixed(2)} ms`);
    }
    return { schedule, probes: stats, ...floors };
  } finally {
    await server.stop();
  }
}

/** One outage: stops the server, waits `outage` ms, listens again and waits for `probe` to reconnect. */
async function restart(server: BenchChild, port: number, probe: ReconnectProbe, outage: number, c: BenchConfig['reconnect']): Promise<{ listenAt: number; connection: Connection }> {
  const before = probe.connections.length;
  const { stoppedAt } = await server.request<{ stoppedAt: number }>({ op: 'stop' });
  await sleep(Math.max(0, stoppedAt + outage - epochMs()));
  const { listenAt } = await server.request<{ listenAt: number }>({ op: 'start', port });
  await waitFor(() => probe.connections.length > before, c.reconnectTimeoutMs, `${probe.name} to reconnect`);
  const connection = probe.connections[before]!;
  await sleep(c.settleMs);
  return { listenAt, connection };
}

/**
 * Runs {@link reconnectBench} in a fresh child process, as every other section that times a
 * connection does. Run in the main process after the decode and encode sections, @proj's added
 * p90 was 2.69 ms (attempt → connected p90 2.48 ms); in a fresh process after the same sections,
 * 1.80 ms (1.31 ms). reconnect-core moved less: 1.60 against 1.38 ms.
 */
export async function reconnectBenchInChild(config: BenchConfig, log: (line: string) => void): Promise<ReconnectResult> {
  const c = config.reconnect;
  const outageMs = c.outagesMs.reduce((sum, ms) => sum + ms, 0) * c.repeat;
  const restarts = c.outagesMs.length * c.repeat + 2;
  // Both clients run the whole schedule; a stuck one fails at its own reconnectTimeoutMs first.
  const timeoutMs = 2 * (outageMs + restarts * (c.settleMs + 2000)) + 60_000;
  log('reconnect: clients in a fresh process');
  const child = await BenchChild.start('reconnect clients', new URL('./reconnect-child.ts', import.meta.url));
  try {
    return await child.request<ReconnectResult>({ config }, timeoutMs);
  } finally {
    await child.stop();
  }
}
