import { describe, expect, it } from 'vitest';
import { roundSample, startFailure, type RoundTally } from './transport-bench.js';

describe('roundSample', () => {
  const tally = (overrides: Partial<RoundTally> = {}): RoundTally => ({
    pipelined: [
      { messages: 1000, seconds: 1, cpuMicros: 3000 },
      { messages: 1000, seconds: 3, cpuMicros: 1000 },
    ],
    trips: [
      { times: [10, 11, 12, 13], cpuMicros: 40 },
      { times: [100, 101, 102, 103], cpuMicros: 360 },
    ],
    warmupP99: 7,
    ...overrides,
  });

  it('takes throughput over the summed time, not the mean of per-block rates', () => {
    // 2,000 messages in 4 s: 500 msg/s (the mean of 1,000 and 333 msg/s would be 667).
    expect(roundSample(tally()).perSecond).toBe(500);
  });

  it('divides summed CPU by summed messages and round trips', () => {
    const sample = roundSample(tally());
    expect(sample.cpuPerMessage).toBe(2);
    expect(sample.cpuPerTrip).toBe(50);
  });

  it('takes percentiles over all round trips pooled, not over per-block percentiles', () => {
    const sample = roundSample(tally());
    // Pooled and sorted: 10 11 12 13 100 101 102 103; type-7 median between 13 and 100.
    expect(sample.p50).toBe(56.5);
    // p99 at index 6.93: 102 + 0.93 × 1 (the median of the blocks' p99s would be ~58).
    expect(sample.p99).toBeCloseTo(102.93, 10);
    expect(sample.warmupP99).toBe(7);
  });

  it('refuses a round with no pipelined block or no round trip', () => {
    expect(() => roundSample(tally({ pipelined: [] }))).toThrow(/at least one/);
    expect(() => roundSample(tally({ trips: [{ times: [], cpuMicros: 0 }] }))).toThrow(/at least one/);
  });
});

describe('startFailure', () => {
  const ok = { status: 'fulfilled', value: 1 } as const;
  const failed = (message: string): PromiseRejectedResult => ({ status: 'rejected', reason: new Error(message) });

  it('is the reason itself when one start failed', () => {
    const reason = failed('server exited');
    expect(startFailure([ok, reason, ok], 'pairs')).toBe(reason.reason);
  });

  it('keeps every reason when several failed', () => {
    const error = startFailure([failed('server exited'), ok, failed('client timed out')], 'pairs');
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['server exited', 'client timed out']);
    expect((error as Error).message).toBe('2 pairs failed to start: Error: server exited; Error: client timed out');
  });
});
