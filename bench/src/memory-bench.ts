/**
 * Memory per idle connection: one server process holds N connections opened by another process;
 * the server's RSS and heap after forced full GCs, minus the same before the N connections,
 * divided by N. @proj tcp (its registry included) against raw net; @proj ws against bare ws.
 *
 * One-time costs (JIT code, lazily loaded modules, first-use pools) would be divided by N: a
 * warm-up of connections opened and closed precedes the baseline.
 *
 * Each server runs once per round in each variant of `config.memory.variants` (all three in the full
 * run, the default heap only in the quick one). `default V8 heap` is the issue's definition. But V8's young
 * generation grows with the allocation rate of the accept burst (8 → 32 MiB reserved here) and its
 * touched pages stay resident after a full GC: that adds 2–6 KiB per connection at random (measured).
 * `young gen pinned` fixes the semi-spaces at 1 MiB, so RSS deltas are old space and native
 * memory: what the connections themselves retain. The targets are judged on the first. Each row
 * also reports the young generation's size once the connections are held, the cause of that noise,
 * and, at the default heap, how much of the RSS per connection is young-generation pages made
 * resident while the connections were opened (`physical_space_size` of `new_space`): most of that
 * noise. How many get touched follows what the server allocates while accepting, not what it keeps.
 *
 * `talked` (full run only, not a target) measures connections that each sent one NDJSON line and
 * got the server's reply before going idle: what a server's connections hold once they have been
 * used (a decoder, a send queue, counters), which connections that never spoke do not show.
 */
import type { BenchConfig } from './bench-config.js';
import { BenchChild } from './child-process.js';
import { compare, type Comparison } from './comparison.js';
import { interleave } from './interleave.js';
import { MEMORY_KINDS, type MemoryKind, type MemorySnapshot } from './memory-kinds.js';

/** What one server held per connection in one round. */
export interface PerConnection {
  rss: number;
  heap: number;
  /** The server's young generation (MiB) once the connections are held: where RSS noise comes from. */
  newSpaceMiB: number;
  /** Young-generation pages made resident while the connections were opened, as V8 counts them (KiB per connection): empty after the GC, yet part of `rss`. */
  youngResident: number;
}

const NAMES: Record<MemoryKind, string> = {
  'raw-net': 'raw net (Set of sockets)',
  'proj-tcp': '@proj tcp (serve + registry)',
  'bare-ws': 'bare ws (WebSocketServer)',
  'proj-ws': '@proj ws (serve + registry)',
};

/** How the server's V8 heap is configured, and whether each connection talks before it idles (see the file comment). */
export const HEAP_MODES = {
  default: { label: 'idle connections, default V8 heap', flags: [] as string[], talk: false },
  pinned: { label: 'idle connections, young gen pinned to 1 MiB', flags: ['--min-semi-space-size=1', '--max-semi-space-size=1'], talk: false },
  talked: { label: 'connections idle after one message each way, default V8 heap', flags: [] as string[], talk: true },
} as const;
type HeapMode = BenchConfig['memory']['variants'][number];
const WARMUP_CONNECTIONS = 200;

/** Descriptors a process holding `connections` sockets needs, with room for stdio, the listener and node's own. */
function filesFor(connections: number): number {
  return connections + 256;
}

