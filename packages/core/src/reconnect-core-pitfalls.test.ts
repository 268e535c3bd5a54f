/**
 * One regression test per measured pitfall of reconnect-core@1.3.0 (see DESIGN.md "Reconnect").
 * Each `describe` runs one scenario twice: on the bare library, asserting the buggy observation
 * (which proves the scenario can fail), and on ReconnectEngine, asserting the correct one.
 */
import { EventEmitter } from 'node:events';
import inject from 'reconnect-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, ProjError } from './errors.js';
import { ReconnectEngine } from './reconnect-engine.js';
import type { ReconnectPolicyOptions } from './reconnect-policy.js';
import type { Link } from './transport.js';

/** How the (imaginary) server treats each connection attempt. */
type Peer = 'refuse' | 'accept-close' | 'hang' | 'manual';

function econnrefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8024'), { code: 'ECONNREFUSED' });
}

/** What a scenario does to, and observes of, either the bare library or the engine. */
interface Subject {
  connect(): void;
  disconnect(): void;
  /** Bare: reset(), the library's "force a reconnection". Engine: retryNow(). */
  forceRetry(): void;
  /** Fails attempt `i` (0-based) by hand, as a socket emitting ECONNREFUSED would. */
  refuse(i: number): void;
  /** Connection attempts made so far. */
  readonly dials: number;
  /** Attempts neither settled nor ended/aborted. */
  readonly inFlight: number;
  /** Retry delays scheduled, in order. */
  readonly delays: number[];
  /** The give-up event fired (bare 'fail', engine 'failed'). */
  readonly gaveUp: boolean;
}

class FakeConnection extends EventEmitter {
  settled = false;
  ended = false;
  end(): void {
    this.ended = true;
  }
}

function bare(peer: Peer, options?: inject.Options, errorListener = true): Subject {
  const connections: FakeConnection[] = [];
  const delays: number[] = [];
  let gaveUp = false;
  const reconnector = inject(() => {
    const c = new FakeConnection();
    connections.push(c);
    if (peer === 'refuse') queueMicrotask(() => ((c.settled = true), c.emit('error', econnrefused())));
    if (peer === 'accept-close') queueMicrotask(() => ((c.settled = true), c.emit('connect'), c.emit('close')));
    return c;
  })(options);
  if (errorListener) reconnector.on('error', () => {});
  reconnector.on('backoff', (_n: number, delay: number) => delays.push(delay));
  reconnector.on('fail', () => (gaveUp = true));
  return {
    connect: () => reconnector.connect(),
    disconnect: () => reconnector.disconnect(),
    forceRetry: () => reconnector.reset(),
    refuse: (i) => ((connections[i]!.settled = true), connections[i]!.emit('error', econnrefused())),
    get dials() {
      return connections.length;
    },
    get inFlight() {
      return connections.filter((c) => !c.settled && !c.ended).length;
    },
    delays,
    get gaveUp() {
      return gaveUp;
    },
  };
}

function fakeLink(): Link {
  return { transport: 'fake', remoteAddress: 'fake:1', bufferedAmount: 0, attach() {}, write: () => true, end() {}, destroy() {}, pause() {}, resume() {} };
}

