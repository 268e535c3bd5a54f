/**
 * Reconnect: a TCP server process is stopped and restarted on a schedule of varied outage
 * lengths while an @proj client and a bare reconnect-core client, side by side in this process,
 * reconnect to it. Per restart and per client: time from the server listening again to the client
 * being connected, time from the successful attempt's start to connected, and the time added
 * over the client's own schedule (connected minus the instant its backoff timer was due). The
 * limit for attempt → connected is a bare `net.connect()` on the same port.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchConfig } from './bench-config.js';
import { BenchChild } from './child-process.js';
import { epochMs } from './clock.js';
import { seededRandom } from './corpus.js';
import { projProbe, reconnectCoreProbe, type Connection, type ReconnectProbe } from './reconnect-probes.js';
import { summarize, type Summary } from './stats.js';

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
  /** ms of a bare `net.connect()` to the listening server: the limit of attempt → connected. */
  rawDial: Summary;
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

async function rawDials(port: number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = epochMs();
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    times.push(epochMs() - start);
    socket.destroy();
  }
  return times;
}

export async function reconnectBench(config: BenchConfig, log: (line: string) => void): Promise<ReconnectResult> {
  const c = config.reconnect;
  const schedule = scheduleOf(c.outagesMs, c.repeat);
  const server = await BenchChild.start('reconnect server', new URL('./reconnect-server.ts', import.meta.url));
  const probes: ReconnectProbe[] = [];
  try {
    const { port } = await server.request<{ port: number }>({ op: 'start', port: 0 });
    probes.push(projProbe(port), reconnectCoreProbe(port));
    await waitFor(() => probes.every((p) => p.connections.length === 1), 5000, 'the first connections');
    await sleep(c.settleMs);
    const samples = probes.map(() => [] as { listenAt: number; connection: Connection }[]);
    for (const [i, outage] of schedule.entries()) {
      const before = probes.map((p) => p.connections.length);
      const { stoppedAt } = await server.request<{ stoppedAt: number }>({ op: 'stop' });
      await sleep(Math.max(0, stoppedAt + outage - epochMs()));
      const { listenAt } = await server.request<{ listenAt: number }>({ op: 'start', port });
      await waitFor(() => probes.every((p, k) => p.connections.length > before[k]!), c.reconnectTimeoutMs, 'both clients to reconnect');
      probes.forEach((p, k) => samples[k]!.push({ listenAt, connection: p.connections[before[k]!]! }));
      await sleep(c.settleMs);
      if ((i + 1) % 6 === 0 || i + 1 === schedule.length) log(`reconnect: ${i + 1}/${schedule.length} restarts`);
    }
    const rawDial = summarize(await rawDials(port, 30));
    const stats = probes.map((probe, k): ReconnectStats => {
      const list = samples[k]!;
      return {
        name: probe.name,
        listenToConnected: summarize(list.map((s) => s.connection.connectedAt - s.listenAt)),
        attemptToConnected: summarize(list.map((s) => s.connection.connectedAt - s.connection.attemptAt)),
        addedOverSchedule: summarize(list.map((s) => s.connection.connectedAt - Math.max(s.connection.scheduledAt ?? s.listenAt, s.listenAt))),
        attempts: summarize(list.map((s) => s.connection.attempts)),
      };
    });
    for (const s of stats) {
      log(`reconnect ${s.name}: listen→connected p50 ${s.listenToConnected.median.toFixed(0)} ms p90 ${s.listenToConnected.p90.toFixed(0)} ms; attempt→connected p50 ${s.attemptToConnected.median.toFixed(2)} ms; added over schedule p90 ${s.addedOverSchedule.p90.toFixed(2)} ms`);
    }
    return { schedule, probes: stats, rawDial };
  } finally {
    for (const probe of probes) await probe.close();
    await server.stop();
  }
}
