/**
 * The floor rows of the reconnect table, from bare dials made by hand: each summary must run
 * between its own two instants.
 */
import { describe, expect, it } from 'vitest';
import { floorSummaries, type BareDial } from './reconnect-bench.js';

/** A dial due at 100, started `late` ms after, connected `connect` ms after it started. */
function dial(late: number, connect: number): BareDial {
  return { dueAt: 100, dialAt: 100 + late, connectedAt: 100 + late + connect };
}

describe('floorSummaries', () => {
  it('times the hot dials and the timed dials from their due instant, and the idle dials from their start', () => {
    const hot = [dial(0, 0.05), dial(0, 0.07)];
    const timed = [dial(0.5, 0.25), dial(0.75, 0.75), dial(-0.25, 0.5)];
    const floors = floorSummaries(hot, timed);
    expect(floors.rawDial.median).toBeCloseTo(0.06);
    // Due → connected: 0.75, 1.50 and 0.25 ms (the third timer fired early).
    expect(floors.timedDial.median).toBeCloseTo(0.75);
    expect(floors.timedDial.max).toBeCloseTo(1.5);
    // Started → connected: 0.25, 0.75 and 0.50 ms.
    expect(floors.idleDial.median).toBeCloseTo(0.5);
    expect(floors.idleDial.max).toBeCloseTo(0.75);
    expect([floors.rawDial.n, floors.timedDial.n, floors.idleDial.n]).toEqual([2, 3, 3]);
  });
});
