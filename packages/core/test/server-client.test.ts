import { describe, expect, it, vi, afterEach } from 'vitest';
import diagnosticsChannel from 'node:diagnostics_channel';
import { connect, memory, serve, ErrorCode, Peer, diagnosticChannels, type Client, type Server, type Link } from '../src/index.js';
import { collect, nextEvent, until } from '@proj/testing';

const fast = { initialDelay: 5, maxDelay: 20, jitter: 'none' as const };
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanup.length > 0) await cleanup.pop()!();
});
function track<T extends Client | Server>(x: T): T {
  cleanup.push(() => ('peers' in x ? x.close({ grace: 0 }) : x.destroy()));
  return x;
}

/** Dials the transport and returns the raw link with everything it receives as text. */
async function rawPeer(transport: ReturnType<typeof memory>): Promise<{ link: Link; text: () => string; closed: Promise<void> }> {
  const link = await transport.dial();
  let received = '';
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  link.attach({ onData: (c) => (received += typeof c === 'string' ? c : Buffer.from(c).toString()), onDrain: () => {}, onClose: () => onClosed() });
  return { link, text: () => received, closed };
}

describe('serve() and connect()', () => {
  it('exchanges any JSON value, null and primitives included, in order', async () => {
    const t = memory();
    track(await serve(t, (msg, peer) => peer.send(msg)));
    const client = track(connect(t, { reconnect: fast }));
    const got = collect(client);
    const values = [{ a: 1 }, null, 0, 'text', [1, [2]], true, { nested: { ü: 'ß' } }];
    for (const v of values) client.send(v);
    await until(() => got.length === values.length);
    expect(got).toEqual(values);
  });

  it('ends a line at each frame end on a message-framed link (a browser sends JSON.stringify(x))', async () => {
    const t = memory({ messageFramed: true });
    const got: unknown[] = [];
    track(await serve(t, (m) => void got.push(m)));
    const raw = await rawPeer(t);
    raw.link.write(JSON.stringify({ a: 1 }));
    raw.link.write('{"b":2}\n{"c":3}');
    raw.link.write('4\n');
    await until(() => got.length === 4);
    expect(got).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, 4]);
  });

  it("describes a peer's remote end while open and after it closed, from the link and then from what was kept of it", async () => {
    const handshake = Object.freeze({ url: '/feed' });
    const t = memory({ handshake });
    const server = track(await serve(t, () => {}));
    const raw = await rawPeer(t);
    await until(() => server.peers.size === 1);
    const [peer] = [...server.peers];
    const open = { transport: peer!.transport, remoteAddress: peer!.remoteAddress, handshake: peer!.handshake };
    expect(open).toEqual({ transport: 'memory', remoteAddress: expect.stringMatching(/./), handshake });
    expect(open.handshake).toBe(handshake);
    const seenAtDisconnect = nextEvent(server, 'disconnect').then(([p]) => ({ transport: p.transport, remoteAddress: p.remoteAddress, handshake: p.handshake, state: p.state }));
    raw.link.end();
    expect(await seenAtDisconnect).toEqual({ ...open, state: 'closed' });
    await peer!.closed;
    expect({ transport: peer!.transport, remoteAddress: peer!.remoteAddress, handshake: peer!.handshake }).toEqual(open);
    expect(peer!.handshake).toBe(handshake);
  });

  it('gives a peer of a link without a handshake an empty one, open and closed', async () => {
    const t = memory();
    const server = track(await serve(t, () => {}));
    const raw = await rawPeer(t);
    await until(() => server.peers.size === 1);
    const [peer] = [...server.peers];
    expect(peer!.handshake).toEqual({});
    raw.link.destroy();
    await peer!.closed;
    expect(peer!.handshake).toEqual({});
    expect(peer!.transport).toBe('memory');
  });

  it('joins a line split across writes on a byte-stream link', async () => {
    const t = memory();
    const got: unknown[] = [];
    track(await serve(t, (m) => void got.push(m)));
    const raw = await rawPeer(t);
    raw.link.write('{"a":');
    raw.link.write('1}\n');
    await until(() => got.length === 1);
    expect(got).toEqual([{ a: 1 }]);
  });

  it('coalesces every send of one tick into a single transport write', async () => {
    const t = memory();
    const server = track(await serve(t, () => {}));
    const client = track(connect(t, { reconnect: fast }));
    await client.connected();
    for (let i = 0; i < 500; i++) client.send({ i });
    await client.flushed();
    expect(client.stats.writes).toBe(1);
    expect(client.stats.messagesOut).toBe(500);
    await until(() => server.stats.messagesIn === 500);
  });

  it("makes a peer's counters with its first counted event: an idle peer holds none, and server.stats does not make them", async () => {
    const t = memory();
    const server = track(await serve(t, () => {}));
    const idle = await rawPeer(t);
    const busy = await rawPeer(t);
    await until(() => server.peers.size === 2);
    const [idlePeer, busyPeer] = server.peers.list();
    busy.link.write('{"a":1}\n');
    await until(() => server.stats.messagesIn === 1);
    expect(server.stats).toMatchObject({ messagesIn: 1, bytesIn: 8 });
    expect(Peer.statsIfMade(idlePeer!)).toBeUndefined();
    expect(Peer.statsIfMade(busyPeer!)).toBe(busyPeer!.stats);
    // Read once, they exist from then on: the same object, updated in place.
    const stats = idlePeer!.stats;
    expect(stats).toEqual({ messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, dropped: 0, writes: 0 });
    idle.link.write('2\n');
    await until(() => stats.messagesIn === 1);
    expect(idlePeer!.stats).toBe(stats);
    expect(server.stats.messagesIn).toBe(2);
  });

  it('queues sends while disconnected and flushes them in order once the server appears', async () => {
    const t = memory();
    const client = track(connect(t, { reconnect: fast }));
    await nextEvent(client, 'reconnecting');
    for (let i = 0; i < 10; i++) client.send(i);
    expect(client.queuedMessages).toBe(10);
    const got: unknown[] = [];
    track(await serve(t, (msg) => void got.push(msg)));
    await until(() => got.length === 10);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('returns false from send() above highWaterMark and emits drain once flushed', async () => {
    const t = memory();
    track(await serve(t, () => {}));
    const client = track(connect(t, { reconnect: fast, highWaterMark: 100 }));
    await client.connected();
    let accepted = true;
    let n = 0;
    while (accepted) accepted = client.send({ n: n++, pad: 'x'.repeat(10) });
    expect(n).toBeLessThan(10);
    await nextEvent(client, 'drain');
    expect(client.queuedMessages).toBe(0);
  });

  it('rejects an unencodable value before anything is queued', () => {
    const t = memory();
    const client = track(connect(t, { reconnect: fast }));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => client.send(circular)).toThrow(expect.objectContaining({ code: ErrorCode.ENCODE }));
    expect(() => client.send(10n)).toThrow(expect.objectContaining({ code: ErrorCode.ENCODE }));
    expect(client.queuedMessages).toBe(0);
  });

  it('throws PROJ_ERR_QUEUE_FULL at the bound under the reject policy', () => {
    const client = track(connect(memory(), { reconnect: fast, maxQueueMessages: 3 }));
    client.send(1);
    client.send(2);
    client.send(3);
    expect(() => client.send(4)).toThrow(expect.objectContaining({ code: ErrorCode.QUEUE_FULL }));
    expect(client.queuedMessages).toBe(3);
  });

  it('rejects invalid queue limits when the channel is made, though its queue is only made by the first send', () => {
    expect(() => connect(memory(), { maxQueueMessages: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => connect(memory(), { maxQueueBytes: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => connect(memory(), { overflow: 'bogus' as never })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    const client = track(connect(memory(), { reconnect: false }));
    expect(client.queuedMessages).toBe(0);
    expect(client.queuedBytes).toBe(0);
    client.send({ é: 1 });
    expect(client.queuedMessages).toBe(1);
    expect(client.queuedBytes).toBe(Buffer.byteLength('{"é":1}\n'));
  });

  it('drops the oldest queued messages under drop-oldest and reports them', () => {
    const client = track(connect(memory(), { reconnect: fast, maxQueueMessages: 3, overflow: 'drop-oldest' }));
    const dropped: number[] = [];
    client.on('dropped', (info) => {
      expect(info.error.code).toBe(ErrorCode.DROPPED);
      dropped.push(info.messages);
    });
    for (let i = 0; i < 5; i++) client.send(i);
    expect(dropped).toEqual([1, 1]);
    expect(client.queuedMessages).toBe(3);
    expect(client.stats.dropped).toBe(2);
  });

  it('reports queued messages as dropped when a client closes before connecting', async () => {
    const client = connect(memory(), { reconnect: fast });
    client.send('never sent');
    const dropped = nextEvent(client, 'dropped');
    await client.end();
    const [info] = await dropped;
    expect(info.messages).toBe(1);
    expect(client.state).toBe('closed');
    expect(() => client.send(1)).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });

  it('reports a malformed line with its line number and keeps the connection', async () => {
    const t = memory();
    const got: unknown[] = [];
    const server = track(await serve(t, (msg) => void got.push(msg)));
    const malformed = nextEvent(server, 'malformed');
    const raw = await rawPeer(t);
    raw.link.write('{"ok":1}\n{not json}\n{"ok":2}\n');
    const [error, peer] = await malformed;
    expect(error.code).toBe(ErrorCode.MALFORMED_LINE);
    expect(error.details.line).toBe(2);
    expect(error.details.connection).toBe(peer.id);
    await until(() => got.length === 2);
    expect(got).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(server.stats.malformed).toBe(1);
    expect(server.peers.size).toBe(1);
  });

  it('closes the connection on a malformed line when closeOnMalformed is set', async () => {
    const t = memory();
    const server = track(await serve(t, () => {}, { closeOnMalformed: true }));
    const disconnect = nextEvent(server, 'disconnect');
    const raw = await rawPeer(t);
    raw.link.write('garbage\n');
    const [, info] = await disconnect;
    expect(info.reason).toBe('malformed');
    expect(info.error?.code).toBe(ErrorCode.MALFORMED_LINE);
    await raw.closed;
  });

  it('reports an oversize line and delivers the next one', async () => {
    const t = memory();
    const got: unknown[] = [];
    const server = track(await serve(t, (m) => void got.push(m), { maxLineBytes: 64 }));
    const malformed = nextEvent(server, 'malformed');
    const raw = await rawPeer(t);
    raw.link.write(`"${'x'.repeat(200)}"\n{"after":true}\n`);
    const [error] = await malformed;
    expect(error.code).toBe(ErrorCode.LINE_TOO_LONG);
    await until(() => got.length === 1);
    expect(got).toEqual([{ after: true }]);
  });

  it('reports a handler that throws or rejects and keeps serving', async () => {
    const t = memory();
    const server = track(await serve(t, (msg, peer) => {
      if (msg === 'throw') throw new Error('boom');
      if (msg === 'reject') return Promise.reject(new Error('async boom'));
      peer.send({ ok: msg });
    }));
    const errors: string[] = [];
    server.on('handlerError', (error) => {
      expect(error.code).toBe(ErrorCode.HANDLER);
      errors.push((error.cause as Error).message);
    });
    const client = track(connect(t, { reconnect: fast }));
    const got = collect(client);
    client.send('throw');
    client.send('reject');
    client.send('fine');
    await until(() => got.length === 1 && errors.length === 2);
    expect(got).toEqual([{ ok: 'fine' }]);
    expect(errors.sort()).toEqual(['async boom', 'boom']);
  });

  it('tells the client whether the server ended or destroyed its connection, then reconnects', async () => {
    const t = memory();
    const server = track(await serve(t, () => {}));
    const client = track(connect(t, { reconnect: fast }));
    await client.connected();
    const reasons: string[] = [];
    client.on('disconnect', (info) => reasons.push(info.reason));
    await server.peers.endAll();
    await until(() => client.reconnects === 1 && client.state === 'open');
    await server.peers.destroyAll();
    await until(() => client.reconnects === 2 && client.state === 'open');
    expect(reasons).toEqual(['remote-end', 'remote-reset']);
  });

  it('iterates messages with for await and ends when the channel closes', async () => {
    const t = memory();
    const server = track(await serve(t, (msg, peer) => peer.send(msg)));
    const client = track(connect(t, { reconnect: fast }));
    for (let i = 0; i < 5; i++) client.send(i);
    const got: unknown[] = [];
    for await (const msg of client) {
      got.push(msg);
      if (got.length === 5) void client.end();
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(server.peers.size).toBeLessThanOrEqual(1);
  });

  it('pauses reading while an async iterator falls behind, and resumes', async () => {
    const t = memory({ highWaterMark: 1024 });
    let serverPeer: import('../src/index.js').Peer | undefined;
    const server = track(await serve(t, () => {}));
    server.on('connection', (peer) => (serverPeer = peer));
    const client = track(connect(t, { reconnect: fast, readHighWaterMark: 10 }));
    await client.connected();
    await until(() => serverPeer !== undefined);
    const iterator = client[Symbol.asyncIterator]();
    // The server sends far more than the client's read high-water mark; with reading paused the
    // bytes back up on the server side instead of piling up in the client.
    let sent = 0;
    while (sent < 2000 && serverPeer!.send({ sent: sent++, pad: 'p'.repeat(50) })) {}
    for (let i = 0; i < 200 && serverPeer!.queuedMessages === 0; i++) {
      await new Promise((r) => setImmediate(r));
      if (sent < 2000) serverPeer!.send({ sent: sent++, pad: 'p'.repeat(50) });
    }
    expect(serverPeer!.queuedMessages).toBeGreaterThan(0);
    const got: unknown[] = [];
    while (got.length < sent) got.push((await iterator.next()).value);
    expect(got.map((m) => (m as { sent: number }).sent)).toEqual([...Array(sent).keys()]);
    await iterator.return!();
  });

  it('refuses connections past maxConnections with a reason both sides see', async () => {
    const t = memory();
    const server = track(await serve(t, () => {}, { maxConnections: 1 }));
    const first = track(connect(t, { reconnect: fast }));
    await first.connected();
    const refused = nextEvent(server, 'refused');
    const second = track(connect(t, { reconnect: { ...fast, maxAttempts: 2 } }));
    const disconnect = nextEvent(second, 'disconnect');
    const [error] = await refused;
    expect(error.code).toBe(ErrorCode.MAX_CONNECTIONS);
    const [info] = await disconnect;
    expect(info.reason).toBe('refused');
    expect(info.error?.code).toBe(ErrorCode.MAX_CONNECTIONS);
    expect(server.peers.size).toBe(1);
    expect(server.stats.refused).toBeGreaterThanOrEqual(1);
  });

  it('publishes connect and disconnect on diagnostics_channel', async () => {
    const seen: string[] = [];
    const onConnect = (): void => void seen.push('connect');
    const onDisconnect = (msg: unknown): void => void seen.push(`disconnect:${(msg as { reason: string }).reason}`);
    diagnosticsChannel.subscribe(diagnosticChannels.clientConnect, onConnect);
    diagnosticsChannel.subscribe(diagnosticChannels.clientDisconnect, onDisconnect);
    try {
      const t = memory();
      track(await serve(t, () => {}));
      const client = connect(t, { reconnect: fast });
      await client.connected();
      await client.end();
      expect(seen).toEqual(['connect', 'disconnect:local-end']);
    } finally {
      diagnosticsChannel.unsubscribe(diagnosticChannels.clientConnect, onConnect);
      diagnosticsChannel.unsubscribe(diagnosticChannels.clientDisconnect, onDisconnect);
    }
  });

  it('fails after maxAttempts when no server ever appears', async () => {
    const client = connect(memory(), { reconnect: { ...fast, maxAttempts: 3 } });
    const [error] = await nextEvent(client, 'failed');
    expect(error.code).toBe(ErrorCode.RECONNECT_FAILED);
    expect(client.state).toBe('failed');
    await expect(client.connected()).rejects.toMatchObject({ code: ErrorCode.CLOSED });
  });

  it('closes for good with reconnect: false when the connection ends', async () => {
    const t = memory();
    const server = track(await serve(t, () => {}));
    const client = connect(t, { reconnect: false });
    await client.connected();
    await server.peers.endAll();
    await client.closed;
    expect(client.state).toBe('closed');
  });
});
