/**
 * `leakCheck()`: did the code under test leave sockets, servers or timers behind? Comparing
 * `process.getActiveResourcesInfo()` before and after is not enough on its own: the test runner
 * keeps a timer of its own that comes and goes (vitest throttles its task updates with a 100 ms
 * `setTimeout`), so a baseline taken while it was pending never comes back once the test ran
 * longer than 100 ms. Sockets and servers are compared by count; timers are followed one by one
 * from their creation with `async_hooks`, so only the ones created since the checkpoint count.
 */
import { createHook } from 'node:async_hooks';

/** Handles that would keep a process alive (sockets, servers, pipes, timers), counted by type. Transient `Immediate`s are left out. */
export function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (/^(TCP|Pipe|Timeout)/.test(type)) counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** What a {@link leakCheck} found still open. */
export interface Leftovers {
  /** Socket and server handles above the checkpoint's count, by type (`TCPSocketWrap`, `PipeServerWrap`, …). */
  handles: Record<string, number>;
  /** Timers created since the checkpoint that are neither cleared nor fired: `"<ms> ms <callback name>"`. */
  timers: string[];
}

/** A checkpoint: call {@link LeakCheck.leftovers} (or poll {@link LeakCheck.clean}) once everything was closed. */
export interface LeakCheck {
  /** `true` when nothing opened since the checkpoint is still open. */
  clean(): boolean;
  /** What is still open, for a failure message. */
  leftovers(): Leftovers;
  /** Stops following timers (idempotent). */
  dispose(): void;
}

/** The fields of Node's `Timeout` a report reads. */
interface TimerResource {
  _destroyed?: boolean;
  _idleTimeout?: number;
  _onTimeout?: { name?: string };
}

/** Takes a checkpoint of the sockets and servers open now, and follows every timer created from now on. */
export function leakCheck(): LeakCheck {
  const before = socketsAndServers();
  const timers = new Map<number, TimerResource>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === 'Timeout') timers.set(asyncId, resource as TimerResource);
    },
    // A timeout is destroyed once it fired or was cleared; an interval once it was cleared.
    destroy(asyncId) {
      timers.delete(asyncId);
    },
  }).enable();
  const leftovers = (): Leftovers => {
    const now = socketsAndServers();
    const handles: Record<string, number> = {};
    for (const [type, count] of Object.entries(now)) {
      const extra = count - (before[type] ?? 0);
      if (extra > 0) handles[type] = extra;
    }
    // `_destroyed` is set the moment a timeout fires or is cleared; the destroy hook comes later.
    for (const [id, t] of timers) if (t._destroyed === true) timers.delete(id);
    const open = [...timers.values()].map((t) => `${t._idleTimeout ?? '?'} ms ${t._onTimeout?.name || 'anonymous'}`);
    return { handles, timers: open };
  };
  return {
    clean: () => {
      const { handles, timers: open } = leftovers();
      return open.length === 0 && Object.keys(handles).length === 0;
    },
    leftovers,
    dispose: () => void hook.disable(),
  };
}

/** Every socket and server handle that keeps the process alive, by type: timers are followed separately. */
function socketsAndServers(): Record<string, number> {
  const counts = liveHandles();
  delete counts.Timeout;
  return counts;
}

/**
 * Waits (polling, up to `ms`) until nothing opened since `check` is left, then stops following
 * timers; rejects naming what is still open at the deadline.
 */
export async function expectNothingLeft(check: LeakCheck, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  try {
    while (!check.clean()) {
      if (Date.now() > deadline) throw new Error(`still open ${ms} ms after close: ${JSON.stringify(check.leftovers())}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    check.dispose();
  }
}
