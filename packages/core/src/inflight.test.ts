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
    expect(inflight.takeUnconfirmed().map((x) => x.data)).toEqual(['b']);
  });

  it('accepts a confirmation that runs inside the write, right after track()', () => {
    const inflight = new Inflight();
    inflight.track(batch('a'))(); // a link that handed the chunk over synchronously
    inflight.track(batch('b'))(null);
    expect(inflight.takeUnconfirmed()).toEqual([]);
  });

  it('stops confirming at the first error: that batch and every later one stay unconfirmed', () => {
    const inflight = new Inflight();
    const done = inflight.track(batch('a'));
    inflight.track(batch('b'));
    inflight.track(batch('c'));
    done();
    done(new Error('the link failed'));
    done(); // a success reported after the failure (Node's destroyed-stream completion) counts for nothing
    expect(inflight.takeUnconfirmed().map((x) => x.data)).toEqual(['b', 'c']);
  });

  it('gives the next link a fresh callback: a late callback of the old link confirms nothing of the new one', () => {
    const inflight = new Inflight();
    const old = inflight.track(batch('a'));
    expect(inflight.takeUnconfirmed().map((x) => x.data)).toEqual(['a']);
    const fresh = inflight.track(batch('b'));
    expect(fresh).not.toBe(old);
    old();
    expect(inflight.takeUnconfirmed().map((x) => x.data)).toEqual(['b']);
  });
});
