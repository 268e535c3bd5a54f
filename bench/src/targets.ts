/**
 * The issue's targets, checked against a run's results: each one met or missed, with the
 * numbers it was judged on. A target whose section did not run is reported as not measured.
 */
import type { Comparison, Section } from './comparison.js';
import type { ReconnectResult } from './reconnect-bench.js';
import { CONTENDER_NAMES } from './contenders/index.js';
import { MINIMAL_CHUNKED, MINIMAL_SPLITTER, PER_LINE_BOUND } from './decode-bench.js';
import { PROJ_PROBE, RECONNECT_CORE_PROBE } from './reconnect-probes.js';

export interface TargetResult {
  work: string;
  reference: string;
  target: string;
  /**
   * What was measured, each check labelled, e.g. `64 KiB 0.91× [0.89–0.93]; 1 KiB 0.84× [0.83–0.85]
   * (missed: < 0.85×)` (median [q1–q3]). A check that missed says so; a value that would round to
   * its bound is given to as many more decimals as tell them apart, up to six (`p99 1.101×`).
   */
  measured: string;
  met: boolean | undefined;
  /** The checks the verdict rests on, unrounded; empty when not measured. */
  checks: CheckResult[];
}

/** One check of a target: a value against its bound. */
export interface CheckResult {
  label: string;
  /** The value the check judged, unrounded: a median ratio, or a p90 in ms for reconnect. */
  value: number;
  /** `≥ 0.85×`, `≤ 1.10×`, `≤ 2.00 ms`, `≤ reconnect-core’s 710 ms`. */
  bound: string;
  met: boolean;
  /** The bound it failed, inverted (`< 0.85×`, `> 1.10×`); undefined when met. */
  missed: string | undefined;
}

interface Check {
  section: Section;
  /** Substrings the case label must all contain. */
  case: string[];
  contender: string;
  metric: string;
  /** The ratio's median must be at least / at most this. */
  min?: number;
  max?: number;
}

function find(results: readonly Comparison[], check: Check): Comparison | undefined {
  return results.find((r) => r.section === check.section && check.case.every((part) => r.case.includes(part)) && r.contender === check.contender && r.metric === check.metric);
}

/**
 * `value` to `digits` decimals, or to as many more (up to six) as it takes not to read as `bound`:
 * 1.101 against a bound of 1.10 is `1.101`, not a `1.10` marked missed.
 */
export function boundedText(value: number, bound: number | undefined, digits = 2): string {
  let shown = digits;
  while (bound !== undefined && shown < 6 && value !== bound && value.toFixed(shown) === bound.toFixed(shown)) shown++;
  return value.toFixed(shown);
}

function ratioText(c: Comparison, bound?: number): string {
  return `${boundedText(c.ratio.median, bound)}× [${c.ratio.q1.toFixed(2)}–${c.ratio.q3.toFixed(2)}]`;
}

/** Judges one value against a lower (`min`) and/or upper (`max`) bound. */
function checkResult(label: string, value: number, min: number | undefined, max: number | undefined, unit: string): CheckResult {
  const low = min !== undefined && value < min;
  const high = max !== undefined && value > max;
  const bound = [min === undefined ? '' : `≥ ${min.toFixed(2)}${unit}`, max === undefined ? '' : `≤ ${max.toFixed(2)}${unit}`].filter((b) => b !== '').join(', ');
  const missed = low ? `< ${min.toFixed(2)}${unit}` : high ? `> ${max.toFixed(2)}${unit}` : undefined;
  return { label, value, bound, met: !low && !high, missed };
}

/** ` (missed: < 0.85×)` after a check that failed, naming the bound it did not meet. */
function missedText(check: CheckResult): string {
  return check.missed === undefined ? '' : ` (missed: ${check.missed})`;
}

/** All checks must hold; `measured` lists each, labelled, with the ones that missed marked. */
function judge(results: readonly Comparison[], checks: readonly (Check & { label: string })[]): Pick<TargetResult, 'measured' | 'met' | 'checks'> {
  const found = checks.map((check) => ({ check, comparison: find(results, check) }));
  if (found.some((f) => f.comparison === undefined)) return { measured: 'not measured', met: undefined, checks: [] };
  const judged = found.map(({ check, comparison }) => ({ check, comparison: comparison!, result: checkResult(check.label, comparison!.ratio.median, check.min, check.max, '×') }));
  return {
    measured: judged.map(({ check, comparison, result }) => `${check.label} ${ratioText(comparison, check.min ?? check.max)}${missedText(result)}`).join('; '),
    met: judged.every(({ result }) => result.met),
    checks: judged.map(({ result }) => result),
  };
}

