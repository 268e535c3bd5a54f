import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import net from 'node:net';
import { ErrorCode, connect, serve, type DisconnectInfo, type Link } from '@proj/core';
import { WebSocket, WebSocketServer } from 'ws';
import { ws as wsFromBrowserEntry, wsBrowser } from './browser.js';
import { BrowserLink, type StandardWebSocket } from './browser-link.js';
import { ws } from './index.js';
import { until } from '@proj/testing';
import { attach, listen, once } from './test-helpers.js';

// Node 20 has no global WebSocket; ws's WebSocket implements the same (WHATWG) surface.
// The real-browser run lives in e2e.
const globals = globalThis as { WebSocket?: unknown };
let original: unknown;
beforeEach(() => {
  original = globals.WebSocket;
  globals.WebSocket = WebSocket;
});
afterEach(() => {
  globals.WebSocket = original;
});

describe('wsBrowser()', () => {
  it('is exported as ws from @proj/ws/browser and validates its options', () => {
    expect(wsFromBrowserEntry).toBe(wsBrowser);
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_OPTION });
    expect(() => wsBrowser({ url: 'http://example.com' })).toThrow(invalid);
    expect(() => wsBrowser({ url: 'ws://x', highWaterMark: 0 })).toThrow(invalid);
    expect(() => wsBrowser({ url: 'ws://x', maxPayload: 0 })).toThrow(invalid);
  });

  it('keeps every frame within maxPayload: what was sent before the socket opened arrives whole', async () => {
    const maxPayload = 8 * 1024;
    const server = await serve(ws({ port: 0, maxPayload }), (message, peer) => peer.send({ echo: message }));
    const client = connect(wsBrowser({ url: server.address, maxPayload }));
    const disconnects: DisconnectInfo[] = [];
    client.on('disconnect', (info) => disconnects.push(info));
    const replies: number[] = [];
    client.on('message', (message) => replies.push((message as { echo: { n: number } }).echo.n));
    // ~50 KiB queued before the WebSocket opens: six maxPayloads in one batch.
    const total = 500;
    for (let n = 0; n < total; n++) client.send({ n, text: 'é'.repeat(n % 5), pad: 'x'.repeat(80) });
    await until(() => replies.length === total);
    expect(replies).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(client.stats.writes).toBeGreaterThan(6);
    expect(disconnects).toEqual([]);
    await client.close();
    await server.close();
  });

  it('exchanges messages with a core server', async () => {
    const server = await serve(ws({ port: 0, path: '/rpc' }), (message, peer) => peer.send({ echo: message }));
    const client = connect(wsBrowser({ url: server.address }));
    const replies: unknown[] = [];
    client.on('message', (message) => replies.push(message));
    client.send(1);
    client.send({ two: 'é' });
    await until(() => replies.length === 2);
    expect(replies).toEqual([{ echo: 1 }, { echo: { two: 'é' } }]);
    await client.close();
    await server.close();
  });

  it('sends one text frame per write and delivers text frames as strings', async () => {
    const { listener, links } = await listen();
    const link = await wsBrowser({ url: listener.address }).dial();
    expect(link.messageFramed).toBe(true);
    const fromServer = attach(link);
    await until(() => links.length === 1);
    const fromClient = attach(links[0]!);
    await new Promise<void>((resolve) => link.write('{"a":1}\n{"b":2}\n', () => resolve()));
    links[0]!.write('{"c":3}\n');
    await until(() => fromClient.frames.length === 1 && fromServer.frames.length === 1);
    expect(fromClient.text()).toBe('{"a":1}\n{"b":2}\n');
    expect(fromServer.frames).toEqual(['{"c":3}\n']);
    link.end();
    expect(await fromServer.closed).toEqual({ graceful: true });
    expect(await fromClient.closed).toEqual({ graceful: true });
    await listener.close();
  });

  it('maps close codes: a terminate is a reset, and destroy() reaches the peer as a reset', async () => {
    const { listener, links } = await listen();
    const reset = attach(await wsBrowser({ url: listener.address }).dial());
    await until(() => links.length === 1);
    attach(links[0]!).closed.catch(() => {});
    links[0]!.destroy();
    expect(await reset.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.CONNECTION_RESET } });

    const link = await wsBrowser({ url: listener.address }).dial();
    const local = attach(link);
    await until(() => links.length === 2);
    const peer = attach(links[1]!);
    link.destroy();
    expect(await local.closed).toEqual({ graceful: false });
    expect(await peer.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.CONNECTION_RESET, details: { closeCode: 4000 } } });
    await listener.close();
  });

  it('applies write backpressure through bufferedAmount and reports drain', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const peers: WebSocket[] = [];
    wss.on('connection', (socket) => {
      socket.pause(); // a peer that does not read
      peers.push(socket);
    });
    const link: Link = await wsBrowser({ url: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/` }).dial();
    const seen = attach(link);
    const chunk = 'x'.repeat(64 * 1024);
    let writes = 0;
    while (link.write(chunk)) if (++writes > 10_000) throw new Error('no backpressure after 640 MiB');
    await until(() => peers.length === 1);
    peers[0]!.resume();
    await until(() => seen.drains() === 1);
    link.destroy();
    await seen.closed;
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  it('wraps dial failures as PROJ_ERR_CONNECT, honours abort, and cannot listen', async () => {
    const { listener } = await listen();
    const url = listener.address;
    await listener.close();
    await expect(wsBrowser({ url }).dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ECONNREFUSED' } });
    await expect(wsBrowser({ url }).dial(AbortSignal.abort())).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await expect(wsBrowser({ url }).listen(() => {})).rejects.toMatchObject({ code: ErrorCode.LISTEN });

    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket.resume())); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
    const timedOut = await wsBrowser({ url: silentUrl, connectTimeout: 50 }).dial().catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: ErrorCode.CONNECT, message: expect.stringContaining('timed out') });
    const controller = new AbortController();
    const dialing = wsBrowser({ url: silentUrl }).dial(controller.signal).catch((e: unknown) => e);
    await until(() => sockets.length === 2);
    const gone = once(sockets[1]!, 'close');
    controller.abort();
    expect(await dialing).toMatchObject({ code: ErrorCode.ABORTED });
    await gone; // the connecting socket was closed
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));

    globals.WebSocket = undefined;
    await expect(wsBrowser({ url }).dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT });
  });

  it('lets a core client see a server end as remote-end', async () => {
    const server = await serve(ws({ port: 0 }), () => {});
    const client = connect(wsBrowser({ url: server.address }), { reconnect: false });
    await client.connected();
    const disconnect = once<[DisconnectInfo]>(client, 'disconnect');
    await until(() => server.peers.size === 1);
    await server.peers.endAll();
    expect((await disconnect)[0]).toEqual({ reason: 'remote-end' });
    await server.close();
  });
});

/** A WebSocket whose buffer the test empties by hand (`bufferedAmount`), as a browser's network would. */
function scriptedSocket(): StandardWebSocket {
  return {
    readyState: 1,
    bufferedAmount: 0,
    binaryType: 'blob',
    onopen: null,
    onerror: null,
    onclose: null,
    onmessage: null,
    send(data: string) {
      (this as { bufferedAmount: number }).bufferedAmount += Buffer.byteLength(data);
    },
    close() {},
  };
}

/** A BrowserLink on a scripted socket that has just sent two frames of 100 bytes; `results` records their callbacks. */
function twoFramesSent(): { socket: StandardWebSocket; link: BrowserLink; results: string[] } {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const socket = scriptedSocket();
  const link = new BrowserLink(socket, 'ws://scripted/', 1024, 1 << 20);
  link.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  const results: string[] = [];
  const record = (n: number) => (error?: Error | null) => results.push(`${error ? 'failed' : 'sent'} ${n}`);
  link.write('a'.repeat(99) + '\n', record(1));
  link.write('b'.repeat(99) + '\n', record(2));
  return { socket, link, results };
}

describe('BrowserLink writes', () => {
  afterEach(() => vi.useRealTimers());

  it('confirms a frame only once it has left bufferedAmount, in order, and fails those still in it at the close', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const socket = scriptedSocket();
    const set = (bytes: number): void => void ((socket as { bufferedAmount: number }).bufferedAmount = bytes);
    const link = new BrowserLink(socket, 'ws://scripted/', 1024, 1 << 20);
    let drains = 0;
    const closes: unknown[] = [];
    link.attach({ onData: () => {}, onDrain: () => drains++, onClose: (info) => closes.push(info) });
    const results: string[] = [];
    const record = (n: number) => (error?: Error | null) => results.push(`${error ? 'failed' : 'sent'} ${n}`);
    expect(link.write('a'.repeat(99) + '\n', record(1))).toBe(true); // 100 bytes
    expect(link.write('é'.repeat(50) + '\n', record(2))).toBe(true); // 101 bytes
    expect(link.write('c'.repeat(1999) + '\n', record(3))).toBe(false); // 2,000 bytes: 2,201 buffered
    vi.advanceTimersByTime(50);
    expect(results).toEqual([]); // nothing left the buffer yet
    set(2201 - 150); // the first frame and half the second left
    vi.advanceTimersByTime(10);
    expect(results).toEqual(['sent 1']);
    set(2000);
    vi.advanceTimersByTime(10);
    expect(results).toEqual(['sent 1', 'sent 2']);
    expect(drains).toBe(0);
    set(1000); // below the mark, the third frame still partly buffered
    vi.advanceTimersByTime(10);
    expect(drains).toBe(1);
    expect(results).toEqual(['sent 1', 'sent 2']);
    socket.onclose!({ code: 1006, reason: '' });
    expect(results).toEqual(['sent 1', 'sent 2', 'failed 3']);
    expect(closes).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('confirms, at a close, the frames that left the buffer since the last poll, and fails only the rest', () => {
    const { socket, results } = twoFramesSent();
    (socket as { bufferedAmount: number }).bufferedAmount = 100; // the first left, before any poll
    socket.onclose!({ code: 1000, reason: '' });
    expect(results).toEqual(['sent 1', 'failed 2']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails, at an abrupt close, the frames the last poll had not seen leave, even if bufferedAmount fell to 0', () => {
    const { socket, results } = twoFramesSent();
    (socket as { bufferedAmount: number }).bufferedAmount = 100;
    vi.advanceTimersByTime(10); // the poll sees the first leave
    (socket as { bufferedAmount: number }).bufferedAmount = 0; // emptied as the socket failed (Node's undici)
    socket.onclose!({ code: 1006, reason: '' });
    expect(results).toEqual(['sent 1', 'failed 2']);
  });
  it('confirms, at its own destroy(), the frames that left the buffer by then', async () => {
    const { socket, link, results } = twoFramesSent();
    (socket as { bufferedAmount: number }).bufferedAmount = 100; // the first left, before any poll
    link.destroy();
    expect(results).toEqual(['sent 1', 'failed 2']);
  });
});
