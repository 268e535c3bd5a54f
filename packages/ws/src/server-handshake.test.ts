import type http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { serverHandshake } from './server-handshake.js';

/** An upgrade request as the http server hands it over (only what serverHandshake reads). */
function request(url: string, headers: Record<string, string>): http.IncomingMessage {
  return { url, headers: { 'sec-websocket-key': Math.random().toString(36), ...headers }, socket: new net.Socket() } as unknown as http.IncomingMessage;
}

const HEADERS = { host: '127.0.0.1:8025', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' };

describe('serverHandshake', () => {
  it('keeps url and headers, without the handshake nonce, frozen', () => {
    const handshake = serverHandshake(request('/feed?x=1', HEADERS));
    expect(handshake).toEqual({ url: '/feed?x=1', headers: HEADERS });
    expect(handshake.headers).not.toHaveProperty('sec-websocket-key');
    expect(Object.isFrozen(handshake) && Object.isFrozen(handshake.headers)).toBe(true);
  });

  it('gives connections with alike requests one shared handshake, and different ones their own', () => {
    const a = serverHandshake(request('/', HEADERS));
    const b = serverHandshake(request('/', HEADERS));
    expect(b).toBe(a);
    expect(serverHandshake(request('/other', HEADERS))).not.toBe(a);
  });

  it('shares only requests with exactly the same headers, in any order', () => {
    const a = serverHandshake(request('/exact', HEADERS));
    const reordered = Object.fromEntries(Object.entries(HEADERS).reverse());
    expect(serverHandshake(request('/exact', reordered))).toBe(a);
    // One header more, one less, one other value, or a name the kept object only inherits: not shared.
    const { upgrade: _upgrade, ...fewer } = HEADERS;
    for (const headers of [{ ...HEADERS, origin: 'http://x' }, fewer, { ...HEADERS, host: 'other:1' }, { ...HEADERS, constructor: 'x' }]) {
      const b = serverHandshake(request('/exact', headers));
      expect(b).not.toBe(a);
      expect(b.headers).toEqual(headers);
    }
  });

  it('never shares between requests whose headers differ but hash the same', () => {
    // One value for another with the same hash, and two headers more whose hashes add up to 0.
    const a = serverHandshake(request('/alike', { ...HEADERS, origin: 'v65158' }));
    const b = serverHandshake(request('/alike', { ...HEADERS, origin: 'v446582' }));
    expect(b).not.toBe(a);
    expect(b.headers.origin).toBe('v446582');
    // The one with more headers first: every header of the second then matches a kept one.
    const c = serverHandshake(request('/more', { ...HEADERS, 'x-a': 'a74210', 'x-b': 'b205230' }));
    const d = serverHandshake(request('/more', HEADERS));
    expect(d).not.toBe(c);
    expect(d.headers).toEqual(HEADERS);
  });

  it('never shares a request with a header given as a list, and freezes the list', () => {
    const list = (): http.IncomingMessage => {
      const r = request('/list', HEADERS);
      (r.headers as Record<string, unknown>)['set-cookie'] = ['a=1', 'b=2'];
      return r;
    };
    const a = serverHandshake(list());
    const b = serverHandshake(list());
    expect(b).not.toBe(a);
    expect(b.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(Object.isFrozen(b.headers['set-cookie'])).toBe(true);
  });

  it('remembers only requests within the size bound, each header counting 32 units beyond its text', () => {
    // Two-letter names and empty values: 100 headers are ~3,400 units, 200 are ~6,800, over 4,096.
    const headers = (n: number): Record<string, string> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`, '']));
    const small = serverHandshake(request('/size', { ...HEADERS, ...headers(100) }));
    expect(serverHandshake(request('/size', { ...HEADERS, ...headers(100) }))).toBe(small);
    const large = serverHandshake(request('/size', { ...HEADERS, ...headers(200) }));
    expect(serverHandshake(request('/size', { ...HEADERS, ...headers(200) }))).not.toBe(large);
  });

  it('never takes a request for another whose hash is the same', () => {
    // '/c710959' and '/c1127602' collide in the 32-bit hash the cache is keyed by.
    const a = serverHandshake(request('/c710959', HEADERS));
    const b = serverHandshake(request('/c1127602', HEADERS));
    expect(b.url).toBe('/c1127602');
    expect(serverHandshake(request('/c710959', HEADERS))).toBe(a);
  });

  it('never shares, nor keeps, a request with credentials or a query string', () => {
    for (const [url, extra] of [['/', { cookie: 'session=2' }], ['/', { authorization: 'Bearer t' }], ['/', { 'proxy-authorization': 'Basic x' }], ['/feed?token=abc', {}]] as const) {
      const a = serverHandshake(request(url, { ...HEADERS, ...extra }));
      const b = serverHandshake(request(url, { ...HEADERS, ...extra }));
      expect(b).toEqual(a);
      expect(b).not.toBe(a);
    }
  });

  it('remembers a bounded number of distinct requests', () => {
    const first = serverHandshake(request('/bounded-0', HEADERS));
    expect(serverHandshake(request('/bounded-0', HEADERS))).toBe(first);
    for (let i = 1; i <= 100; i++) serverHandshake(request(`/bounded-${i}`, HEADERS));
    // Forgotten once 64 others came after it: a fresh (equal) copy, not an ever-growing cache.
    const again = serverHandshake(request('/bounded-0', HEADERS));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