async function measureOnce(kind: MemoryKind, mode: HeapMode, config: BenchConfig): Promise<PerConnection> {
  const n = config.memory.connections;
  const server = await BenchChild.start(`memory ${kind} server`, new URL('./memory-server.ts', import.meta.url), {
    args: [kind],
    exposeGc: true,
    nodeFlags: [...HEAP_MODES[mode].flags],
    openFiles: filesFor(n),
  });
  let client: BenchChild | undefined;
  try {
    const port = await server.request<number>({ op: 'port' });
    client = await BenchChild.start(`memory ${kind} client`, new URL('./memory-client.ts', import.meta.url), { openFiles: filesFor(n) });
    const protocol = kind.endsWith('ws') ? 'ws' : 'tcp';
    const open = (connections: number): Promise<unknown> =>
      client!.request({ op: 'open', protocol, port, connections, concurrency: config.memory.openConcurrency, talk: HEAP_MODES[mode].talk, timeoutMs: 120_000 }, 125_000);
    const held = (connections: number): Promise<unknown> => server.request({ op: 'await', connections, timeoutMs: 30_000 }, 35_000);
    await open(WARMUP_CONNECTIONS);
    await held(WARMUP_CONNECTIONS);
    await client.request({ op: 'closeAll' });
    await held(0);
    const before = await server.request<MemorySnapshot>({ op: 'snapshot' });
    await open(n);
    await held(n);
    const after = await server.request<MemorySnapshot>({ op: 'snapshot' });
    if (after.connections !== n) throw new Error(`${kind}: ${after.connections} connections held, expected ${n}`);
    return {
      rss: (after.rss - before.rss) / n / 1024,
      heap: (after.heapUsed - before.heapUsed) / n / 1024,
      newSpaceMiB: after.newSpace / 1024 / 1024,
      youngResident: (after.newSpaceResident - before.newSpaceResident) / n / 1024,
    };
  } finally {
    // The server goes first, so the client's sockets see a close rather than being reset one by one.
    await server.stop();
    await client?.stop();
  }
}

export async function memoryBench(config: BenchConfig, log: (line: string) => void): Promise<Comparison[]> {
  const modes = config.memory.variants;
  const samples = await interleave(
    modes.flatMap((mode) => MEMORY_KINDS.map((kind) => ({ id: `${kind} ${mode}`, run: () => measureOnce(kind, mode, config) }))),
    { rounds: config.memory.rounds, warmup: 0, onRound: (round) => log(`memory: round ${round}/${config.memory.rounds} done`) },
  );
  const results = memoryComparisons(samples, config.memory, log);
  for (const r of results) log(`memory ${r.case} ${r.contender} ${r.metric}: ${r.ratio.median.toFixed(2)}× (${r.value.median.toFixed(2)} vs ${r.referenceValue.median.toFixed(2)} ${r.unit})`);
  return results;
}

/**
 * The rows of the report from the rounds' samples (by `<kind> <variant>`, in round order): @proj
 * tcp against raw net, @proj ws against bare ws, and bare ws against raw net, per heap variant.
 */
export function memoryComparisons(samples: ReadonlyMap<string, readonly PerConnection[]>, memory: BenchConfig['memory'], log: (line: string) => void): Comparison[] {
  const modes = memory.variants;
  const pairs: [MemoryKind, MemoryKind, string][] = [
    ['proj-tcp', 'raw-net', 'tcp'],
    ['proj-ws', 'bare-ws', 'WebSocket'],
    ['bare-ws', 'raw-net', 'WebSocket vs tcp'],
  ];
  const results: Comparison[] = [];
  for (const mode of modes) {
    const label = `${memory.connections} ${HEAP_MODES[mode].label}`;
    for (const [kind, ref, row] of pairs) {
      const own = samples.get(`${kind} ${mode}`)!;
      const base = samples.get(`${ref} ${mode}`)!;
      const common = { section: 'memory' as const, case: `${row}, ${label}`, contender: NAMES[kind], reference: NAMES[ref], better: 'lower' as const, unit: 'KiB' };
      results.push(compare({ ...common, metric: 'RSS per connection' }, own.map((s) => s.rss), base.map((s) => s.rss)));
      // Pinned, the young generation is resident whole before and after: nothing to compare. A
      // reference that touched no new pages (or gave some back) has no ratio: the row is left out.
      if (mode !== 'pinned') {
        const pages = base.map((s) => s.youngResident);
        if (pages.every((kib) => kib > 0)) results.push(compare({ ...common, metric: 'of RSS: empty young-generation pages' }, own.map((s) => s.youngResident), pages));
        else log(`memory ${row}: young-generation pages not compared, ${NAMES[ref]} had ${pages.map((kib) => kib.toFixed(2)).join(', ')} KiB per connection`);
      }
      results.push(
        compare({ ...common, metric: 'heap per connection' }, own.map((s) => s.heap), base.map((s) => s.heap)),
        compare({ ...common, metric: 'V8 young generation held', unit: 'MiB' }, own.map((s) => s.newSpaceMiB), base.map((s) => s.newSpaceMiB)),
      );
    }
  }
  return results;
}
