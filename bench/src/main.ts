/**
 * `npx nx run bench:bench` (quick, ~75 s) or `npx nx run bench:bench -- --full` /
 * `npx nx run bench:full` (~10-11 min). Options: `--only=decode,encode,reconnect,transport,memory`,
 * `--contenders=raw-net,proj-tcp,…` (transport), `--publish` (write bench/RESULTS.md from a full
 * run). `BENCH_CPU_PROF=<dir>` starts every child process with `--cpu-prof`, for finding why a
 * target is missed.
 * Runs the sections in order, prints progress, writes the report under `bench/results/`, and
 * exits non-zero if a section failed (a missed target is a result, not a failure).
 */
import fs from 'node:fs';
import { FULL, QUICK } from './bench-config.js';
import { parseArgs } from './cli-args.js';
import type { Comparison } from './comparison.js';
import { decodeBench } from './decode-bench.js';
import { encodeBench } from './encode-bench.js';
import { machineInfo } from './machine.js';
import { memoryBench } from './memory-bench.js';
import { reconnectBenchInChild, type ReconnectResult } from './reconnect-bench.js';
import { PUBLISHED_RESULTS, quickCaveat, renderMarkdown, writeReport, type BenchReport } from './report.js';
import { evaluateTargets } from './targets.js';
import { placementText, transportBench } from './transport-bench.js';

const started = Date.now();
function log(line: string): void {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
}

const args = process.argv.slice(2);
const { full, publish, only, contenders } = parseArgs(args);
const config = full ? FULL : QUICK;
const machine = machineInfo(args);
log(`${config.mode} run on ${machine.cpus} CPUs, Node ${machine.node}; sections: ${only.join(', ')}`);

const comparisons: Comparison[] = [];
let reconnect: ReconnectResult | undefined;
const failures: BenchReport['failures'] = [];
for (const section of only) {
  try {
    if (section === 'decode') comparisons.push(...(await decodeBench(config, log)));
    else if (section === 'encode') comparisons.push(...(await encodeBench(config, log)));
    else if (section === 'transport') comparisons.push(...(await transportBench(config, log, contenders)));
    else if (section === 'memory') comparisons.push(...(await memoryBench(config, log)));
    else reconnect = await reconnectBenchInChild(config, log);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${section} FAILED: ${message}`);
    failures.push({ section, error: message });
  }
}

const targets = evaluateTargets(comparisons, reconnect);
const transportPlacement = only.includes('transport') ? placementText() : undefined;
const report: BenchReport = { mode: config.mode, machine, config, durationSeconds: (Date.now() - started) / 1000, targets, comparisons, reconnect, transportPlacement, failures };
const file = writeReport(report);
log('targets:');
for (const t of targets) log(`  ${t.met === undefined ? 'not measured' : t.met ? 'met   ' : 'MISSED'}  ${t.work}: ${t.measured} (target ${t.target})`);
if (config.mode === 'quick') log(quickCaveat(config));
log(`report: ${file}`);
if (publish && failures.length === 0) {
  fs.writeFileSync(PUBLISHED_RESULTS, renderMarkdown(report));
  log(`published: ${PUBLISHED_RESULTS}`);
}
process.exitCode = failures.length > 0 ? 1 : 0;