const DECODER = '@proj NdjsonDecoder';
const TCP = '@proj tcp';

export function evaluateTargets(results: readonly Comparison[], reconnect: ReconnectResult | undefined): TargetResult[] {
  const targets: TargetResult[] = [];
  const add = (work: string, reference: string, target: string, checks: (Check & { label: string })[]): TargetResult => {
    const result: TargetResult = { work, reference, target, ...judge(results, checks) };
    targets.push(result);
    return result;
  };
  const decode = (shape: string, min: number): (Check & { label: string })[] =>
    ['64 KiB chunks', '1 KiB chunks'].map((size) => ({ section: 'decode', case: [shape, size], contender: DECODER, metric: 'throughput', min, label: size.replace(' chunks', '') }));
  // A yardstick timed in the same rounds (a bound, or the least the row's work costs with nothing a
  // library adds), quoted after the row it qualifies: `(title: label ratio; …)`.
  const withYardstick = (row: TargetResult, title: string, checks: readonly (Check & { label: string })[]): void => {
    const found = checks.map((check) => ({ label: check.label, comparison: find(results, check) }));
    if (row.met === undefined || found.some((f) => f.comparison === undefined)) return;
    row.measured += ` (${title}: ${found.map((f) => `${f.label} ${ratioText(f.comparison!)}`).join('; ')})`;
  };
  const atOneKiB = (shape: string, contender: string, label: string): (Check & { label: string })[] => [
    { section: 'decode', case: [shape, '1 KiB chunks'], contender, metric: 'throughput', label },
  ];
  // What a splitter with nothing a library adds reaches.
  withYardstick(add('decode, small msgs', 'JSON.parse on pre-split lines', '≥ 0.85× at both chunk sizes', decode('small msgs', 0.85)), '1 KiB', atOneKiB('small msgs', MINIMAL_SPLITTER, 'minimal splitter'));
  // What a chunked decoder with nothing a library adds reaches, and what no byte decoder can beat at 1 KiB chunks.
  withYardstick(add('decode, 1 KiB msgs', 'JSON.parse on pre-split lines', '≥ 0.75× at both chunk sizes', decode('1 KiB msgs', 0.75)), '1 KiB', [
    ...atOneKiB('1 KiB msgs', MINIMAL_CHUNKED, 'minimal chunked decoder'),
    ...atOneKiB('1 KiB msgs', PER_LINE_BOUND, 'per-line ICU decode + parse bound'),
  ]);
  add('encode', 'JSON.stringify alone', '≥ 0.80×', [
    { section: 'encode', case: ['small'], contender: '@proj encodeLine', metric: 'throughput', min: 0.8, label: 'small' },
    { section: 'encode', case: ['1 KiB'], contender: '@proj encodeLine', metric: 'throughput', min: 0.8, label: '1 KiB' },
  ]);
  const tcpPipelined = add('tcp pipelined, per-message send', 'raw net, batched writes', '≥ 0.90×', [{ section: 'transport', case: ['tcp loopback'], contender: TCP, metric: 'pipelined throughput', min: 0.9, label: 'pipelined' }]);
  // @proj writes a chunk's replies in parts, so the other process starts on them sooner: what its
  // per-message work costs shows in CPU per message, and against raw net writing in parts too.
  const parts = CONTENDER_NAMES['raw-net-parts'];
  withYardstick(tcpPipelined, 'CPU per message', [{ section: 'transport', case: ['tcp loopback'], contender: TCP, metric: 'pipelined CPU per message', label: '@proj' }]);
  withYardstick(tcpPipelined, 'raw net writing in parts', [
    { section: 'transport', case: ['tcp loopback'], contender: parts, metric: 'pipelined throughput', label: 'pipelined' },
    { section: 'transport', case: ['tcp, against raw net writing in parts'], contender: TCP, metric: 'pipelined throughput', label: '@proj against it' },
    { section: 'transport', case: ['tcp, against raw net writing in parts'], contender: TCP, metric: 'pipelined CPU per message', label: 'CPU per message' },
  ]);
  const tcpRtt = add('tcp RTT p50 and p99', 'raw net', '≤ 1.10×', [
    { section: 'transport', case: ['tcp loopback'], contender: TCP, metric: 'RTT p50', max: 1.1, label: 'p50' },
    { section: 'transport', case: ['tcp loopback'], contender: TCP, metric: 'RTT p99', max: 1.1, label: 'p99' },
  ]);
  // A round trip carries one line, so raw net writing in parts runs the reference's own round-trip
  // path (one length comparison more per line) in a pair of its own: an A/A control, whose ratios
  // tell how far two pairs of the same code land apart in one run (full runs only).
  withYardstick(tcpRtt, 'A/A: raw net writing in parts, the same round-trip path', [
    { section: 'transport', case: ['tcp loopback'], contender: parts, metric: 'RTT p50', label: 'p50' },
    { section: 'transport', case: ['tcp loopback'], contender: parts, metric: 'RTT p99', label: 'p99' },
  ]);
  add('unix pipelined and RTT', 'raw unix', '≥ 0.90×, RTT ≤ 1.10×', [
    { section: 'transport', case: ['unix'], contender: '@proj unix', metric: 'pipelined throughput', min: 0.9, label: 'pipelined' },
    { section: 'transport', case: ['unix'], contender: '@proj unix', metric: 'RTT p50', max: 1.1, label: 'p50' },
    { section: 'transport', case: ['unix'], contender: '@proj unix', metric: 'RTT p99', max: 1.1, label: 'p99' },
  ]);
  const wsRow = (contender: string): (Check & { label: string })[] => [
    { section: 'transport', case: ['WebSocket'], contender, metric: 'pipelined throughput', min: 2, label: 'pipelined' },
    { section: 'transport', case: ['WebSocket'], contender, metric: 'RTT p50', max: 1.05, label: 'p50' },
    { section: 'transport', case: ['WebSocket'], contender, metric: 'RTT p99', max: 1.05, label: 'p99' },
  ];
  // What the same framing (lines batched into frames) costs with nothing a library adds. The same
  // checks: a yardstick is quoted, never judged, so their limits go unused there.
  withYardstick(add('ws pipelined', 'bare ws, one message per frame', '≥ 2× with RTT ≤ 1.05×', wsRow('@proj ws')), 'floor', wsRow(CONTENDER_NAMES['raw-ws']));
  add('memory per idle connection', 'raw net (tcp); bare ws (ws)', 'tcp ≤ 1.3× raw net; ws ≤ 1.1× bare ws (RSS)', [
    { section: 'memory', case: ['tcp,', 'idle connections, default V8 heap'], contender: '@proj tcp (serve + registry)', metric: 'RSS per connection', max: 1.3, label: 'tcp' },
    { section: 'memory', case: ['WebSocket,', 'idle connections, default V8 heap'], contender: '@proj ws (serve + registry)', metric: 'RSS per connection', max: 1.1, label: 'ws' },
  ]);
  targets.push(reconnectTarget(reconnect));
  return targets;
}

