import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, ProjError, isProjError } from './errors.js';
import { ReconnectEngine, type ConnectionState, type ReconnectEngineOptions } from './reconnect-engine.js';
import type { ReconnectPolicy } from './reconnect-policy.js';
import type { Link } from './transport.js';

/** A Link that records destroy/end; nothing else matters to the engine. */
function fakeLink(): Link & { destroyed: boolean; ended: boolean } {
  return {
    transport: 'fake',
    remoteAddress: 'fake:1',
    bufferedAmount: 0,
    destroyed: false,
    ended: false,
    attach() {},
    write: () => true,
    end() {
      this.ended = true;
    },
    destroy() {
      this.destroyed = true;
    },
    pause() {},
    resume() {},
  };
}

interface Dial {
  signal: AbortSignal;
  settled: boolean;
  accept(): Link & { destroyed: boolean };
  refuse(error?: unknown): void;
}

/**
 * A scripted transport: each dial waits for the test (`accept()` / `refuse()`), or follows `auto`.
 * A dial that honours its signal rejects with PROJ_ERR_ABORTED (as the Transport contract says).
 */
function dialer(auto?: (n: number) => 'accept' | 'refuse' | 'hang', honourAbort = true) {
  const dials: Dial[] = [];
  let maxInFlight = 0;
  const inFlight = (): number => dials.filter((d) => !d.settled && !d.signal.aborted).length;
  const dial = vi.fn((signal: AbortSignal) =>
    new Promise<Link>((resolve, reject) => {
      const record: Dial = {
        signal,
        settled: false,
        accept() {
          const link = fakeLink();
          record.settled = true;
          resolve(link);
          return link;
        },
        refuse(error = new ProjError(ErrorCode.CONNECT, 'refused', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })) {
          record.settled = true;
          reject(error);
        },
      };
      if (honourAbort) signal.addEventListener('abort', () => ((record.settled = true), reject(signal.reason)));
      dials.push(record);
      maxInFlight = Math.max(maxInFlight, inFlight());
      const action = auto?.(dials.length) ?? 'hang';
      if (action === 'accept') record.accept();
      else if (action === 'refuse') record.refuse();
    }),
  );
  return { dial, dials, inFlight, last: () => dials[dials.length - 1]!, maxInFlight: () => maxInFlight };
}

/** Lets promise callbacks run (dial settlement → engine). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Records every event of an engine, in order. */
function record(engine: ReconnectEngine) {
  const events: string[] = [];
  const states: ConnectionState[] = [];
  const delays: number[] = [];
  const failures: ProjError[] = [];
  const failed: ProjError[] = [];
  engine.on('state', (s, p) => (events.push(`state:${p}>${s}`), states.push(s)));
  engine.on('open', () => events.push('open'));
  engine.on('reconnecting', (i) => (events.push(`reconnecting:${i.attempt}@${i.delay}`), delays.push(i.delay)));
  engine.on('attemptFailed', (e, n) => (events.push(`attemptFailed:${n}`), failures.push(e)));
  engine.on('failed', (e) => (events.push('failed'), failed.push(e)));
  return { events, states, delays, failures, failed };
}

