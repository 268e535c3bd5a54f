import { describe, expect, it } from 'vitest';
import { FULL, QUICK } from './bench-config.js';
import { compare } from './comparison.js';
import type { MachineInfo } from './machine.js';
import { renderMarkdown, type BenchReport } from './report.js';
import type { ReconnectResult, ReconnectStats } from './reconnect-bench.js';
import type { Summary } from './stats.js';
import { evaluateTargets } from './targets.js';

const machine: MachineInfo = {
  date: '2026-12-07T12:00:00.000Z',
  cpus: 2,
  cpuModel: 'Test CPU',
  free: '              total',
  totalMemoryGiB: 23.5,
  node: 'v20.20.2',
  platform: 'Linux x64',
  openFilesLimit: '20000',
  command: 'npx nx run bench:bench -- --full --publish',
};

const encodeRows = [
  compare({ section: 'encode', case: 'small msgs (~40 B)', contender: '@proj encodeLine', reference: 'JSON.stringify alone', metric: 'throughput', better: 'higher', unit: 'msg/s' }, [900_000, 1_100_000], [1_000_000, 1_000_000]),
  compare({ section: 'encode', case: '~1 KiB msgs (~949 B)', contender: '@proj encodeLine', reference: 'JSON.stringify alone', metric: 'throughput', better: 'higher', unit: 'msg/s' }, [70_000, 74_000], [100_000, 100_000]),
];

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  return { mode: 'full', machine, config: FULL, durationSeconds: 585.4, targets: evaluateTargets(encodeRows, undefined), comparisons: encodeRows, reconnect: undefined, transportPlacement: undefined, failures: [], ...overrides };
}

/** The rows of the targets table, by their first cell. */
function targetRows(markdown: string): Map<string, string[]> {
  const lines = markdown.split('\n');
  const start = lines.indexOf('## Targets');
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(start + 4)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    rows.set(cells[0]!, cells);
  }
  return rows;
}

describe('renderMarkdown', () => {
  it('gives the machine, the command and its duration', () => {
    const markdown = renderMarkdown(report());
    expect(markdown.startsWith('# @proj benchmarks — full run\n')).toBe(true);
    expect(markdown).toContain('- **Command**: `npx nx run bench:bench -- --full --publish` (585 s)');
    expect(markdown).toContain('- **Machine**: 2 CPUs (`nproc`), Test CPU, 23.5 GiB RAM, Linux x64, `ulimit -n` 20000');
    expect(markdown).toContain('- **Node**: v20.20.2');
    // Said only when the transport section ran, as it was.
    expect(markdown).not.toContain('- **Transport processes**');
    expect(renderMarkdown(report({ transportPlacement: 'every server on CPU 2 and every client on CPU 3' }))).toContain('- **Transport processes**: every server on CPU 2 and every client on CPU 3\n');
  });

  it('has one targets row per target, with its verdict: met, missed or not measured', () => {
    const rows = targetRows(renderMarkdown(report()));
    expect(rows.size).toBe(9);
    // 1.00× and 0.72×: the second misses 0.80×.
    expect(rows.get('encode')).toEqual(['encode', 'JSON.stringify alone', '≥ 0.80×', 'small 1.00× [0.95–1.05]; 1 KiB 0.72× [0.71–0.73] (missed: < 0.80×)', '**missed**']);
    expect(rows.get('tcp RTT p50 and p99')?.slice(3)).toEqual(['not measured', 'not measured']);
    const met = targetRows(renderMarkdown(report({ targets: evaluateTargets([encodeRows[0]!, { ...encodeRows[1]!, ratio: encodeRows[0]!.ratio }], undefined) })));
    expect(met.get('encode')?.[4]).toBe('**met**');
  });

  it('gives every comparison of a section a row, with its ratio, IQR and both absolute values', () => {
    const markdown = renderMarkdown(report());
    expect(markdown).toContain('## Encode (in memory)');
    expect(markdown).toContain('| small msgs (~40 B) | @proj encodeLine | throughput ↑ | **1.00×** | 0.95–1.05 | 1.00 M/s | 1.00 M/s | JSON.stringify alone |');
    expect(markdown).toContain('| ~1 KiB msgs (~949 B) | @proj encodeLine | throughput ↑ | **0.72×** | 0.71–0.73 | 72 k/s | 100 k/s | JSON.stringify alone |');
    // Sections that did not run have no table.
    expect(markdown).not.toContain('## Decode');
    expect(markdown).not.toContain('## Reconnect');
  });

  it('gives the reconnect floor row its idle dial under attempt → connected and its timed dial under added over schedule', () => {
    const summary = (median: number, p90: number, max = p90): Summary => ({ median, q1: median, q3: median, iqr: 0, p90, min: median, max, n: 60 });
    const probe = (name: string): ReconnectStats => ({ name, listenToConnected: summary(60, 500, 900), attemptToConnected: summary(0.9, 1.6), addedOverSchedule: summary(1.1, 2, 4), attempts: summary(4, 5) });
    const reconnect: ReconnectResult = {
      schedule: [50, 100],
      probes: [probe('@proj'), probe('reconnect-core')],
      rawDial: summary(0.11, 0.19),
      timedDial: summary(1.26, 3.46, 6.66),
      idleDial: summary(0.67, 2.19),
    };
    const markdown = renderMarkdown(report({ reconnect }));
    expect(markdown).toContain('| bare `net.connect()`, back to back (hot limit of attempt → connected) | | 0.11 ms / 0.19 ms | | |');
    expect(markdown).toContain('| bare timer, then `net.connect()` (floor of both: a dial after an idle wait) | | 0.67 ms / 2.19 ms | 1.26 ms / 3.46 ms / 6.66 ms | |');
  });

  it('warns that a quick run’s verdicts can flip, and a full run does not', () => {
    expect(renderMarkdown(report({ mode: 'quick', config: QUICK }))).toContain('Quick run: 2 rounds per transport contender, 1 for memory (default) and 3 reconnect restarts');
    expect(renderMarkdown(report())).not.toContain('Quick run:');
  });

  it('lists the sections that failed, with the first line of their error', () => {
    const markdown = renderMarkdown(report({ failures: [{ section: 'memory', error: 'Error: server exited\n    at stack' }] }));
    expect(markdown).toContain('## Failures\n\n- memory: `Error: server exited`\n');
    expect(markdown).not.toContain('at stack');
  });
});
