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

/** How a running job ends. */
interface Job<T> {
  done(result: T): void;
  fail(error: Error): void;
}

/** The state of a pipelined job: fields, not a closure, so that one compiled method serves every job. */
interface PipelinedJob extends Job<PipelinedResult> {
  kind: 'pipelined';
  client: BenchClient;
  n: number;
  sent: number;
  received: number;
  start: number;
  cpu: NodeJS.CpuUsage;
}

/** The state of a round-trip job (see {@link PipelinedJob}). */
interface RttJob extends Job<RttResult> {
  kind: 'rtt';
  client: BenchClient;
  n: number;
  i: number;
  sentAt: number;
  times: Float64Array;
  keepTimes: boolean;
  cpu: NodeJS.CpuUsage;
}

/** A job's CPU reading until it starts. */
const NO_CPU: NodeJS.CpuUsage = { user: 0, system: 0 };

function seqOf(reply: unknown): unknown {
  return (reply as { seq?: unknown } | null)?.seq;
}

/**
 * Runs the jobs of one client process, one at a time. Replies go through one `onReply` to
 * methods that read the running job's fields. A closure made per job was a new function each time:
 * V8 recompiled it, and the send path it inlines, at the start of every job (TurboFan, 10–12 ms on
 * @proj's client, on a background thread of the client's one CPU), inside the measured job. The
 * methods are compiled a few times in the first jobs (their job-end branch deopts once), then kept.
 */
export class JobDriver {
  #job: PipelinedJob | RttJob | undefined;
  #client: BenchClient | undefined;

  /** Give this to the contender's `connect()`: it routes replies to the running job. */
  readonly onReply = (reply: unknown): void => {
    const job = this.#job;
    if (job === undefined) throw new Error('a reply arrived while no job was running');
    if (job.kind === 'rtt') JobDriver.#rttReply(job, reply);
    else JobDriver.#pipelinedReply(job, reply);
  };

  attach(client: BenchClient): void {
    this.#client = client;
  }

  /** Keeps `window` messages in flight until `n` replies arrived. */
  pipelined(n: number, window: number, timeoutMs: number): Promise<PipelinedResult> {
    const client = this.#requireClient();
    return this.#run<PipelinedResult, PipelinedJob>(
      timeoutMs,
      (done, fail) => ({ kind: 'pipelined', client, n, sent: 0, received: 0, done, fail, cpu: NO_CPU, start: 0 }),
      (job) => {
        // The readings last, right before the first send.
        job.cpu = process.cpuUsage();
        job.start = performance.now();
        while (job.sent < Math.min(window, n)) client.send(tick(job.sent++));
        client.flush();
      },
    );
  }

  static #pipelinedReply(job: PipelinedJob, reply: unknown): void {
    if (seqOf(reply) !== job.received) return job.fail(new Error(`reply ${job.received} carried seq ${String(seqOf(reply))}`));
    job.received++;
    if (job.sent < job.n) job.client.send(tick(job.sent++));
    if (job.received === job.n) {
      const seconds = (performance.now() - job.start) / 1000;
      const cpu = process.cpuUsage(job.cpu);
      job.done({ messages: job.n, seconds, perSecond: job.n / seconds, cpuMicros: cpu.user + cpu.system });
    }
  }

  /** `n` sequential request/reply round trips; returns their distribution. */
  rtt(n: number, timeoutMs: number, options: RttOptions = {}): Promise<RttResult> {
    const client = this.#requireClient();
    return this.#run<RttResult, RttJob>(
      timeoutMs,
      (done, fail) => ({ kind: 'rtt', client, n, i: 0, sentAt: 0, times: new Float64Array(n), keepTimes: options.keepTimes === true, done, fail, cpu: NO_CPU }),
      (job) => {
        // The readings last, right before the first send.
        job.cpu = process.cpuUsage();
        job.sentAt = performance.now();
        client.send(tick(0));
        client.flush();
      },
    );
  }

  static #rttReply(job: RttJob, reply: unknown): void {
    const now = performance.now();
    if (seqOf(reply) !== job.i) return job.fail(new Error(`reply ${job.i} carried seq ${String(seqOf(reply))}`));
    job.times[job.i++] = (now - job.sentAt) * 1000;
    if (job.i === job.n) {
      const cpu = process.cpuUsage(job.cpu);
      const sorted = Array.from(job.times).sort((a, b) => a - b);
      const mean = sorted.reduce((s, t) => s + t, 0) / job.n;
      const result: RttResult = { requests: job.n, p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), p99: quantileSorted(sorted, 0.99), mean, cpuMicros: cpu.user + cpu.system };
      if (job.keepTimes) result.times = Array.from(job.times);
      job.done(result);
      return;
    }
    job.sentAt = performance.now();
    job.client.send(tick(job.i));
  }

  #requireClient(): BenchClient {
    if (this.#client === undefined) throw new Error('no client attached');
    return this.#client;
  }

  /**
   * Runs one job: `make` builds it, `start` sends its first messages. Whatever the outcome (done,
   * failed, timed out, or `make`/`start` threw), its deadline timer is cleared and it stops
   * receiving replies. One job at a time: a second one is refused while one runs.
   */
  #run<T, J extends PipelinedJob | RttJob>(timeoutMs: number, make: (done: (result: T) => void, fail: (error: Error) => void) => J, start: (job: J) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#job !== undefined) {
        reject(new Error(`another job (${this.#job.kind}) is still running`));
        return;
      }
      let job: J | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        if (job !== undefined && this.#job === job) this.#job = undefined;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`job did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      try {
        job = make(
          (result) => {
            finish();
            resolve(result);
          },
          (error) => {
            finish();
            reject(error);
          },
        );
        this.#job = job;
        start(job);
      } catch (error) {
        finish();
        reject(error as Error);
      }
    });
  }
}
