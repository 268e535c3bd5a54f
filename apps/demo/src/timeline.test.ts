import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { timeline, wantsColour } from './timeline.js';

describe('wantsColour', () => {
  it('follows the terminal when nothing is set', () => {
    expect(wantsColour({ isTTY: true }, {})).toBe(true);
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
  });

  it('lets NO_COLOR win, and FORCE_COLOR force either way', () => {
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(wantsColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColour({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
  });

  it("ignores the FORCE_COLOR=true nx puts in every task, and follows the task's terminal", () => {
    const nx = { NX_TASK_TARGET_PROJECT: '@proj/demo', FORCE_COLOR: 'true' };
    expect(wantsColour({ isTTY: false }, nx)).toBe(false);
    expect(wantsColour({ isTTY: true }, nx)).toBe(true);
    expect(wantsColour({ isTTY: false }, { ...nx, FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('timeline', () => {
  it('prints plain columns without colours, and a blank transport for tour-wide lines', () => {
    let text = '';
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
    const log = timeline(sink, false);
    log.event('tcp', 'client', 'hello');
    log.event('', 'tour', 'for everyone');
    expect(text).toMatch(/^ +\d+\.\d\ds {2}tcp {3}client {2}hello\n +\d+\.\d\ds {8}tour {4}for everyone\n$/);
  });

  it('colours lines when asked, without printing unknown styles', () => {
    let text = '';
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
    timeline(sink, true).event('', 'tour', 'x');
    expect(text).toContain('\x1b[');
    expect(text).not.toContain('undefined');
  });
});
