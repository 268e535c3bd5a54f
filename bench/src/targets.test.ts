import { describe, expect, it } from 'vitest';
import { FULL, type BenchConfig } from './bench-config.js';
import type { Comparison } from './comparison.js';
import { CONTENDER_IDS } from './contenders/index.js';
import { decodeBench } from './decode-bench.js';
import { encodeBench } from './encode-bench.js';
import { memoryComparisons, type PerConnection } from './memory-bench.js';
import { MEMORY_KINDS } from './memory-kinds.js';
import type { ReconnectResult, ReconnectStats } from './reconnect-bench.js';
import { PROJ_PROBE, RECONNECT_CORE_PROBE } from './reconnect-probes.js';
import { summarize } from './stats.js';
import { boundedText, evaluateTargets, type TargetResult } from './targets.js';
import { transportComparisons, type RoundSample } from './transport-bench.js';

const quiet = (): void => {};

/** The framing sections as they run, on a corpus small enough for a unit test: their real labels. */
const TINY: BenchConfig = { ...FULL, framing: { corpusBytes: 16 * 1024, rounds: 1, warmup: 0, chunkSizes: [64 * 1024, 1024] } };
/** The memory variants with the judged one last: a check must tell it by its label, not by coming first. */
const MEMORY: BenchConfig = { ...FULL, memory: { ...FULL.memory, variants: ['talked', 'pinned', 'default'] } };

/** A round sample whose every metric is `value`, except those given. */
function round(value: number, overrides: Partial<RoundSample> = {}): RoundSample {
  return { perSecond: value, cpuPerMessage: value, p50: value, p99: value, warmupP99: value, cpuPerTrip: value, ...overrides };
}

/**
 * Transport samples for every contender (two rounds each), made so that each ratio a target reads
 * is distinct from the ratios of the rows around it: a check that picked a neighbour (another row's
 * reference, another metric, another contender) would read another number.
 */
function transportSamples(overrides: Partial<Record<(typeof CONTENDER_IDS)[number], RoundSample>> = {}): Map<string, RoundSample[]> {
  const base: Record<(typeof CONTENDER_IDS)[number], RoundSample> = {
    'raw-net': round(100),
    'proj-tcp': round(100, { perSecond: 95, p50: 108, p99: 109 }),
    // In the tcp row too, against raw net (5.00×, 2.06×, 2.08×), which no ws check may read.
    'proj-ws': round(300, { perSecond: 500, p50: 206, p99: 208 }),
    'bare-ws': round(200, { perSecond: 125 }),
    'socket-io': round(400),
    'ndjson-net': round(500),
    'raw-unix': round(50),
    'proj-unix': round(50, { perSecond: 46, p50: 52, p99: 54 }),
    'raw-ws': round(200, { perSecond: 300 }),
    // Its round trips as the tcp row's A/A control: 1.02× and 1.07×, not @proj's 1.08× and 1.09×.
    'raw-net-parts': round(90, { p50: 102, p99: 107 }),
  };
  const all = { ...base, ...overrides };
  return new Map(CONTENDER_IDS.map((id) => [id, [all[id], all[id]]]));
}

/** Memory samples for every kind in every variant: only the default heap's RSS decides the target. */
function memorySamples(rss: { projTcp: number; rawNet: number; projWs: number; bareWs: number }): Map<string, PerConnection[]> {
  const samples = new Map<string, PerConnection[]>();
  for (const variant of MEMORY.memory.variants) {
    for (const kind of MEMORY_KINDS) {
      // @proj reads 10× more in the other variants: a check reading one of them would be far off.
      const scale = variant !== 'default' && kind.startsWith('proj') ? 10 : 1;
      const own = { 'proj-tcp': rss.projTcp, 'raw-net': rss.rawNet, 'proj-ws': rss.projWs, 'bare-ws': rss.bareWs }[kind] * scale;
      samples.set(`${kind} ${variant}`, [{ rss: own, heap: own * 2, newSpaceMiB: 32, youngResident: own / 2 }]);
    }
  }
  return samples;
}

function stats(name: string, addedP90: number, listenP90: number): ReconnectStats {
  const added = summarize([addedP90]);
  const listen = summarize([listenP90]);
  return { name, listenToConnected: listen, attemptToConnected: summarize([1]), addedOverSchedule: added, attempts: summarize([1]) };
}

function reconnectResult(projAdded: number, projListen: number, coreListen: number): ReconnectResult {
  return {
    schedule: [50, 100],
    probes: [stats(PROJ_PROBE, projAdded, projListen), stats(RECONNECT_CORE_PROBE, 1.5, coreListen)],
    rawDial: summarize([0.5]),
    timedDial: summarize([1.8]),
    idleDial: summarize([0.7]),
  };
}

let framing: Comparison[] | undefined;
/**
 * The decode and encode sections' rows, run once for the file, each given a ratio of its own
 * (0.9001, 0.9002, …) in place of the timed one: a check reading another row reads another number.
 */
async function framingRows(): Promise<Comparison[]> {
  framing ??= [...(await decodeBench(TINY, quiet)), ...(await encodeBench(TINY, quiet))].map((row, i) => ({ ...row, ratio: summarize([0.9 + (i + 1) / 10_000]) }));
  return framing;
}

