/**
 * The two loads of the transport benchmark, driven the same way for every contender through
 * {@link BenchClient}: pipelined echo (keep `window` messages in flight until `n` replies came
 * back) and sequential round trips (one request, wait for its reply, repeat). Both are bounded by
 * their count and by a deadline, and check that replies come back complete and in order.
 */
import { performance } from 'node:perf_hooks';
import type { BenchClient } from './contenders/contender.js';
import { tick } from './corpus.js';
import { quantileSorted } from './stats.js';

export interface PipelinedResult {
  messages: number;
  seconds: number;
  /** Messages echoed per second (each counted once, though it crossed the wire twice). */
  perSecond: number;
  /** CPU time (user + system) this client process spent during the job, in µs. */
  cpuMicros: number;
}

export interface RttResult {
  requests: number;
  /** Round-trip times in µs. */
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** CPU time (user + system) this client process spent during the job, in µs. */
  cpuMicros: number;
  /** Every recorded round-trip time in µs, in the order they ran, when the job was asked to keep them. */
  times?: number[];
}

/** Options of {@link JobDriver.rtt}. */
export interface RttOptions {
  /** Return every time (`RttResult.times`), to be pooled with other jobs'. @default false */
  keepTimes?: boolean;
}

type Sink = (reply: unknown) => void;

const idle: Sink = () => {
  throw new Error('a reply arrived while no job was running');
};

function seqOf(reply: unknown): unknown {
  return (reply as { seq?: unknown } | null)?.seq;
}

export class JobDriver {
  #sink: Sink = idle;
  #client: BenchClient | undefined;

  /** Give this to the contender's `connect()`: it routes replies to the running job. */
  readonly onReply = (reply: unknown): void => this.#sink(reply);

  attach(client: BenchClient): void {
    this.#client = client;
  }

  /** Keeps `window` messages in flight until `n` replies arrived. */
  pipelined(n: number, window: number, timeoutMs: number): Promise<PipelinedResult> {
    const client = this.#requireClient();
    return this.#run(timeoutMs, (done, fail) => {
      let sent = 0;
      let received = 0;
      let start = 0;
      let cpu: NodeJS.CpuUsage;
      this.#sink = (reply) => {
        if (seqOf(reply) !== received) return fail(new Error(`reply ${received} carried seq ${String(seqOf(reply))}`));
        received++;
        if (sent < n) client.send(tick(sent++));
        if (received === n) {
          const seconds = (performance.now() - start) / 1000;
          cpu = process.cpuUsage(cpu);
          done({ messages: n, seconds, perSecond: n / seconds, cpuMicros: cpu.user + cpu.system });
        }
      };
      start = performance.now();
      cpu = process.cpuUsage();
      while (sent < Math.min(window, n)) client.send(tick(sent++));
      client.flush();
    });
  }

  /** `n` sequential request/reply round trips; returns their distribution. */
  rtt(n: number, timeoutMs: number, options: RttOptions = {}): Promise<RttResult> {
    const client = this.#requireClient();
    const times = new Float64Array(n);
    return this.#run(timeoutMs, (done, fail) => {
      let i = 0;
      let sentAt = 0;
      let cpu: NodeJS.CpuUsage;
      this.#sink = (reply) => {
        const now = performance.now();
        if (seqOf(reply) !== i) return fail(new Error(`reply ${i} carried seq ${String(seqOf(reply))}`));
        times[i++] = (now - sentAt) * 1000;
        if (i === n) {
          cpu = process.cpuUsage(cpu);
          const sorted = Array.from(times).sort((a, b) => a - b);
          const mean = sorted.reduce((s, t) => s + t, 0) / n;
          const result: RttResult = { requests: n, p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), p99: quantileSorted(sorted, 0.99), mean, cpuMicros: cpu.user + cpu.system };
          if (options.keepTimes === true) result.times = Array.from(times);
          done(result);
          return;
        }
        sentAt = performance.now();
        client.send(tick(i));
      };
      cpu = process.cpuUsage();
      sentAt = performance.now();
      client.send(tick(0));
      client.flush();
    });
  }

  #requireClient(): BenchClient {
    if (this.#client === undefined) throw new Error('no client attached');
    return this.#client;
  }

  /** Runs one job; whatever the outcome, the sink is reset and the deadline timer cleared. */
  #run<T>(timeoutMs: number, body: (done: (result: T) => void, fail: (error: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#sink = idle;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`job did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      body(
        (result) => {
          finish();
          resolve(result);
        },
        (error) => {
          finish();
          reject(error);
        },
      );
    });
  }
}