const linear: ReconnectEngineOptions['policy'] = { jitter: 'none' }; // fibonacci 100, 100, 200, 300, 500, …

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ReconnectEngine', () => {
  describe('connecting', () => {
    it('goes idle → connecting → open and hands the link over', async () => {
      const d = dialer(() => 'accept');
      const engine = new ReconnectEngine({ dial: d.dial });
      const r = record(engine);
      let opened: Link | undefined;
      engine.on('open', (link) => (opened = link));
      expect(engine.state).toBe('idle');
      engine.start();
      expect(engine.state).toBe('connecting');
      await settle();
      expect(engine.state).toBe('open');
      expect(opened).toBeDefined();
      expect(r.events).toEqual(['state:idle>connecting', 'state:connecting>open', 'open']);
      engine.close();
    });

    it('retries by policy when started before the server exists, then connects', async () => {
      const d = dialer((n) => (n <= 4 ? 'refuse' : 'accept'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      const r = record(engine);
      engine.start();
      await settle();
      for (const delay of [100, 100, 200, 300]) {
        expect(engine.state).toBe('waiting');
        expect(vi.getTimerCount()).toBe(1);
        const before = d.dial.mock.calls.length;
        await vi.advanceTimersByTimeAsync(delay - 1);
        expect(d.dial).toHaveBeenCalledTimes(before); // not a millisecond early
        await vi.advanceTimersByTimeAsync(1);
        await settle();
        expect(d.dial).toHaveBeenCalledTimes(before + 1);
      }
      expect(engine.state).toBe('open');
      expect(r.delays).toEqual([100, 100, 200, 300]);
      expect(r.failures.map((e) => e.code)).toEqual(Array(4).fill(ErrorCode.CONNECT));
      expect(r.events.slice(0, 5)).toEqual(['state:idle>connecting', 'attemptFailed:1', 'state:connecting>waiting', 'reconnecting:1@100', 'state:waiting>connecting']);
      expect(r.events.slice(-2)).toEqual(['state:connecting>open', 'open']);
      engine.close();
    });

    it('is a no-op to call start() again while running', async () => {
      const d = dialer(() => 'refuse');
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      engine.start();
      engine.start();
      await settle();
      engine.start();
      await vi.advanceTimersByTimeAsync(100);
      engine.start();
      await vi.advanceTimersByTimeAsync(100);
      expect(d.dial).toHaveBeenCalledTimes(3);
      expect(d.maxInFlight()).toBe(1);
      engine.close();
    });

    it('wraps a rejection that is not a ProjError as PROJ_ERR_CONNECT, and a dial that throws synchronously', async () => {
      const native = new Error('boom');
      let calls = 0;
      const engine = new ReconnectEngine({
        dial: () => {
          calls++;
          if (calls === 1) return Promise.reject(native);
          throw native;
        },
        policy: linear,
      });
      const r = record(engine);
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(100);
      expect(r.failures).toHaveLength(2);
      for (const e of r.failures) {
        expect(e.code).toBe(ErrorCode.CONNECT);
        expect(e.cause).toBe(native);
      }
      expect(engine.state).toBe('waiting');
      engine.close();
    });

    it('passes the policy the attempt number and the ms since the first failure', async () => {
      const next = vi.fn<ReconnectPolicy['next']>(() => 250);
      const d = dialer(() => 'refuse');
      const engine = new ReconnectEngine({ dial: d.dial, policy: { next } });
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(250);
      await vi.advanceTimersByTimeAsync(250);
      expect(next.mock.calls).toEqual([
        [1, 0],
        [2, 250],
        [3, 500],
      ]);
      engine.close();
    });

    it('reports the close error in reconnecting, wrapping a native one as PROJ_ERR_TRANSPORT', async () => {
      const d = dialer(() => 'accept');
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      const infos: { error?: ProjError }[] = [];
      engine.on('reconnecting', (info) => infos.push(info));
      engine.start();
      await settle();
      const native = new Error('EPIPE');
      engine.linkClosed(native);
      expect(infos[0]?.error?.code).toBe(ErrorCode.TRANSPORT);
      expect(infos[0]?.error?.cause).toBe(native);
      engine.close();
    });
  });

  describe('health-gated reset', () => {
    async function openThenClose(engine: ReconnectEngine, d: ReturnType<typeof dialer>): Promise<void> {
      d.last().accept();
      await settle();
      expect(engine.state).toBe('open');
    }

    it('does not reset the backoff when a link merely opens', async () => {
      const d = dialer((n) => (n <= 2 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      const r = record(engine);
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(100);
      await vi.advanceTimersByTimeAsync(100);
      await openThenClose(engine, d);
      expect(engine.attempt).toBe(2);
      engine.linkClosed();
      expect(engine.attempt).toBe(3);
      expect(r.delays).toEqual([100, 100, 200]);
      engine.close();
    });

    it('resets after the link stayed open healthyAfter ms', async () => {
      const d = dialer((n) => (n <= 2 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear, healthyAfter: 500 });
      const r = record(engine);
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(200);
      await openThenClose(engine, d);
      await vi.advanceTimersByTimeAsync(499);
      expect(engine.attempt).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(engine.attempt).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      engine.linkClosed();
      expect(r.events.slice(-2)).toEqual(['state:open>waiting', 'reconnecting:1@100']);
      engine.close();
    });

    it('resets at once on markHealthy() and cancels the healthy timer', async () => {
      const d = dialer((n) => (n <= 3 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(400);
      await openThenClose(engine, d);
      expect(engine.attempt).toBe(3);
      expect(vi.getTimerCount()).toBe(1); // the healthy timer
      engine.markHealthy();
      expect(engine.attempt).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      engine.close();
    });

    it('starts no healthy timer for a connection with no failure to forgive', async () => {
      const d = dialer(() => 'accept');
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      engine.start();
      await settle();
      expect(engine.state).toBe('open');
      expect(engine.attempt).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      engine.close();
    });

    it("starts the healthy timer after the 'open' listeners, and not for a link they closed", async () => {
      const d = dialer((n) => (n === 1 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      const timersSeenByOpen: number[] = [];
      let closeOnOpen = false;
      engine.on('open', () => {
        timersSeenByOpen.push(vi.getTimerCount());
        if (closeOnOpen) engine.linkClosed();
      });
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(100);
      await openThenClose(engine, d);
      expect(timersSeenByOpen).toEqual([0]); // announced before the timer exists
      expect(vi.getTimerCount()).toBe(1); // the healthy timer
      engine.linkClosed();
      expect(vi.getTimerCount()).toBe(1); // the backoff timer only
      closeOnOpen = true;
      await vi.advanceTimersByTimeAsync(200);
      d.last().accept();
      await settle();
      expect(engine.state).toBe('waiting');
      expect(vi.getTimerCount()).toBe(1); // the backoff timer; no healthy timer for the closed link
      engine.close();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('with healthyAfter Infinity, only markHealthy() resets', async () => {
      const d = dialer((n) => (n === 1 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear, healthyAfter: Infinity });
      engine.start();
      await settle();
      await vi.advanceTimersByTimeAsync(100);
      await openThenClose(engine, d);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(1e6);
      expect(engine.attempt).toBe(1);
      engine.markHealthy();
      expect(engine.attempt).toBe(0);
      engine.close();
    });

    it('ignores markHealthy() and linkClosed() when no link is open', async () => {
      const d = dialer(() => 'refuse');
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      engine.start();
      await settle();
      engine.markHealthy();
      engine.linkClosed();
      expect(engine.attempt).toBe(1);
      expect(engine.state).toBe('waiting');
      expect(vi.getTimerCount()).toBe(1);
      engine.close();
    });
  });

  describe('retryNow()', () => {
    it('in waiting: cancels the timer and dials at once', async () => {
      const d = dialer((n) => (n === 1 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: { jitter: 'none', initialDelay: 5000 } });
      engine.start();
      await settle();
      expect(engine.state).toBe('waiting');
      engine.retryNow();
      expect(engine.state).toBe('connecting');
      expect(d.dial).toHaveBeenCalledTimes(2);
      expect(vi.getTimerCount()).toBe(0);
      engine.close();
    });

    it('is a no-op in idle, connecting and open (never a second socket)', async () => {
      const d = dialer(() => 'hang');
      const engine = new ReconnectEngine({ dial: d.dial });
      engine.retryNow();
      expect(d.dial).not.toHaveBeenCalled();
      engine.start();
      engine.retryNow();
      engine.retryNow();
      expect(d.dial).toHaveBeenCalledTimes(1);
      d.last().accept();
      await settle();
      engine.retryNow();
      expect(d.dial).toHaveBeenCalledTimes(1);
      expect(engine.state).toBe('open');
      engine.close();
    });
  });

  describe('close()', () => {
    /** Drives a fresh engine into `state`; returns it with its dialer. */
    async function engineIn(state: ConnectionState) {
      const d = dialer(() => 'hang');
      const engine = new ReconnectEngine({ dial: d.dial, policy: { jitter: 'none', maxAttempts: 1 } });
      if (state !== 'idle') engine.start();
      if (state === 'open') {
        d.last().accept();
        await settle();
      } else if (state === 'waiting' || state === 'failed') {
        d.last().refuse();
        await settle();
        if (state === 'failed') {
          await vi.advanceTimersByTimeAsync(100);
          d.last().refuse();
          await settle();
        }
      } else if (state === 'closed') {
        engine.close();
      }
      expect(engine.state).toBe(state);
      return { engine, d };
    }

    for (const state of ['idle', 'connecting', 'open', 'waiting', 'failed', 'closed'] as const) {
      it(`from ${state}: ends closed with no timer and no dial in flight`, async () => {
        const { engine, d } = await engineIn(state);
        engine.close();
        expect(engine.state).toBe('closed');
        expect(vi.getTimerCount()).toBe(0);
        expect(d.inFlight()).toBe(0);
        await vi.advanceTimersByTimeAsync(60_000);
        expect(d.inFlight()).toBe(0);
        expect(engine.state).toBe('closed');
      });
    }

    it('aborts an in-flight dial and reports no failure for it', async () => {
      const d = dialer(() => 'hang');
      const engine = new ReconnectEngine({ dial: d.dial });
      const r = record(engine);
      engine.start();
      engine.close();
      expect(d.last().signal.aborted).toBe(true);
      expect(isProjError(d.last().signal.reason, ErrorCode.ABORTED)).toBe(true);
      await settle();
      expect(r.failures).toEqual([]);
      expect(r.events).toEqual(['state:idle>connecting', 'state:connecting>closed']);
    });

    it('gives every retry a signal of its own (made while waiting), and close() aborts the retry in flight', async () => {
      const d = dialer((n) => (n < 3 ? 'refuse' : 'hang'));
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      engine.start();
      await settle();
      expect(engine.state).toBe('waiting');
      await vi.advanceTimersByTimeAsync(100);
      expect(engine.state).toBe('waiting');
      await vi.advanceTimersByTimeAsync(100);
      expect(engine.state).toBe('connecting');
      const signals = d.dials.map((dial) => dial.signal);
      expect(new Set(signals).size).toBe(3);
      engine.close();
      expect(signals.map((s) => s.aborted)).toEqual([false, false, true]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('destroys a link that resolves after close()', async () => {
      const d = dialer(() => 'hang', false);
      const engine = new ReconnectEngine({ dial: d.dial });
      const r = record(engine);
      engine.start();
      engine.close();
      const late = d.last().accept();
      await settle();
      expect(late.destroyed).toBe(true);
      expect(r.events).not.toContain('open');
      expect(engine.state).toBe('closed');
    });

    it('does not destroy an open link: the caller owns it', async () => {
      const d = dialer(() => 'hang');
      const engine = new ReconnectEngine({ dial: d.dial });
      engine.start();
      const link = d.last().accept();
      await settle();
      engine.close();
      expect(link.destroyed).toBe(false);
    });

    it('is idempotent', () => {
      const engine = new ReconnectEngine({ dial: dialer().dial });
      const r = record(engine);
      engine.close();
      engine.close();
      engine.start();
      expect(r.events).toEqual(['state:idle>closed']);
    });
  });

  describe('giving up', () => {
    it('fails with PROJ_ERR_RECONNECT_FAILED after maxAttempts, cause = the last dial error', async () => {
      const d = dialer(() => 'refuse');
      const engine = new ReconnectEngine({ dial: d.dial, policy: { jitter: 'none', maxAttempts: 2 } });
      const r = record(engine);
      engine.start();
      await vi.runAllTimersAsync();
      expect(d.dial).toHaveBeenCalledTimes(3);
      expect(engine.state).toBe('failed');
      expect(r.failed).toHaveLength(1);
      expect(r.failed[0]!.code).toBe(ErrorCode.RECONNECT_FAILED);
      expect(r.failed[0]!.cause).toBe(r.failures[2]);
      expect(r.events.slice(-3)).toEqual(['attemptFailed:3', 'state:connecting>failed', 'failed']);
      expect(vi.getTimerCount()).toBe(0);
      engine.start(); // failed is final
      expect(d.dial).toHaveBeenCalledTimes(3);
    });

    it('fails when the next delay would exceed maxElapsed', async () => {
      const d = dialer(() => 'refuse');
      const engine = new ReconnectEngine({ dial: d.dial, policy: { strategy: 'constant', jitter: 'none', maxElapsed: 350 } });
      const r = record(engine);
      engine.start();
      await vi.runAllTimersAsync();
      // failures at t = 0, 100, 200, 300; at 300 the next retry would land at 400 > 350.
      expect(d.dial).toHaveBeenCalledTimes(4);
      expect(r.delays).toEqual([100, 100, 100]);
      expect(r.failed[0]!.code).toBe(ErrorCode.RECONNECT_FAILED);
      expect(engine.state).toBe('failed');
    });

    it('counts links that close before proving healthy, so an accept-and-close peer ends in failed', async () => {
      const d = dialer(() => 'accept');
      const engine = new ReconnectEngine({ dial: d.dial, policy: { jitter: 'none', maxAttempts: 3 } });
      const r = record(engine);
      engine.on('open', () => queueMicrotask(() => engine.linkClosed()));
      engine.start();
      await vi.runAllTimersAsync();
      expect(r.delays).toEqual([100, 100, 200]);
      expect(engine.state).toBe('failed');
      expect(r.failed[0]!.cause).toMatchObject({ code: ErrorCode.CLOSED });
      expect(r.events.slice(-3)).toEqual(['open', 'state:open>failed', 'failed']);
    });

    it('fails when a policy throws, or returns something that is not a delay', async () => {
      for (const next of [
        () => {
          throw new Error('bad policy');
        },
        () => NaN,
        () => undefined as unknown as number,
      ]) {
        const engine = new ReconnectEngine({ dial: dialer(() => 'refuse').dial, policy: { next } });
        const r = record(engine);
        engine.start();
        await settle();
        expect(engine.state).toBe('failed');
        expect(r.failed[0]!.code).toBe(ErrorCode.RECONNECT_FAILED);
        expect(r.failed[0]!.cause).toBeInstanceOf(ProjError);
        expect(vi.getTimerCount()).toBe(0);
      }
    });

    it('clamps a huge delay from a custom policy to the timer limit', async () => {
      const engine = new ReconnectEngine({ dial: dialer(() => 'refuse').dial, policy: { next: () => Infinity } });
      const r = record(engine);
      engine.start();
      await settle();
      expect(r.delays).toEqual([2_147_483_647]);
      engine.close();
    });
  });

  describe('robustness', () => {
    it('keeps a consistent state when a listener throws, emits the remaining events, and rethrows to the caller', async () => {
      const d = dialer(() => 'hang');
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      const r = record(engine);
      engine.on('state', (s) => {
        if (s === 'connecting' || s === 'waiting') throw new Error('listener bug');
      });
      expect(() => engine.start()).toThrow('listener bug');
      expect(engine.state).toBe('connecting');
      expect(d.dial).toHaveBeenCalledTimes(1);
      d.last().accept();
      await settle();
      expect(() => engine.linkClosed()).toThrow('listener bug');
      expect(engine.state).toBe('waiting');
      expect(r.events.slice(-2)).toEqual(['state:open>waiting', 'reconnecting:1@100']); // emitted after the throw
      expect(vi.getTimerCount()).toBe(1);
      engine.close();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('keeps event order when a listener calls back into the engine', async () => {
      const d = dialer(() => 'refuse');
      const engine = new ReconnectEngine({ dial: d.dial, policy: linear });
      const r = record(engine);
      engine.once('attemptFailed', () => engine.close());
      engine.start();
      await settle();
      expect(r.events).toEqual(['state:idle>connecting', 'attemptFailed:1', 'state:connecting>waiting', 'reconnecting:1@100', 'state:waiting>closed']);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('never has two dials in flight, whatever the call sequence (randomized)', async () => {
      let seed = 20240611;
      const rand = (n: number): number => ((seed = (seed * 48271) % 2147483647), seed % n);
      const visited = new Set<ConnectionState>();
      for (let run = 0; run < 150; run++) {
        const d = dialer(() => 'hang', rand(2) === 0);
        const engine = new ReconnectEngine({ dial: d.dial, policy: { jitter: 'full', random: () => rand(1000) / 1000, maxAttempts: 1 + rand(8) }, healthyAfter: rand(300) });
        let state: ConnectionState = 'idle';
        engine.on('state', (s, p) => {
          expect(p).toBe(state);
          state = s;
          visited.add(s);
        });
        for (let step = 0; step < 40; step++) {
          const pending = d.dials.filter((x) => !x.settled);
          switch (rand(9)) {
            case 0:
              engine.start();
              break;
            case 1:
              engine.linkClosed();
              break;
            case 2:
              engine.markHealthy();
              break;
            case 3:
              engine.retryNow();
              break;
            case 4:
              if (rand(6) === 0) engine.close();
              break;
            case 5:
              await vi.advanceTimersByTimeAsync(rand(400));
              break;
            case 6:
            case 7:
              pending[rand(pending.length || 1)]?.refuse();
              break;
            default:
              pending[rand(pending.length || 1)]?.accept();
          }
          await settle();
          expect(d.inFlight()).toBeLessThanOrEqual(1);
          expect(engine.state).toBe(state);
          expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
        }
        expect(d.maxInFlight()).toBeLessThanOrEqual(1);
        engine.close();
        expect(vi.getTimerCount()).toBe(0);
        expect(d.inFlight()).toBe(0);
      }
      expect([...visited].sort()).toEqual(['closed', 'connecting', 'failed', 'open', 'waiting']); // the sequence reached every state
    });
  });

  describe('options', () => {
    it('validates at construction with PROJ_ERR_INVALID_OPTION', () => {
      const dial = dialer().dial;
      const bad: unknown[] = [
        {},
        { dial: 'nope' },
        { dial, healthyAfter: -1 },
        { dial, healthyAfter: NaN },
        { dial, policy: { initialDelay: -1 } },
      ];
      for (const options of bad) {
        expect(() => new ReconnectEngine(options as ReconnectEngineOptions)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
      }
    });

    it('uses the same schedule with policy {} as with no policy', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const schedules: number[][] = [];
      for (const options of [{}, { policy: {} }]) {
        const engine = new ReconnectEngine({ dial: dialer(() => 'refuse').dial, ...options });
        const r = record(engine);
        engine.start();
        await vi.advanceTimersByTimeAsync(2000);
        schedules.push(r.delays);
        engine.close();
      }
      vi.restoreAllMocks();
      expect(schedules[0]).toEqual([75, 75, 150, 225, 375, 600, 975]);
      expect(schedules[1]).toEqual(schedules[0]);
    });
  });
});
