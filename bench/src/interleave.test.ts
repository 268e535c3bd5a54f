import { describe, expect, it } from 'vitest';
import { interleave, roundOrder, type Trial } from './interleave.js';

describe('roundOrder', () => {
  it('follows a Williams design: 0, 1, n−1, 2, n−2, … shifted by the round', () => {
    const items = ['a', 'b', 'c', 'd'];
    expect([0, 1, 2, 3, 4].map((round) => roundOrder(items, round).join(''))).toEqual(['abdc', 'bcad', 'cdba', 'dacb', 'abdc']);
  });

  it('reverses the second n rounds of every 2n when n is odd', () => {
    const items = ['a', 'b', 'c'];
    expect([0, 1, 2, 3, 4, 5, 6].map((round) => roundOrder(items, round).join(''))).toEqual(['abc', 'bca', 'cab', 'cba', 'acb', 'bac', 'abc']);
  });

  it('alternates two items', () => {
    expect([0, 1, 2, 3].map((round) => roundOrder(['ref', 'x'], round).join(' '))).toEqual(['ref x', 'x ref', 'ref x', 'x ref']);
  });

  it('leaves its input untouched', () => {
    const items = ['a', 'b', 'c', 'd'];
    roundOrder(items, 1);
    expect(items).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs every item at every position, and right after every other item, equally often over any full period', () => {
    for (let n = 1; n <= 12; n++) {
      const items = Array.from({ length: n }, (_, i) => i);
      // A period is n rounds for an even n, 2n for an odd one.
      const period = n % 2 === 0 ? n : 2 * n;
      for (const start of [0, 1, 4, 11]) {
        // at[item][position], after[previous][item]: counts over rounds start .. start + period − 1.
        const at = items.map(() => items.map(() => 0));
        const after = items.map(() => items.map(() => 0));
        for (let round = start; round < start + period; round++) {
          const order = roundOrder(items, round);
          expect([...order].sort((x, y) => x - y)).toEqual(items);
          order.forEach((item, position) => {
            at[item]![position]!++;
            if (position > 0) after[order[position - 1]!]![item]!++;
          });
        }
        for (const row of at) expect(row, `n = ${n}, start ${start}`).toEqual(items.map(() => period / n));
        // Each ordered pair of distinct items is adjacent once per n rounds (twice per 2n for an odd n).
        for (const [previous, row] of after.entries()) {
          expect(row, `n = ${n}, start ${start}`).toEqual(items.map((item) => (item === previous ? 0 : period / n)));
        }
      }
    }
  });
});

/** Trials that log each run and return how many times they have run (1, 2, 3 …). */
function countingTrials(ids: readonly string[], log: string[]): Trial<number>[] {
  return ids.map((id) => {
    let runs = 0;
    return {
      id,
      run: () => {
        log.push(id);
        return ++runs;
      },
    };
  });
}

describe('interleave', () => {
  it('runs each trial once per round, warm-up rounds included', async () => {
    const log: string[] = [];
    await interleave(countingTrials(['a', 'b', 'c'], log), { rounds: 4, warmup: 2 });
    expect(log.filter((id) => id === 'a')).toHaveLength(6);
    expect(log.filter((id) => id === 'b')).toHaveLength(6);
    expect(log.filter((id) => id === 'c')).toHaveLength(6);
  });

  it('records the samples of every round after the warm-up, per id, in round order', async () => {
    const samples = await interleave(countingTrials(['a', 'b', 'c'], []), { rounds: 4, warmup: 2 });
    expect([...samples.keys()]).toEqual(['a', 'b', 'c']);
    // Runs 1 and 2 were the warm-up.
    expect(samples.get('a')).toEqual([3, 4, 5, 6]);
    expect(samples.get('b')).toEqual([3, 4, 5, 6]);
    expect(samples.get('c')).toEqual([3, 4, 5, 6]);
  });

  it('runs one warm-up round by default', async () => {
    const log: string[] = [];
    const samples = await interleave(countingTrials(['a', 'b'], log), { rounds: 3 });
    expect(log).toHaveLength(8);
    expect(samples.get('a')).toEqual([2, 3, 4]);
    expect(samples.get('b')).toEqual([2, 3, 4]);
  });

  it('records every round when warmup is 0', async () => {
    const samples = await interleave(countingTrials(['a', 'b'], []), { rounds: 3, warmup: 0 });
    expect(samples.get('a')).toEqual([1, 2, 3]);
    expect(samples.get('b')).toEqual([1, 2, 3]);
  });

  it('runs each round in roundOrder and calls onRound with 1 .. rounds after each recorded round', async () => {
    const log: string[] = [];
    await interleave(countingTrials(['a', 'b', 'c'], log), { rounds: 3, onRound: (round) => log.push(`round ${round}`) });
    expect(log).toEqual([
      ...['a', 'b', 'c'], // round 0: the warm-up, no onRound
      ...['b', 'c', 'a'],
      'round 1',
      ...['c', 'a', 'b'],
      'round 2',
      ...['c', 'b', 'a'], // round 3 = n: round 0's order reversed
      'round 3',
    ]);
  });

  it('returns an empty series per id when there are no recorded rounds', async () => {
    const log: string[] = [];
    const samples = await interleave(countingTrials(['a', 'b'], log), { rounds: 0, warmup: 1 });
    expect(log).toEqual(['a', 'b']);
    expect(samples.get('a')).toEqual([]);
    expect(samples.get('b')).toEqual([]);
  });

  it('awaits each async trial before starting the next, so no two trials overlap', async () => {
    let active = 0;
    let maxActive = 0;
    const trial = (id: string, value: number): Trial<number> => ({
      id,
      run: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        // Yield to the event loop a few times: a caller that did not await would start the next trial here.
        for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        active--;
        return value;
      },
    });
    const sync: Trial<number> = { id: 'sync', run: () => 0 };
    const samples = await interleave([trial('a', 1), sync, trial('b', 2)], { rounds: 3 });
    expect(maxActive).toBe(1);
    expect(active).toBe(0);
    expect(samples.get('a')).toEqual([1, 1, 1]);
    expect(samples.get('sync')).toEqual([0, 0, 0]);
    expect(samples.get('b')).toEqual([2, 2, 2]);
  });

  it('rejects with the error of a failing trial', async () => {
    const failing: Trial<number> = {
      id: 'bad',
      run: async () => {
        throw new Error('trial failed');
      },
    };
    await expect(interleave([failing], { rounds: 1 })).rejects.toThrow('trial failed');
  });
});