/** The ratio of the one framing row whose case holds every part, for a contender. */
async function framingRatio(section: 'decode' | 'encode', parts: string[], contender: string): Promise<number> {
  const rows = (await framingRows()).filter((r) => r.section === section && parts.every((part) => r.case.includes(part)) && r.contender === contender && r.metric === 'throughput');
  expect(rows, `${section} ${parts.join(', ')} ${contender}`).toHaveLength(1);
  return rows[0]!.ratio.median;
}

async function evaluate(transport = transportSamples(), memory = memorySamples({ projTcp: 4, rawNet: 3.5, projWs: 8.5, bareWs: 8 }), reconnect = reconnectResult(1.7, 500, 700)): Promise<TargetResult[]> {
  return evaluateTargets([...(await framingRows()), ...transportComparisons(transport, 5000), ...memoryComparisons(memory, MEMORY.memory, quiet)], reconnect);
}

function target(targets: readonly TargetResult[], work: string): TargetResult {
  const found = targets.find((t) => t.work === work);
  if (found === undefined) throw new Error(`no target ${work}`);
  return found;
}

describe('evaluateTargets', () => {
  it('finds the row of every check among the rows the sections label', async () => {
    const targets = await evaluate();
    expect(targets.map((t) => [t.work, t.checks.map((c) => c.label)])).toEqual([
      ['decode, small msgs', ['64 KiB', '1 KiB']],
      ['decode, 1 KiB msgs', ['64 KiB', '1 KiB']],
      ['encode', ['small', '1 KiB']],
      ['tcp pipelined, per-message send', ['pipelined']],
      ['tcp RTT p50 and p99', ['p50', 'p99']],
      ['unix pipelined and RTT', ['pipelined', 'p50', 'p99']],
      ['ws pipelined', ['pipelined', 'p50', 'p99']],
      ['memory per idle connection', ['tcp', 'ws']],
      ['reconnect', ['added p90', 'listen → connected p90']],
    ]);
    for (const t of targets) expect(t.met, t.work).not.toBe(undefined);
  });

  it('reads each check from its own row, contender and metric', async () => {
    const targets = await evaluate();
    const medians = (work: string): number[] => target(targets, work).checks.map((c) => c.value);
    const decoder = '@proj NdjsonDecoder';
    expect(medians('decode, small msgs')).toEqual([await framingRatio('decode', ['small msgs', '64 KiB chunks'], decoder), await framingRatio('decode', ['small msgs', '1 KiB chunks'], decoder)]);
    expect(medians('decode, 1 KiB msgs')).toEqual([await framingRatio('decode', ['~1 KiB msgs', '64 KiB chunks'], decoder), await framingRatio('decode', ['~1 KiB msgs', '1 KiB chunks'], decoder)]);
    expect(medians('encode')).toEqual([await framingRatio('encode', ['small msgs'], '@proj encodeLine'), await framingRatio('encode', ['~1 KiB msgs'], '@proj encodeLine')]);
    expect(medians('tcp pipelined, per-message send')).toEqual([0.95]);
    expect(medians('tcp RTT p50 and p99')).toEqual([1.08, 1.09]);
    expect(medians('unix pipelined and RTT')).toEqual([0.92, 1.04, 1.08]);
    // @proj ws against bare ws (the WebSocket row), not against raw net (the tcp row).
    expect(medians('ws pipelined')).toEqual([4, 1.03, 1.04]);
    // The default heap's RSS, not the pinned or talked variants', nor bare ws against raw net.
    expect(medians('memory per idle connection')).toEqual([4 / 3.5, 8.5 / 8]);
    expect(medians('reconnect')).toEqual([1.7, 500]);
  });

  it('quotes the yardsticks of a row after it, unjudged', async () => {
    const targets = await evaluate(transportSamples({ 'raw-ws': round(200, { perSecond: 300, p50: 300 }) }));
    const ws = target(targets, 'ws pipelined');
    // The floor's p50 (1.50×) is far over 1.05×: quoted, not judged.
    expect(ws.measured).toContain('(floor: pipelined 2.40× [2.40–2.40]; p50 1.50× [1.50–1.50]; p99 1.00× [1.00–1.00])');
    expect(ws.met).toBe(true);
    expect(target(targets, 'decode, small msgs').measured).toContain('(1 KiB: minimal splitter ');
    expect(target(targets, 'decode, 1 KiB msgs').measured).toMatch(/\(1 KiB: minimal chunked decoder .*; per-line ICU decode \+ parse bound .*\)/);
    expect(target(targets, 'tcp pipelined, per-message send').measured).toContain('(raw net writing in parts: pipelined ');
    expect(target(targets, 'tcp RTT p50 and p99').measured).toContain('(A/A: raw net writing in parts, the same round-trip path: p50 1.02× [1.02–1.02]; p99 1.07× [1.07–1.07])');
  });

  it('judges the tcp round trips without the A/A control of full runs, and quotes none', async () => {
    const samples = transportSamples();
    samples.delete('raw-net-parts');
    const tcp = target(await evaluate(samples), 'tcp RTT p50 and p99');
    expect(tcp.met).toBe(true);
    expect(tcp.measured).toBe('p50 1.08× [1.08–1.08]; p99 1.09× [1.09–1.09]');
  });

  it('meets a bound reached exactly, and judges the unrounded median: 1.101 misses 1.10 and reads 1.101', async () => {
    const targets = await evaluate(
      transportSamples({
        'proj-tcp': round(100, { perSecond: 90, p50: 110, p99: 110.1 }),
        'proj-ws': round(300, { perSecond: 250, p50: 210, p99: 210 }),
      }),
    );
    const tcp = target(targets, 'tcp RTT p50 and p99');
    expect(tcp.checks.map((c) => [c.label, c.met])).toEqual([
      ['p50', true],
      ['p99', false],
    ]);
    expect(tcp.met).toBe(false);
    expect(tcp.measured).toBe('p50 1.10× [1.10–1.10]; p99 1.101× [1.10–1.10] (missed: > 1.10×) (A/A: raw net writing in parts, the same round-trip path: p50 1.02× [1.02–1.02]; p99 1.07× [1.07–1.07])');
    expect(target(targets, 'tcp pipelined, per-message send').met).toBe(true); // 0.90× exactly
    const ws = target(targets, 'ws pipelined');
    expect(ws.checks.map((c) => c.met)).toEqual([true, true, true]); // 2.00×, 1.05× and 1.05× exactly
    expect(ws.met).toBe(true);
  });

  it('marks every check that missed, and only those', async () => {
    const targets = await evaluate(transportSamples({ 'proj-unix': round(50, { perSecond: 40, p50: 52, p99: 60 }) }), memorySamples({ projTcp: 5, rawNet: 3.5, projWs: 8.5, bareWs: 8 }));
    const unix = target(targets, 'unix pipelined and RTT');
    expect(unix.measured).toBe('pipelined 0.80× [0.80–0.80] (missed: < 0.90×); p50 1.04× [1.04–1.04]; p99 1.20× [1.20–1.20] (missed: > 1.10×)');
    const memory = target(targets, 'memory per idle connection');
    expect(memory.met).toBe(false);
    expect(memory.measured).toBe('tcp 1.43× [1.43–1.43] (missed: > 1.30×); ws 1.06× [1.06–1.06]');
  });

  it('misses reconnect over 2 ms added, or slower than reconnect-core to connect after a listen', async () => {
    const met = target(await evaluate(undefined, undefined, reconnectResult(2, 700, 700)), 'reconnect');
    expect(met.met).toBe(true);
    // @proj's attempt → connected next to a bare dial's after an idle wait (0.70), not the hot one's (0.50).
    expect(met.measured).toContain('(attempt → connected p50 1.00 ms, a bare dial after an idle wait 0.70 ms; added-over-schedule floor (bare timer + net.connect) p90 1.80 ms;');
    const slow = target(await evaluate(undefined, undefined, reconnectResult(2.004, 701, 700)), 'reconnect');
    expect(slow.met).toBe(false);
    expect(slow.checks.map((c) => c.met)).toEqual([false, false]);
    expect(slow.measured).toMatch(/^added p90 2\.004 ms \(missed: > 2\.00 ms\) \(attempt → connected/);
    expect(slow.measured).toMatch(/listen → connected p90 701 ms vs 700 ms \(missed: > reconnect-core’s 700 ms\)$/);
    // Two p90s that round to the same ms are told apart.
    const close = target(await evaluate(undefined, undefined, reconnectResult(1, 700.4, 700.2)), 'reconnect');
    expect(close.measured).toMatch(/listen → connected p90 700\.4 ms vs 700\.2 ms \(missed: > reconnect-core’s 700\.2 ms\)$/);
    expect(close.checks[1]).toEqual({ label: 'listen → connected p90', value: 700.4, bound: '≤ reconnect-core’s 700.2 ms', met: false, missed: '> reconnect-core’s 700.2 ms' });
  });

  it('reports a target whose rows did not run as not measured, not as missed', () => {
    const targets = evaluateTargets([], undefined);
    expect(targets).toHaveLength(9);
    for (const t of targets) expect([t.measured, t.met, t.checks]).toEqual(['not measured', undefined, []]);
  });
});

describe('boundedText', () => {
  it('gives two decimals, and more where two would read as the bound', () => {
    expect(boundedText(1.14, 1.1)).toBe('1.14');
    expect(boundedText(1.1, 1.1)).toBe('1.10');
    expect(boundedText(1.101, 1.1)).toBe('1.101');
    expect(boundedText(0.8496, 0.85)).toBe('0.8496');
    expect(boundedText(0.849999, 0.85)).toBe('0.849999'); // at most six decimals …
    expect(boundedText(0.8499999, 0.85)).toBe('0.850000'); // … where it reads as the bound still
    expect(boundedText(1.101, undefined)).toBe('1.10');
  });

  it('starts from the decimals asked for', () => {
    expect(boundedText(700.4, 701, 0)).toBe('700');
    expect(boundedText(700.4, 700.2, 0)).toBe('700.4');
  });
});
