/**
 * A comparison: one contender against the reference measured in the same rounds, reduced to the
 * median and quartiles of the per-round ratios (and of the absolute values, for context).
 */
import { pairwise, summarize, type Summary } from './stats.js';

/** The benchmark families, in report order. */
export type Section = 'decode' | 'encode' | 'transport' | 'memory' | 'reconnect';

export interface Comparison {
  section: Section;
  /** What was measured, e.g. `small msgs, 64 KiB chunks` or `tcp pipelined`. */
  case: string;
  contender: string;
  /** What 1.00 is. */
  reference: string;
  /** e.g. `throughput`, `RTT p50`, `RSS per connection`. */
  metric: string;
  /** Whether a ratio above 1 is good (throughput) or bad (latency, memory). */
  better: 'higher' | 'lower';
  /** contender ÷ reference, per round. */
  ratio: Summary;
  /** The contender's absolute values. */
  value: Summary;
  /** The reference's absolute values. */
  referenceValue: Summary;
  /** Unit of `value` and `referenceValue`. */
  unit: string;
}

/** Fields of a {@link Comparison} that describe it, as opposed to the numbers. */
export type ComparisonLabel = Omit<Comparison, 'ratio' | 'value' | 'referenceValue'>;

/** Builds a comparison from two series measured in the same rounds (same length, same order). */
export function compare(label: ComparisonLabel, contender: readonly number[], reference: readonly number[]): Comparison {
  return {
    ...label,
    ratio: summarize(pairwise(contender, reference, (c, r) => c / r)),
    value: summarize(contender),
    referenceValue: summarize(reference),
  };
}
