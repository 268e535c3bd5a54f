import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { expectNothingLeft, leakCheck } from '@proj/testing';
import { printSummary } from './summary.js';
import { timeline } from './timeline.js';
import { runTour } from './tour.js';

/** A timeline into a string, without colours. */
function capture(): { log: ReturnType<typeof timeline>; text: () => string } {
  let text = '';
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
  return { log: timeline(sink, false), text: () => text };
}

describe('runTour', () => {
  it('runs every step over tcp, unix and ws, loses nothing, and leaves nothing open', { timeout: 30_000 }, async () => {
    const check = leakCheck();
    const { log, text } = capture();
    const summary = await runTour({ transports: ['tcp', 'unix', 'ws'], log, clearAfter: 500, burst: 50 });
    printSummary(summary, log);

    expect(summary.ok).toBe(true);
    for (const t of summary.transports) {
      expect(t).toMatchObject({ sent: 54, received: 54, serverReceived: 55, reconnects: 3, badLines: 2, dropped: 0, outOfOrder: 0, lost: 0 });
      // Three before the first start; four in the restart (its first retry follows the disconnect, not a failed dial).
      expect(t.failedDials).toBeGreaterThanOrEqual(7);
    }
    const out = text();
    expect(out).toMatch(/tcp +tour +the client told the abrupt close from a graceful one: remote-reset/);
    expect(out).toMatch(/ws +tour +the client told the abrupt close from a graceful one: remote-reset/);
    expect(out).toContain('unix sockets have no reset, so an abrupt close reads as remote-end');
    expect(out).toContain('PROJ_ERR_MALFORMED_LINE');
    expect(out).toContain('PROJ_ERR_LINE_TOO_LONG');
    expect(out).toContain('✓ nothing lost');
    expect(out).not.toMatch(/\x1b\[/); // plain when not on a terminal
    await expectNothingLeft(check);
  });

  it('runs one transport on its own', { timeout: 30_000 }, async () => {
    const { log, text } = capture();
    const summary = await runTour({ transports: ['unix'], log, clearAfter: 500, burst: 10 });
    expect(summary.ok).toBe(true);
    expect(summary.transports.map((t) => t.name)).toEqual(['unix']);
    expect(text()).not.toMatch(/^\s*\S+s {2}(tcp|ws) /m);
  });
});
