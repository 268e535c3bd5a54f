/**
 * Order statistics for benchmark samples: quantiles (linear interpolation between closest
 * ranks, as R's type 7 and numpy's default), median and inter-quartile range.
 */

/** Median and quartiles of a sample. */
export interface Summary {
  median: number;
  q1: number;
  q3: number;
  /** q3 − q1. */
  iqr: number;
  /** 90th percentile. */
  p90: number;
  min: number;
  max: number;
  /** Sample size. */
  n: number;
}

/** The `p` quantile (0 ≤ p ≤ 1) of an ascending-sorted, non-empty array. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  const at = (sorted.length - 1) * Math.min(Math.max(p, 0), 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Sorts a copy of `values` ascending. */
export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((x, y) => x - y);
}

/** Median, quartiles and extremes of a non-empty sample. */
export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return { median: quantileSorted(sorted, 0.5), q1, q3, iqr: q3 - q1, p90: quantileSorted(sorted, 0.9), min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/** Element-wise `f(a[i], b[i])`: the per-round ratios of two series measured in the same rounds. */
export function pairwise(a: readonly number[], b: readonly number[], f: (x: number, y: number) => number): number[] {
  if (a.length !== b.length) throw new RangeError(`series of different lengths (${a.length} vs ${b.length})`);
  return a.map((x, i) => f(x, b[i]!));
}
