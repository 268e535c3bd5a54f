/**
 * The figures the reliability suite reports (SIGKILLs survived, messages accounted, peaks): one
 * line each on stdout, prefixed so they can be grepped out of a CI log.
 */
export function report(topic: string, figures: object): void {
  console.info(`[reliability] ${topic}: ${JSON.stringify(figures)}`);
}

/** The largest number of timestamps (ms) inside any window of `width` ms (a sliding window). */
export function slidingPeak(timestamps: readonly number[], width: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let peak = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= width) from++;
    peak = Math.max(peak, to - from + 1);
  }
  return peak;
}

/** The largest count in fixed buckets of `width` ms, counted from `origin`. */
export function bucketPeak(timestamps: readonly number[], width: number, origin: number): number {
  const buckets = new Map<number, number>();
  for (const t of timestamps) {
    const bucket = Math.floor((t - origin) / width);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  return Math.max(0, ...buckets.values());
}

/** Spearman's rank correlation of two equally long samples (1: the same order; ties ranked by position). */
export function rankCorrelation(xs: readonly number[], ys: readonly number[]): number {
  const ranks = (values: readonly number[]): number[] => {
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
    const rank = new Array<number>(values.length);
    order.forEach((index, position) => (rank[index] = position));
    return rank;
  };
  const rx = ranks(xs);
  const ry = ranks(ys);
  const n = xs.length;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (rx[i]! - ry[i]!) ** 2;
  return 1 - (6 * squares) / (n * (n * n - 1));
}

/** The median of a non-empty sample (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
