import { describe, expect, it } from 'vitest';
import { ErrorCode, isProjError } from './errors.js';
import { createReconnectPolicy, type ReconnectPolicyOptions } from './reconnect-policy.js';

/** Delays for attempts 1..count at elapsed 0. */
function schedule(options: ReconnectPolicyOptions, count: number): (number | null)[] {
  const policy = createReconnectPolicy(options);
  return Array.from({ length: count }, (_, i) => policy.next(i + 1, 0));
}

function expectInvalid(options: ReconnectPolicyOptions, option: string): void {
  try {
    createReconnectPolicy(options);
  } catch (err) {
    expect(isProjError(err, ErrorCode.INVALID_OPTION)).toBe(true);
    expect((err as { details: { option: string } }).details.option).toBe(option);
    return;
  }
  expect.unreachable(`expected ${option} to be rejected`);
}

describe('createReconnectPolicy', () => {
  describe('strategies', () => {
    it('grows as fibonacci by default from 100 ms', () => {
      expect(schedule({ jitter: 'none' }, 8)).toEqual([100, 100, 200, 300, 500, 800, 1300, 2100]);
    });

    it('grows exponentially by factor', () => {
      expect(schedule({ strategy: 'exponential', jitter: 'none', initialDelay: 50, factor: 3 }, 5)).toEqual([50, 150, 450, 1350, 4050]);
      expect(schedule({ strategy: 'exponential', jitter: 'none' }, 4)).toEqual([100, 200, 400, 800]);
    });

    it('keeps a constant delay', () => {
      expect(schedule({ strategy: 'constant', jitter: 'none', initialDelay: 250 }, 4)).toEqual([250, 250, 250, 250]);
    });

    it('passes the 1-based attempt to a custom function', () => {
      const seen: number[] = [];
      const delays = schedule({ jitter: 'none', strategy: (n) => (seen.push(n), n * 7) }, 3);
      expect(seen).toEqual([1, 2, 3]);
      expect(delays).toEqual([7, 14, 21]);
    });

    it('caps every strategy at maxDelay', () => {
      expect(schedule({ jitter: 'none', maxDelay: 450 }, 7)).toEqual([100, 100, 200, 300, 450, 450, 450]);
      expect(schedule({ strategy: 'exponential', jitter: 'none', maxDelay: 450 }, 5)).toEqual([100, 200, 400, 450, 450]);
      expect(schedule({ strategy: () => 1e12, jitter: 'none', maxDelay: 450 }, 1)).toEqual([450]);
    });

    it('treats initialDelay 0 as a valid value, not as "use the default"', () => {
      expect(schedule({ initialDelay: 0, jitter: 'none' }, 3)).toEqual([0, 0, 0]);
      expect(schedule({ initialDelay: 0, strategy: 'exponential', jitter: 'none' }, 3)).toEqual([0, 0, 0]);
    });

    it('treats {} and no options the same', () => {
      const random = (): number => 0.5;
      expect(schedule({ random }, 10)).toEqual(schedule({ random, strategy: 'fibonacci', initialDelay: 100, maxDelay: 10_000, jitter: 'equal' }, 10));
    });
  });

  describe('custom function results (documented rule)', () => {
    const cases: [string, unknown, number][] = [
      ['NaN → maxDelay', NaN, 1000],
      ['a string → maxDelay', '5', 1000],
      ['undefined → maxDelay', undefined, 1000],
      ['+Infinity → maxDelay', Infinity, 1000],
      ['negative → 0', -50, 0],
      ['-Infinity → 0', -Infinity, 0],
      ['above the cap → maxDelay', 5000, 1000],
      ['a fraction → rounded', 12.6, 13],
    ];
    for (const [name, value, expected] of cases) {
      it(`maps ${name}`, () => {
        const policy = createReconnectPolicy({ strategy: () => value as number, jitter: 'none', maxDelay: 1000 });
        expect(policy.next(1, 0)).toBe(expected);
      });
    }
  });

  describe('jitter', () => {
    const base = { strategy: 'constant', initialDelay: 1000, maxDelay: 5000 } as const;

    it('full: u × d', () => {
      expect(createReconnectPolicy({ ...base, jitter: 'full', random: () => 0 }).next(1, 0)).toBe(0);
      expect(createReconnectPolicy({ ...base, jitter: 'full', random: () => 0.25 }).next(1, 0)).toBe(250);
    });

    it('equal: d/2 + u × d/2 (the default)', () => {
      expect(createReconnectPolicy({ ...base, random: () => 0 }).next(1, 0)).toBe(500);
      expect(createReconnectPolicy({ ...base, random: () => 0.5 }).next(1, 0)).toBe(750);
    });

    it('ratio: d × (1 ± r)', () => {
      expect(createReconnectPolicy({ ...base, jitter: 0.2, random: () => 0 }).next(1, 0)).toBe(800);
      expect(createReconnectPolicy({ ...base, jitter: 0.2, random: () => 0.5 }).next(1, 0)).toBe(1000);
      expect(createReconnectPolicy({ ...base, jitter: 0.2, random: () => 0.9999 }).next(1, 0)).toBe(1200);
    });

    it('applies maxDelay as a hard cap after jitter', () => {
      const policy = createReconnectPolicy({ strategy: 'constant', initialDelay: 1000, maxDelay: 1000, jitter: 1, random: () => 0.99 });
      expect(policy.next(1, 0)).toBe(1000);
    });

    it('clamps a misbehaving random source into [0, 1]', () => {
      expect(createReconnectPolicy({ ...base, jitter: 'full', random: () => 7 }).next(1, 0)).toBe(1000);
      expect(createReconnectPolicy({ ...base, jitter: 'full', random: () => -3 }).next(1, 0)).toBe(0);
      expect(createReconnectPolicy({ ...base, jitter: 'full', random: () => NaN }).next(1, 0)).toBe(0);
    });

    it('stays within its bounds over many draws', () => {
      let seed = 42;
      const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
      const policy = createReconnectPolicy({ ...base, jitter: 0.3, random });
      for (let i = 0; i < 1000; i++) {
        const d = policy.next(1, 0)!;
        expect(d).toBeGreaterThanOrEqual(700);
        expect(d).toBeLessThanOrEqual(1300);
      }
    });
  });

  describe('stopping', () => {
    it('returns null once attempt > maxAttempts', () => {
      expect(schedule({ jitter: 'none', maxAttempts: 3 }, 5)).toEqual([100, 100, 200, null, null]);
      expect(schedule({ maxAttempts: 0 }, 1)).toEqual([null]);
    });

    it('returns null when elapsed + delay would exceed maxElapsed', () => {
      const policy = createReconnectPolicy({ strategy: 'constant', jitter: 'none', maxElapsed: 1000 });
      expect(policy.next(5, 900)).toBe(100);
      expect(policy.next(6, 901)).toBeNull();
    });

    it('normalises nonsense arguments', () => {
      const policy = createReconnectPolicy({ jitter: 'none', maxElapsed: 1000 });
      expect(policy.next(0, 0)).toBe(100);
      expect(policy.next(NaN, NaN)).toBe(100);
      expect(policy.next(2.7, -5)).toBe(100);
    });
  });

  describe('overflow safety', () => {
    const attempts = [1000, 1476, 1500, 10_000, 1e9, Number.MAX_SAFE_INTEGER, Infinity];
    const variants: [string, ReconnectPolicyOptions][] = [
      ['fibonacci', {}],
      ['exponential', { strategy: 'exponential' }],
      ['exponential with a huge factor', { strategy: 'exponential', factor: 1e300 }],
      ['fibonacci from a tiny initialDelay', { initialDelay: Number.MIN_VALUE, maxDelay: 2_147_483_647 }],
      ['initialDelay 0', { initialDelay: 0, strategy: 'exponential' }],
      ['fibonacci with initialDelay 0', { initialDelay: 0 }],
      ['full jitter', { jitter: 'full' }],
      ['ratio jitter', { jitter: 1 }],
      ['a function returning Infinity', { strategy: () => Infinity }],
    ];
    for (const [name, options] of variants) {
      it(`returns a finite delay <= maxDelay at huge attempts (${name})`, () => {
        const policy = createReconnectPolicy({ random: () => 0.999, ...options });
        const cap = options.maxDelay ?? 10_000;
        for (const attempt of attempts) {
          const d = policy.next(attempt, 0);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(cap);
        }
      });
    }

    it('reaches the cap for fibonacci at attempt 10,000', () => {
      expect(createReconnectPolicy({ jitter: 'none' }).next(10_000, 0)).toBe(10_000);
    });
  });

  describe('validation', () => {
    const bad: [string, ReconnectPolicyOptions][] = [
      ['initialDelay', { initialDelay: -1 }],
      ['initialDelay', { initialDelay: NaN }],
      ['initialDelay', { initialDelay: 20_000 }],
      ['maxDelay', { maxDelay: Infinity }],
      ['maxDelay', { maxDelay: 2 ** 31 }],
      ['maxDelay', { maxDelay: -5 }],
      ['factor', { factor: 0.5 }],
      ['factor', { factor: NaN }],
      ['jitter', { jitter: 1.5 }],
      ['jitter', { jitter: -0.1 }],
      ['jitter', { jitter: 'half' as 'full' }],
      ['maxAttempts', { maxAttempts: -1 }],
      ['maxAttempts', { maxAttempts: 2.5 }],
      ['maxElapsed', { maxElapsed: -1 }],
      ['maxElapsed', { maxElapsed: NaN }],
      ['strategy', { strategy: 'linear' as 'constant' }],
      ['random', { random: 4 as unknown as () => number }],
    ];
    for (const [option, options] of bad) {
      it(`rejects ${option} = ${String(Object.values(options)[0])}`, () => expectInvalid(options, option));
    }

    it('accepts boundary values', () => {
      expect(() => createReconnectPolicy({ initialDelay: 0, maxDelay: 0, factor: 1, jitter: 0, maxAttempts: 0, maxElapsed: 0 })).not.toThrow();
      expect(() => createReconnectPolicy({ maxAttempts: Infinity, maxElapsed: Infinity, jitter: 1 })).not.toThrow();
    });
  });
});
