import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BenchClient } from './contenders/contender.js';
import { roundSample, type RoundTally } from './transport-bench.js';
import { JobDriver } from './transport-jobs.js';

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

/** A client whose server echoes each message on a later turn of the event loop, as a socket would. */
function echoClient(driver: JobDriver): BenchClient & { sent: unknown[] } {
  const sent: unknown[] = [];
  return {
    sent,
    send(message) {
      sent.push(message);
      setImmediate(() => driver.onReply(message));
    },
    flush() {},
    close: async () => {},
  };
}

describe('JobDriver.rtt', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs the lead-in first, unrecorded, and keeps only the recorded times when asked', async () => {
    // A clock that only moves when the echo answers: round trip `seq` takes 1 s in the lead-in, `seq` ms after it.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const driver = new JobDriver();
    const sent: number[] = [];
    driver.attach({
      send(message) {
        const seq = (message as { seq: number }).seq;
        sent.push(seq);
        setImmediate(() => {
          now += seq < 3 ? 1000 : seq;
          driver.onReply(message);
        });
      },
      flush() {},
      close: async () => {},
    });
    const result = await driver.rtt(5, 5000, { leadIn: 3, keepTimes: true });
    // Every round trip ran, numbered on through the lead-in; the five after it were recorded, in µs.
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.requests).toBe(5);
    expect(result.times).toEqual([3000, 4000, 5000, 6000, 7000]);
    expect(result.p50).toBe(5000);
    expect(result.mean).toBe(5000);
  });

  it('returns no times unless asked, and runs no lead-in by default', async () => {
    const driver = new JobDriver();
    const client = echoClient(driver);
    driver.attach(client);
    const result = await driver.rtt(4, 5000);
    expect(client.sent).toHaveLength(4);
    expect(result.times).toBeUndefined();
  });

  it('fails a job whose reply carries the wrong sequence number, lead-in included', async () => {
    const driver = new JobDriver();
    driver.attach({ send: () => setImmediate(() => driver.onReply({ seq: 9 })), flush() {}, close: async () => {} });
    await expect(driver.rtt(2, 5000, { leadIn: 2 })).rejects.toThrow(/reply 0 carried seq 9/);
  });
});
