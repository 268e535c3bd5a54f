import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobDriver } from './transport-jobs.js';

/**
 * A driver whose client's server echoes each message on a later turn of the event loop, as a
 * socket would, with a clock that only moves when it answers: round trip `seq` takes `msFor(seq)` ms.
 */
function echoing(msFor: (seq: number) => number): { driver: JobDriver; sent: number[] } {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const driver = new JobDriver();
  const sent: number[] = [];
  driver.attach({
    send(message) {
      const seq = (message as { seq: number }).seq;
      sent.push(seq);
      setImmediate(() => {
        now += msFor(seq);
        driver.onReply(message);
      });
    },
    flush() {},
    close: async () => {},
  });
  return { driver, sent };
}

describe('JobDriver', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('times each round trip in µs, in order, and returns the times only when asked', async () => {
    const { driver, sent } = echoing((seq) => seq + 1);
    const kept = await driver.rtt(5, 5000, { keepTimes: true });
    expect(sent).toEqual([0, 1, 2, 3, 4]);
    expect(kept.requests).toBe(5);
    expect(kept.times).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(kept.p50).toBe(3000);
    expect(kept.mean).toBe(3000);
    const plain = await driver.rtt(3, 5000);
    expect(plain.times).toBeUndefined();
    expect(plain.p50).toBe(2000);
  });

  it('runs jobs of both kinds one after the other, and refuses a reply between them', async () => {
    const { driver, sent } = echoing(() => 1);
    expect((await driver.rtt(2, 5000)).requests).toBe(2);
    const pipelined = await driver.pipelined(5, 2, 5000);
    expect(pipelined.messages).toBe(5);
    // From the first send (2 ms on the clock) to the fifth reply (7 ms).
    expect(pipelined.seconds).toBeCloseTo(0.005);
    expect(pipelined.perSecond).toBeCloseTo(1000);
    expect(pipelined.cpuMicros).toBeGreaterThanOrEqual(0);
    // Two in flight from the start, then one more per reply until all 5 are sent, in order.
    expect(sent).toEqual([0, 1, 0, 1, 2, 3, 4]);
    expect(() => driver.onReply({ seq: 0 })).toThrow(/no job was running/);
    expect((await driver.rtt(3, 5000, { keepTimes: true })).times).toEqual([1000, 1000, 1000]);
  });

  it('fails a job whose reply carries the wrong sequence number', async () => {
    const driver = new JobDriver();
    // Every reply carries seq 0: the first is right, the second is not.
    driver.attach({ send: () => setImmediate(() => driver.onReply({ seq: 0 })), flush() {}, close: async () => {} });
    await expect(driver.rtt(3, 5000)).rejects.toThrow(/reply 1 carried seq 0/);
    expect(() => driver.onReply({ seq: 0 })).toThrow(/no job was running/);
  });

  it('ends a job at its deadline, leaves no timer after any outcome, and runs the next job', async () => {
    vi.useFakeTimers();
    try {
      const driver = new JobDriver();
      let mode: 'silent' | 'throw' | 'echo' = 'silent';
      driver.attach({
        send(message) {
          if (mode === 'throw') throw new Error('socket closed');
          if (mode === 'echo') queueMicrotask(() => driver.onReply(message));
        },
        flush() {},
        close: async () => {},
      });
      const silent = driver.rtt(3, 1000);
      // One job at a time.
      await expect(driver.pipelined(2, 2, 1000)).rejects.toThrow(/another job \(rtt\) is still running/);
      vi.advanceTimersByTime(1000);
      await expect(silent).rejects.toThrow(/did not finish within 1000 ms/);
      expect(() => driver.onReply({ seq: 0 })).toThrow(/no job was running/);
      mode = 'throw';
      await expect(driver.rtt(3, 1000)).rejects.toThrow(/socket closed/);
      expect(vi.getTimerCount()).toBe(0);
      mode = 'echo';
      expect((await driver.rtt(3, 1000)).requests).toBe(3);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
