import { describe, expect, it } from 'vitest';
import { interleave, roundOrder, type Trial } from './interleave.js';

describe('roundOrder', () => {
  it('runs row k of a Williams design (0, 1, n−1, 2, n−2, … shifted by k) in round 2k, and reversed in round 2k + 1', () => {
    const items = ['a', 'b', 'c', 'd'];
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((round) => roundOrder(items, round).join(''))).toEqual(['abdc', 'cdba', 'bcad', 'dacb', 'cdba', 'abdc', 'dacb', 'bcad', 'abdc']);
    expect([0, 1, 2, 3, 4, 5, 6].map((round) => roundOrder(['a', 'b', 'c'], round).join(''))).toEqual(['abc', 'cba', 'bca', 'acb', 'cab', 'bac', 'abc']);
  });

  it('alternates two items', () => {
    expect([0, 1, 2, 3].map((round) => roundOrder(['ref', 'x'], round).join(' '))).toEqual(['ref x', 'x ref', 'x ref', 'ref x']);
  });

  it('leaves its input untouched', () => {
    const items = ['a', 'b', 'c'];
    expect(roundOrder(items, 1)).toEqual(['c', 'b', 'a']);
    expect(items).toEqual(['a', 'b', 'c']);
  });

  it('runs every item at every position, and right after every other item, twice over any 2n rounds from an even one', () => {
    for (let n = 1; n <= 12; n++) {
      const items = Array.from({ length: n }, (_, i) => i);
      for (const start of [0, 2, 4, 12, 30]) {
        // at[item][position], after[previous][item]: counts over rounds start .. start + 2n − 1.
        const at = items.map(() => items.map(() => 0));
        const after = items.map(() => items.map(() => 0));
        for (let round = start; round < start + 2 * n; round++) {
          const order = roundOrder(items, round);
          expect([...order].sort((x, y) => x - y)).toEqual(items);
          order.forEach((item, position) => {
            at[item]![position]!++;
            if (position > 0) after[order[position - 1]!]![item]!++;
          });
        }
        for (const row of at) expect(row, `n = ${n}, start ${start}`).toEqual(items.map(() => 2));
        for (const [previous, row] of after.entries()) {
          expect(row, `n = ${n}, start ${start}`).toEqual(items.map((item) => (item === previous ? 0 : 2)));
        }
      }
    }
  });

  it('keeps which of a pair runs first balanced to within one round, in a run of any length', () => {
    // Runs are a few rounds (memory: 3 of 12 trials; transport: 7 of 10): what a ratio compares is
    // one pair, and neither of the two may run first in most of them.
    for (let n = 2; n <= 12; n++) {
      const items = Array.from({ length: n }, (_, i) => i);
      const firstOfPair = items.map(() => items.map(() => 0)); // rounds a ran before b, minus rounds b ran before a
      for (let round = 0; round < 3 * n; round++) {
        const position = new Map(roundOrder(items, round).map((item, at) => [item, at]));
        for (const a of items) for (const b of items) if (a !== b) firstOfPair[a]![b]! += position.get(a)! < position.get(b)! ? 1 : -1;
        for (const row of firstOfPair) for (const lead of row) expect(Math.abs(lead), `n = ${n} after round ${round}`).toBeLessThanOrEqual(1);
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
      ...['a', 'b', 'c'], // the warm-up, no onRound
      // The recorded rounds are numbered from 0: they start a cycle of their own.
      ...['a', 'b', 'c'],
      'round 1',
      ...['c', 'b', 'a'],
      'round 2',
      ...['b', 'c', 'a'],
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
