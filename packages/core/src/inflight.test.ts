import { describe, expect, it } from 'vitest';
import { Inflight } from './inflight.js';

const batch = (data: string) => ({ data, bytes: data.length, messages: 1 });

describe('Inflight', () => {
  it('confirms the oldest batch on each success, with one callback for every write of a link', () => {
    const inflight = new Inflight();
    const a = inflight.track(batch('a'));
    const b = inflight.track(batch('b'));
    expect(b).toBe(a);
    a();
    expect(inflight.takeWritten().pending.map((x) => x.data)).toEqual(['b']);
  });

  it('accepts a confirmation that runs inside the write, right after track()', () => {
    const inflight = new Inflight();
    inflight.track(batch('a'))(); // a link that handed the chunk over synchronously
    inflight.track(batch('b'))(null);
    expect(inflight.takeWritten().pending).toEqual([]);
  });

  it('confirms nothing on an error, and still confirms earlier writes whose success comes after it', () => {
    // `ws` reports a send after close on the next tick, while frames sent before it still drain.
    const inflight = new Inflight();
    const done = inflight.track(batch('a'));
    inflight.track(batch('b'));
    inflight.track(batch('c')); // sent after the close: fails
    done();
    done(new Error('c: WebSocket is not open'));
    done(); // b, which was already on its way
    expect(inflight.takeWritten().pending.map((x) => x.data)).toEqual(['c']);
  });

  it('leaves every batch of a link that failed unconfirmed', () => {
    const inflight = new Inflight();
    const done = inflight.track(batch('a'));
    inflight.track(batch('b'));
    done(new Error('interrupted: the stream was destroyed first'));
    done(new Error('write after destroy'));
    expect(inflight.takeWritten().pending.map((x) => x.data)).toEqual(['a', 'b']);
  });

  it('gives the next link a fresh callback: a late callback of the old link confirms nothing of the new one', () => {
    const inflight = new Inflight();
    const old = inflight.track(batch('a'));
    expect(inflight.takeWritten().pending.map((x) => x.data)).toEqual(['a']);
    const fresh = inflight.track(batch('b'));
    expect(fresh).not.toBe(old);
    old();
    expect(inflight.takeWritten().pending.map((x) => x.data)).toEqual(['b']);
  });
});
