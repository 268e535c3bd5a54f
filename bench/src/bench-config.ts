/**
 * Sizes of every benchmark in the two modes: quick (the default, ~70 s on 2 cores, 74 s wall
 * through nx: ~45 s of transport in 2 rounds, ~7 s of each round spent starting the 18 processes
 * of its pairs together, ~8 s of reconnect and ~10 s of memory at the default heap only; with the
 * processes started one at a time it took 85 s, 92 s wall in R55) and full (~10-11 min, the one
 * RESULTS.md comes from, with raw net writing in parts added to the transport). Every load loop
 * is bounded by these numbers and by a deadline, so a stuck contender fails its measurement
 * instead of hanging the run.
 */

export interface BenchConfig {
  mode: 'quick' | 'full';
  /** Decode and encode. */
  framing: { corpusBytes: number; rounds: number; warmup: number; chunkSizes: number[] };
  /**
   * Loopback transport. `warmupMessages` and `warmupRequests` run unmeasured right before the
   * pipelined and the round-trip loads: 5,000 round trips cover V8's compilation of the round
   * trip's path, which ends within ~3,000 of them (see `transport-bench.ts`). Each measured load
   * runs in `blocks` blocks (`messages / blocks` messages, `requests / blocks` round trips), the
   * pairs' blocks interleaved, each round-trip block after `blockLeadIn` unrecorded round trips.
   * `context`: also run the contenders that qualify a row without being judged (raw net writing
   * in parts, which is also the A/A control of the round trips).
   */
  transport: { messages: number; window: number; requests: number; rounds: number; warmupMessages: number; warmupRequests: number; blocks: number; blockLeadIn: number; jobTimeoutMs: number; context: boolean };
  /**
   * Idle connections held by one server process. `variants` (see `memory-bench.ts`): `default`,
   * the definition and the one the target is judged on; `pinned`, the young generation
   * pinned, which explains it; `talked`, the default heap with connections that exchanged one
   * message each way before going idle, as most connections of a real server have.
   */
  memory: { connections: number; rounds: number; openConcurrency: number; variants: ReadonlyArray<'default' | 'pinned' | 'talked'> };
  /** Server restarts: outage lengths in ms, each run `repeat` times (in a seeded shuffled order). */
  reconnect: { outagesMs: number[]; repeat: number; settleMs: number; reconnectTimeoutMs: number };
}

export const QUICK: BenchConfig = {
  mode: 'quick',
  framing: { corpusBytes: 3 * 1024 * 1024, rounds: 5, warmup: 1, chunkSizes: [64 * 1024, 1024] },
  transport: { messages: 60_000, window: 2_000, requests: 4_000, rounds: 2, warmupMessages: 20_000, warmupRequests: 5_000, blocks: 4, blockLeadIn: 1_000, jobTimeoutMs: 60_000, context: false },
  memory: { connections: 2_000, rounds: 1, openConcurrency: 200, variants: ['default'] },
  reconnect: { outagesMs: [100, 400, 1500], repeat: 1, settleMs: 150, reconnectTimeoutMs: 15_000 },
};

export const FULL: BenchConfig = {
  mode: 'full',
  framing: { corpusBytes: 8 * 1024 * 1024, rounds: 11, warmup: 2, chunkSizes: [64 * 1024, 1024] },
  transport: { messages: 200_000, window: 2_000, requests: 20_000, rounds: 7, warmupMessages: 50_000, warmupRequests: 5_000, blocks: 10, blockLeadIn: 1_000, jobTimeoutMs: 120_000, context: true },
  memory: { connections: 5_000, rounds: 3, openConcurrency: 200, variants: ['default', 'pinned', 'talked'] },
  reconnect: { outagesMs: [50, 100, 250, 500, 1000, 2000], repeat: 10, settleMs: 200, reconnectTimeoutMs: 15_000 },
};
