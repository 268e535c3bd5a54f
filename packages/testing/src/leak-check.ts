/**
 * `leakCheck()`: did the code under test leave sockets, servers or timers behind? Comparing
 * `process.getActiveResourcesInfo()` counts before and after is not enough: the test runner
 * keeps a timer of its own that comes and goes (vitest throttles its task updates with a 100 ms
 * `setTimeout`), so a baseline taken while it was pending never comes back once the test ran
 * longer than 100 ms; and a socket of an earlier test closing meanwhile would hide one this test
 * leaked. So everything is followed by identity: sockets, servers and pipes are the handle
 * objects open at the checkpoint, timers are followed from their creation with `async_hooks`.
 */
import { createHook } from 'node:async_hooks';
import { onTestFinished } from 'vitest';
import { until } from './wait.js';

/** What a {@link leakCheck} found still open. */
export interface Leftovers {
  /** Sockets, servers and pipes opened since the checkpoint and still open, by constructor name (`Socket`, `Server`, …). */
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
  /** Stops following timers (idempotent; also done when the test finishes, whatever its outcome). */
  dispose(): void;
}

/** The fields of Node's `Timeout` a report reads. */
interface TimerResource {
  _destroyed?: boolean;
  _idleTimeout?: number;
  _onTimeout?: { name?: string };
}

/**
 * The handle objects (sockets, servers, pipes, child processes) keeping the process alive. Node
 * has no documented way to list them; `process._getActiveHandles()` is what tools such as
 * why-is-node-running use.
 */
function activeHandles(): object[] {
  return (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
}

/** Takes a checkpoint of the handles open now, and follows every timer created from now on. Call it inside a test. */
export function leakCheck(): LeakCheck {
  const before = new Set(activeHandles());
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
  const dispose = (): void => void hook.disable();
  // An assertion failing before the check must not leave the hook on for the rest of the file.
  onTestFinished(dispose);
  const leftovers = (): Leftovers => {
    const handles: Record<string, number> = {};
    for (const handle of activeHandles()) {
      if (before.has(handle)) continue;
      const name = handle.constructor.name;
      handles[name] = (handles[name] ?? 0) + 1;
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
    dispose,
  };
}

/**
 * Waits (polling, up to `ms`) until nothing opened since `check` is left, then stops following
 * timers; rejects naming what is still open at the deadline.
 */
export async function expectNothingLeft(check: LeakCheck, ms = 5000): Promise<void> {
  try {
    await until(() => check.clean(), ms, () => `nothing left open after close; still open: ${JSON.stringify(check.leftovers())}`);
  } finally {
    check.dispose();
  }
}
