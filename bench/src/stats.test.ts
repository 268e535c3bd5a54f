import { describe, expect, it } from 'vitest';
import { pairwise, quantileSorted, summarize } from './stats.js';

describe('quantileSorted', () => {
  it('interpolates linearly between the closest ranks, as R type 7 and numpy do', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantileSorted(sorted, 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted(sorted, 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted(sorted, 0.75)).toBeCloseTo(3.25, 12);
    expect(quantileSorted(sorted, 0.9)).toBeCloseTo(3.7, 12);
  });

  it('matches numpy.quantile on uneven gaps', () => {
    // numpy.quantile([1, 2, 3, 4, 7, 10], [0.5, 0.75]) == [3.5, 6.25]; ([1, 3, 7, 15, 31], 0.3) == 3.8
    expect(quantileSorted([1, 2, 3, 4, 7, 10], 0.5)).toBeCloseTo(3.5, 12);
    expect(quantileSorted([1, 2, 3, 4, 7, 10], 0.75)).toBeCloseTo(6.25, 12);
    expect(quantileSorted([1, 3, 7, 15, 31], 0.3)).toBeCloseTo(3.8, 12);
  });

  it('returns a sample value exactly when p falls on a rank', () => {
    const sorted = [10, 20, 30, 40, 50];
    expect(quantileSorted(sorted, 0)).toBe(10);
    expect(quantileSorted(sorted, 0.25)).toBe(20);
    expect(quantileSorted(sorted, 0.5)).toBe(30);
    expect(quantileSorted(sorted, 1)).toBe(50);
  });

  it('clamps p to [0, 1]', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantileSorted(sorted, -0.5)).toBe(1);
    expect(quantileSorted(sorted, 1.5)).toBe(4);
  });

  it('returns the one element of a single-element sample for any p', () => {
    for (const p of [0, 0.25, 0.5, 0.9, 1]) expect(quantileSorted([42], p)).toBe(42);
  });

  it('throws a RangeError on an empty sample', () => {
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives the median, quartiles, iqr, p90, extremes and size of an unsorted sample', () => {
    // Sorted: [1, 3, 5, 7, 9]; p90 sits at rank 3.6, between 7 and 9.
    const s = summarize([9, 1, 5, 3, 7]);
    expect(s.median).toBe(5);
    expect(s.q1).toBe(3);
    expect(s.q3).toBe(7);
    expect(s.iqr).toBe(4);
    expect(s.p90).toBeCloseTo(8.2, 12);
    expect(s.min).toBe(1);
    expect(s.max).toBe(9);
    expect(s.n).toBe(5);
  });

  it('interpolates the quartiles of an even-sized sample and takes iqr as q3 − q1', () => {
    const s = summarize([4, 3, 2, 1]);
    expect(s.median).toBeCloseTo(2.5, 12);
    expect(s.q1).toBeCloseTo(1.75, 12);
    expect(s.q3).toBeCloseTo(3.25, 12);
    expect(s.iqr).toBeCloseTo(s.q3 - s.q1, 12);
    expect(s.iqr).toBeCloseTo(1.5, 12);
    expect(s.p90).toBeCloseTo(3.7, 12);
  });

  it('sorts numerically, not as strings', () => {
    const s = summarize([10, 9, 100, 2]);
    expect(s.min).toBe(2);
    expect(s.max).toBe(100);
    expect(s.median).toBeCloseTo(9.5, 12);
  });

  it('leaves its input untouched', () => {
    const values = [9, 1, 5, 3, 7];
    summarize(values);
    expect(values).toEqual([9, 1, 5, 3, 7]);
  });

  it('throws a RangeError on an empty sample', () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('pairwise', () => {
  it('applies f element by element, with a[i] first and b[i] second', () => {
    expect(pairwise([6, 8, 9], [3, 2, 3], (x, y) => x / y)).toEqual([2, 4, 3]);
    expect(pairwise([5, 1], [2, 4], (x, y) => x - y)).toEqual([3, -3]);
  });

  it('returns an empty series for two empty series', () => {
    expect(pairwise([], [], (x, y) => x + y)).toEqual([]);
  });

  it('throws a RangeError when the series differ in length', () => {
    expect(() => pairwise([1, 2, 3], [1, 2], (x, y) => x / y)).toThrow(RangeError);
    expect(() => pairwise([1], [1, 2], (x, y) => x / y)).toThrow(RangeError);
  });
});
