/**
 * The run's output: one JSON document with every number, and a markdown rendering of it (targets
 * first, then one table per section), written under `bench/results/` (git-ignored) as a
 * timestamped pair plus `latest-<mode>.*`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './bench-config.js';
import type { Comparison, Section } from './comparison.js';
import type { MachineInfo } from './machine.js';
import { METHODOLOGY } from './methodology.js';
import { RECONNECT_BLOCK, type ReconnectResult } from './reconnect-bench.js';
import type { Summary } from './stats.js';
import type { TargetResult } from './targets.js';

export interface BenchReport {
  mode: BenchConfig['mode'];
  machine: MachineInfo;
  config: BenchConfig;
  durationSeconds: number;
  targets: TargetResult[];
  comparisons: Comparison[];
  reconnect: ReconnectResult | undefined;
  /** Where the transport section ran its server and client processes (`placementText()`); undefined when it did not run. */
  transportPlacement: string | undefined;
  /** Sections that failed, with their error. */
  failures: { section: Section; error: string }[];
}

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

const SECTION_TITLES: Record<Section, string> = {
  decode: 'Decode (in memory)',
  encode: 'Encode (in memory)',
  transport: 'Transport on loopback (echo server and client in separate processes)',
  memory: 'Memory per idle connection (one server process, after forced GC)',
  reconnect: 'Reconnect',
};

function num(value: number, unit: string): string {
  if (unit === 'msg/s') return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(0)} k/s`;
  if (unit === 'µs') return value < 10 ? `${value.toFixed(2)} µs` : `${value.toFixed(0)} µs`;
  if (unit === 'KiB') return `${value.toFixed(2)} KiB`;
  return `${value.toFixed(2)} ${unit}`;
}

function ratio(s: Summary): string {
  return `**${s.median.toFixed(2)}×**`;
}

function iqr(s: Summary): string {
  return `${s.q1.toFixed(2)}–${s.q3.toFixed(2)}`;
}

function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

function targetsTable(targets: readonly TargetResult[]): string[] {
  const lines = ['| work | reference (1.00) | target | measured: median [q1–q3] | |', '|---|---|---|---|---|'];
  for (const t of targets) lines.push(`| ${t.work} | ${t.reference} | ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? '**met**' : '**missed**'} |`);
  return lines;
}

function comparisonTable(rows: readonly Comparison[]): string[] {
  const lines = ['| case | contender | metric | ratio (median) | IQR | contender | reference | reference is |', '|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const direction = r.better === 'higher' ? '↑' : '↓';
    lines.push(`| ${r.case} | ${r.contender} | ${r.metric} ${direction} | ${ratio(r.ratio)} | ${iqr(r.ratio)} | ${num(r.value.median, r.unit)} | ${num(r.referenceValue.median, r.unit)} | ${r.reference} |`);
  }
  return lines;
}

function reconnectTable(result: ReconnectResult): string[] {
  const lines = [
    '| client | listen → connected p50 / p90 / max | attempt → connected p50 / p90 | added over schedule p50 / p90 / max | attempts per restart (median) |',
    '|---|---|---|---|---|',
  ];
  for (const p of result.probes) {
    lines.push(
      `| ${p.name} | ${ms(p.listenToConnected.median)} / ${ms(p.listenToConnected.p90)} / ${ms(p.listenToConnected.max)} | ${ms(p.attemptToConnected.median)} / ${ms(p.attemptToConnected.p90)} | ${ms(p.addedOverSchedule.median)} / ${ms(p.addedOverSchedule.p90)} / ${ms(p.addedOverSchedule.max)} | ${p.attempts.median} |`,
    );
  }
  lines.push(`| bare \`net.connect()\`, back to back (hot limit of attempt → connected) | | ${ms(result.rawDial.median)} / ${ms(result.rawDial.p90)} | | |`);
  lines.push(
    `| bare timer, then \`net.connect()\` (floor of both: a dial after an idle wait) | | ${ms(result.idleDial.median)} / ${ms(result.idleDial.p90)} | ${ms(result.timedDial.median)} / ${ms(result.timedDial.p90)} / ${ms(result.timedDial.max)} | |`,
  );
  lines.push('', `Outages (ms, in run order): ${result.schedule.join(', ')}. Each client ran every outage alone, in blocks of ${RECONNECT_BLOCK}, the two taking turns.`);
  return lines;
}

/**
 * What a quick run's verdicts rest on: few transport and memory rounds, and a handful of reconnect
 * restarts whose p90 is their slowest one under @proj's jittered backoff. A verdict can flip
 * between quick runs of the same code; the full run is the one the targets are judged on.
 */
export function quickCaveat(config: BenchConfig): string {
  const restarts = config.reconnect.outagesMs.length * config.reconnect.repeat;
  return `Quick run: ${config.transport.rounds} rounds per transport contender, ${config.memory.rounds} for memory (${config.memory.variants.join(', ')}) and ${restarts} reconnect restarts (a p90 of ${restarts} is about their slowest), so these verdicts can flip from run to run; the full run (\`-- --full\`) is the record.`;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const out = [
    `# @proj benchmarks — ${report.mode} run`,
    '',
    `- **Date**: ${m.date}`,
    `- **Command**: \`${m.command}\` (${report.durationSeconds.toFixed(0)} s)`,
    `- **Machine**: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.totalMemoryGiB} GiB RAM, ${m.platform}, \`ulimit -n\` ${m.openFilesLimit}`,
    `- **Node**: ${m.node}`,
    ...(report.transportPlacement === undefined ? [] : [`- **Transport processes**: ${report.transportPlacement}`]),
    '',
    'Every ratio is contender ÷ reference measured in the same round (rounds interleaved, the order changing every round: every second round reverses the one before; transport loads also interleaved in blocks within each round);',
    'the table gives the median and the inter-quartile range over rounds. ↑: higher is better, ↓: lower is better.',
    ...(report.mode === 'quick' ? ['', quickCaveat(report.config)] : []),
    '',
    '## Targets',
    '',
    ...targetsTable(report.targets),
    '',
  ];
  for (const section of ['decode', 'encode', 'transport', 'memory'] as const) {
    const rows = report.comparisons.filter((c) => c.section === section);
    if (rows.length === 0) continue;
    out.push(`## ${SECTION_TITLES[section]}`, '', ...comparisonTable(rows), '');
  }
  if (report.reconnect !== undefined) out.push(`## ${SECTION_TITLES.reconnect}`, '', ...reconnectTable(report.reconnect), '');
  if (report.failures.length > 0) {
    out.push('## Failures', '');
    for (const f of report.failures) out.push(`- ${f.section}: \`${f.error.split('\n')[0]}\``);
    out.push('');
  }
  out.push(METHODOLOGY, '<details><summary><code>free -h</code></summary>', '', '```', m.free, '```', '', '</details>', '');
  return out.join('\n');
}

/** The committed summary the README links to (`--publish`, full runs only). */
export const PUBLISHED_RESULTS = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

/** Writes `<stamp>.json/.md` and `latest-<mode>.json/.md`; returns the markdown path. */
export function writeReport(report: BenchReport): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = report.machine.date.replace(/[:.]/g, '-');
  const json = JSON.stringify(report, null, 2);
  const markdown = renderMarkdown(report);
  for (const name of [`${report.mode}-${stamp}`, `latest-${report.mode}`]) {
    fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), json);
    fs.writeFileSync(path.join(RESULTS_DIR, `${name}.md`), markdown);
  }
  return path.join(RESULTS_DIR, `latest-${report.mode}.md`);
}
