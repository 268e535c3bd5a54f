/**
 * Interleaved rounds: every contender and its reference run once per round, in an order that
 * changes from round to round (see {@link roundOrder}), so machine noise (±30 % between rounds
 * here) hits them alike and each ratio compares two measurements taken moments apart.
 */

/** One thing to measure. `run` returns one sample (its unit is the caller's). */
export interface Trial<Sample> {
  id: string;
  run: () => Promise<Sample> | Sample;
}

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  /** Recorded rounds. */
  rounds: number;
  /** Unrecorded rounds first (JIT warm-up, connection set-up, lazy allocation). @default 1 */
  warmup?: number;
  /** Called after each recorded round, for progress output. */
  onRound?: (round: number) => void;
}

/**
 * The order of round `r`, from a Williams design: row `k` is `0, 1, n−1, 2, n−2, …` shifted by
 * `k` (mod n), and round `2k` runs row `k`, round `2k + 1` the same row reversed. Every two rounds
 * each pair of trials runs once in each order, so even a run of a few rounds is balanced for who
 * goes first in a pair, to within one round; over each full cycle of 2n rounds each trial also
 * runs at every position, and right after every other trial, equally often: what a trial leaves
 * behind (a warm cache, a GC debt, a busy kernel) falls on every other trial alike. Rotating and
 * reversing every other round, as this did before, ran two trials in the same order every round,
 * and for any even n kept each trial at positions of one parity, beside the same two trials.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  const shift = Math.floor(round / 2) % n;
  const order = items.map((_, j) => items[(williams(j, n) + shift) % n]!);
  return round % 2 === 1 ? order.reverse() : order;
}

/** Position `j` of the first row of a Williams design of `n` items: 0, 1, n−1, 2, n−2, … */
function williams(j: number, n: number): number {
  return j % 2 === 1 ? (j + 1) / 2 : (n - j / 2) % n;
}

/** Runs every trial once per round; returns the recorded samples per trial id, in round order. */
export async function interleave<Sample>(trials: readonly Trial<Sample>[], options: InterleaveOptions): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(trials.map((t) => [t.id, []]));
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup + options.rounds; round++) {
    // Numbered from the first recorded round, so that the recorded ones start a cycle.
    for (const trial of roundOrder(trials, round < warmup ? round : round - warmup)) {
      const sample = await trial.run();
      if (round >= warmup) samples.get(trial.id)!.push(sample);
    }
    if (round >= warmup) options.onRound?.(round - warmup + 1);
  }
  return samples;
}