function reconnectTarget(reconnect: ReconnectResult | undefined): TargetResult {
  const base = { work: 'reconnect', reference: 'reconnect-core on the same schedule; bare net.connect', target: '≤ 2 ms added over the schedule (p90); p90 listen → connected ≤ reconnect-core’s' };
  const proj = reconnect?.probes.find((p) => p.name === PROJ_PROBE);
  const core = reconnect?.probes.find((p) => p.name === RECONNECT_CORE_PROBE);
  if (reconnect === undefined || proj === undefined || core === undefined) return { ...base, measured: 'not measured', met: undefined, checks: [] };
  const added = checkResult('added p90', proj.addedOverSchedule.p90, undefined, 2, ' ms');
  const coreP90 = core.listenToConnected.p90;
  // Whole ms, or as many decimals as tell the two apart: never `700 ms vs 700 ms (missed …)`.
  const coreText = boundedText(coreP90, proj.listenToConnected.p90, 0);
  const listen = checkResult('listen → connected p90', proj.listenToConnected.p90, undefined, coreP90, ' ms');
  const p90: CheckResult = { ...listen, bound: `≤ reconnect-core’s ${coreText} ms`, missed: listen.met ? undefined : `> reconnect-core’s ${coreText} ms` };
  return {
    ...base,
    measured: `added p90 ${boundedText(added.value, 2)} ms${missedText(added)} (attempt → connected p50 ${proj.attemptToConnected.median.toFixed(2)} ms, a bare dial after an idle wait ${reconnect.idleDial.median.toFixed(2)} ms; added-over-schedule floor (bare timer + net.connect) p90 ${reconnect.timedDial.p90.toFixed(2)} ms; reconnect-core added p90 ${core.addedOverSchedule.p90.toFixed(2)} ms); listen → connected p90 ${boundedText(p90.value, coreP90, 0)} ms vs ${coreText} ms${missedText(p90)}`,
    met: added.met && p90.met,
    checks: [added, p90],
  };
}