function engine(peer: Peer, policy?: ReconnectPolicyOptions, listeners = true): Subject & { engine: ReconnectEngine } {
  const dials: { signal: AbortSignal; settled: boolean; reject(e: unknown): void }[] = [];
  const delays: number[] = [];
  let gaveUp = false;
  const e = new ReconnectEngine({
    dial: (signal) =>
      new Promise<Link>((resolve, reject) => {
        const d = { signal, settled: false, reject: (err: unknown) => ((d.settled = true), reject(err)) };
        dials.push(d);
        signal.addEventListener('abort', () => d.reject(signal.reason));
        const refused = new ProjError(ErrorCode.CONNECT, 'connection refused', { cause: econnrefused() });
        if (peer === 'refuse') queueMicrotask(() => d.reject(refused));
        if (peer === 'accept-close') queueMicrotask(() => ((d.settled = true), resolve(fakeLink())));
      }),
    ...(policy === undefined ? {} : { policy }),
  });
  if (peer === 'accept-close') e.on('open', () => queueMicrotask(() => e.linkClosed()));
  if (listeners) {
    e.on('reconnecting', (info) => delays.push(info.delay));
    e.on('failed', () => (gaveUp = true));
  }
  return {
    engine: e,
    connect: () => e.start(),
    disconnect: () => e.close(),
    forceRetry: () => e.retryNow(),
    refuse: (i) => dials[i]!.reject(new ProjError(ErrorCode.CONNECT, 'connection refused', { cause: econnrefused() })),
    get dials() {
      return dials.length;
    },
    get inFlight() {
      return dials.filter((d) => !d.settled && !d.signal.aborted).length;
    },
    delays,
    get gaveUp() {
      return gaveUp;
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Runs `ticks` backoff timers; returns how many connection attempts each tick opened. */
async function dialsPerTick(subject: Subject, ticks: number): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < ticks; i++) {
    const before = subject.dials;
    await vi.advanceTimersToNextTimerAsync();
    await settle();
    counts.push(subject.dials - before);
  }
  return counts;
}

/** Same options for both: fibonacci from 100 ms, no randomisation. */
const BARE = { initialDelay: 100, maxDelay: 10_000 };
const POLICY: ReconnectPolicyOptions = { jitter: 'none' };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('pitfall 1: a second connect() adds a duplicate ready listener', () => {
  async function connectTwice(subject: Subject, between: () => void): Promise<number[]> {
    subject.connect();
    await settle(); // first attempt refused, a retry is pending
    between();
    subject.connect();
    await settle();
    return dialsPerTick(subject, 5);
  }

  it('bare reconnect-core: every backoff tick opens two sockets after disconnect() + connect()', async () => {
    const subject = bare('refuse', BARE);
    expect(await connectTwice(subject, () => subject.disconnect())).toEqual([2, 2, 2, 2, 2]);
  });

  it('ReconnectEngine: start() while running is a no-op, one socket per tick', async () => {
    const subject = engine('refuse', POLICY);
    expect(await connectTwice(subject, () => {})).toEqual([1, 1, 1, 1, 1]);
    subject.disconnect();
  });

  it('ReconnectEngine: start() after close() is a no-op, no socket and no timer', async () => {
    const subject = engine('refuse', POLICY);
    expect(await connectTwice(subject, () => subject.disconnect())).toEqual([0, 0, 0, 0, 0]);
    expect(subject.dials).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('pitfall 2: backoff resets on the raw connect event', () => {
  /** A peer that accepts and closes at once, 12 times over. */
  async function acceptAndCloseStorm(subject: Subject): Promise<void> {
    subject.connect();
    await settle();
    await dialsPerTick(subject, 12);
  }

  it('bare reconnect-core: a fixed-rate storm, and failAfter never fires', async () => {
    const subject = bare('accept-close', { ...BARE, failAfter: 3 });
    await acceptAndCloseStorm(subject);
    expect(subject.delays.length).toBeGreaterThanOrEqual(12);
    expect(new Set(subject.delays)).toEqual(new Set([100]));
    expect(subject.gaveUp).toBe(false);
  });

  it('ReconnectEngine: delays keep growing until the link proves healthy, and maxAttempts fires failed', async () => {
    const subject = engine('accept-close', { ...POLICY, maxAttempts: 3 });
    await acceptAndCloseStorm(subject);
    expect(subject.delays).toEqual([100, 100, 200]);
    expect(subject.gaveUp).toBe(true);
    expect(subject.engine.state).toBe('failed');
    expect(subject.dials).toBe(4);
  });
});

describe('pitfall 3: disconnect() does not cancel the pending backoff timer', () => {
  async function disconnectWhileWaiting(subject: Subject): Promise<number> {
    subject.connect();
    await settle();
    expect(vi.getTimerCount()).toBe(1); // a retry is pending
    subject.disconnect();
    return vi.getTimerCount();
  }

  it('bare reconnect-core: the timer stays armed (it would keep the process alive)', async () => {
    expect(await disconnectWhileWaiting(bare('refuse', BARE))).toBe(1);
  });

  it('ReconnectEngine: close() leaves no timer', async () => {
    const subject = engine('refuse', POLICY);
    expect(await disconnectWhileWaiting(subject)).toBe(0);
    expect(subject.inFlight).toBe(0);
  });
});

describe('pitfall 4: reset() during an attempt opens a second socket that leaks', () => {
  function forceRetryDuringAttempt(subject: Subject): { during: number; afterDisconnect: number; dials: number } {
    subject.connect();
    subject.forceRetry();
    const during = subject.inFlight;
    subject.disconnect();
    return { during, afterDisconnect: subject.inFlight, dials: subject.dials };
  }

  it('bare reconnect-core: two sockets in flight, and disconnect() ends only the second', () => {
    expect(forceRetryDuringAttempt(bare('hang', BARE))).toEqual({ during: 2, afterDisconnect: 1, dials: 2 });
  });

  it('ReconnectEngine: retryNow() during an attempt is a no-op, and close() aborts the one dial', () => {
    expect(forceRetryDuringAttempt(engine('hang', POLICY))).toEqual({ during: 1, afterDisconnect: 0, dials: 1 });
  });
});

describe('pitfall 5: an error event with no listener crashes the process', () => {
  it('bare reconnect-core: ECONNREFUSED on first start throws out of the socket emit', () => {
    const subject = bare('manual', BARE, false);
    subject.connect();
    // In a real process this throw happens inside the socket's error callback: an uncaught exception.
    expect(() => subject.refuse(0)).toThrow(/ECONNREFUSED/);
  });

  it('ReconnectEngine: no listener, no throw; with one, attemptFailed carries the typed error', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const silent = engine('manual', POLICY, false);
      silent.connect();
      expect(() => silent.refuse(0)).not.toThrow();
      await settle();
      expect(silent.engine.state).toBe('waiting');
      silent.disconnect();

      const observed = engine('manual', POLICY);
      const failures: [ProjError, number][] = [];
      observed.engine.on('attemptFailed', (error, attempt) => failures.push([error, attempt]));
      observed.connect();
      observed.refuse(0);
      await settle();
      expect(failures).toHaveLength(1);
      expect(failures[0]![0].code).toBe(ErrorCode.CONNECT);
      expect((failures[0]![0].cause as { code?: string }).code).toBe('ECONNREFUSED');
      expect(failures[0]![1]).toBe(1);
      observed.disconnect();
      await settle();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('pitfall 6: defaults differ depending on whether an options object is passed', () => {
  async function firstDelays(subject: Subject): Promise<number[]> {
    subject.connect();
    await settle();
    await dialsPerTick(subject, 3);
    subject.disconnect();
    return subject.delays.slice(0, 4);
  }

  it('bare reconnect-core: 1000 ms first delay without options, 100 ms with {}', async () => {
    const without = await firstDelays(bare('refuse', undefined));
    const empty = await firstDelays(bare('refuse', {}));
    expect(without[0]).toBe(1000);
    expect(empty[0]).toBe(100);
    expect(without).not.toEqual(empty);
  });

  it('ReconnectEngine: the same schedule with no policy and with {}', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const without = await firstDelays(engine('refuse'));
    const empty = await firstDelays(engine('refuse', {}));
    expect(without).toEqual([75, 75, 150, 225]); // fibonacci from 100 ms, equal jitter at u = 0.5
    expect(empty).toEqual(without);
  });
});
