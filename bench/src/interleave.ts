/**
 * Interleaved rounds: every contender and its reference run once per round, in an order that
 * rotates from round to round, so machine noise (±30 % between rounds here) hits them alike and
 * each ratio compares two measurements taken moments apart.
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

/** The order of round `r`: rotated by `r`, and reversed on odd rounds, so nobody always runs first or after the same neighbour. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const n = items.length;
  const rotated = items.map((_, i) => items[(i + round) % n]!);
  return round % 2 === 1 ? rotated.reverse() : rotated;
}

/** Runs every trial once per round; returns the recorded samples per trial id, in round order. */
export async function interleave<Sample>(trials: readonly Trial<Sample>[], options: InterleaveOptions): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(trials.map((t) => [t.id, []]));
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup + options.rounds; round++) {
    for (const trial of roundOrder(trials, round)) {
      const sample = await trial.run();
      if (round >= warmup) samples.get(trial.id)!.push(sample);
    }
    if (round >= warmup) options.onRound?.(round - warmup + 1);
  }
  return samples;
}
