/**
 * A wall clock with sub-millisecond resolution that two processes on one machine share: the
 * reconnect benchmark compares a server's "listening" instant with a client's "connected" one.
 */
import { performance } from 'node:perf_hooks';

/** ms since the epoch, fractional. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
