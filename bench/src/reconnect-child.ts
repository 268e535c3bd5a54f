/**
 * Child process: the reconnect benchmark's clients, in a process of their own. In the main
 * process they ran after the decode and encode sections, and @proj's reconnects were slower at
 * the tail there than in a fresh process (see `reconnectBenchInChild`).
 */
import type { BenchConfig } from './bench-config.js';
import { serveParent } from './child-ipc.js';
import { reconnectBench } from './reconnect-bench.js';

const started = Date.now();
serveParent((body) => {
  const { config } = body as { config: BenchConfig };
  return reconnectBench(config, (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] (reconnect process) ${line}`));
});
