import { describe, expect, it, vi, afterEach } from 'vitest';
import { connect, memory, serve, ErrorCode, ConnectionRegistry, type Link, type Peer, type Transport } from '../src/index.js';
import { nextEvent, until } from '@proj/testing';

const fast = { initialDelay: 5, maxDelay: 20, jitter: 'none' as const };
afterEach(() => vi.useRealTimers());

describe('ConnectionRegistry', () => {
  it('validates its options', () => {
    expect(() => new ConnectionRegistry({ maxConnections: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => new ConnectionRegistry({ idleTimeout: Number.NaN })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
  });

  it('tracks peers with id, transport, remote address, timestamps and metadata', async () => {
    const t = memory();
    const server = await serve(t, (msg, peer) => {
      peer.data.name = msg;
    });
    const client = connect(t, { reconnect: fast });
    client.send('alice');
    await until(() => server.peers.size === 1 && server.peers.list()[0]!.data.name === 'alice');
    const peer = server.peers.list()[0]!;
    expect(peer.id).toMatch(/^memory-\d+$/);
    expect(peer.transport).toBe('memory');
    expect(peer.remoteAddress).toBe('memory:a');
    expect(peer.connectedAt).toBeLessThanOrEqual(Date.now());
    expect(peer.lastActivity).toBeGreaterThanOrEqual(peer.connectedAt);
    expect(server.peers.get(peer.id)).toBe(peer);
    expect([...server.peers]).toEqual([peer]);
    await client.end();
    await server.close();
  });

  it('is empty after 1,000 connect/disconnect cycles', async () => {
    const t = memory();
    const server = await serve(t, () => {});
    let disconnects = 0;
    server.on('disconnect', () => disconnects++);
    for (let i = 0; i < 1000; i++) {
      const client = connect(t, { reconnect: false });
      await client.connected();
      if (i % 2 === 0) await client.end();
      else await client.destroy();
    }
    await until(() => disconnects === 1000);
    expect(server.peers.size).toBe(0);
    expect(server.stats.accepted).toBe(1000);
    await server.close();
  });

  it('broadcasts one encoding to every peer except the sender', async () => {
    const t = memory();
    const server = await serve(t, (msg, peer) => server.broadcast(msg, { except: peer }));
    const clients = await Promise.all([0, 1, 2].map(async () => {
      const c = connect(t, { reconnect: fast });
      await c.connected();
      return c;
    }));
    await until(() => server.peers.size === 3);
    const received: unknown[][] = clients.map(() => []);
    clients.forEach((c, i) => c.on('message', (m) => received[i]!.push(m)));
    clients[0]!.send({ from: 0 });
    await until(() => received[1]!.length === 1 && received[2]!.length === 1);
    expect(received).toEqual([[], [{ from: 0 }], [{ from: 0 }]]);
    await Promise.all(clients.map((c) => c.end()));
    await server.close();
  });

  it('skips a slow consumer in a broadcast and reports it as dropped', async () => {
    const t = memory();
    const server = await serve(t, () => {}, { maxQueueMessages: 5 });
    const slow = connect(t, { reconnect: fast });
    await slow.connected();
    await until(() => server.peers.size === 1);
    const dropped: Array<[string, Peer]> = [];
    server.on('dropped', (info, peer) => dropped.push([info.error.code, peer]));
    let skipped = 0;
    for (let i = 0; i < 10; i++) skipped += server.broadcast({ i }).skipped; // one tick: the queue caps at 5
    expect(skipped).toBe(5);
    expect(dropped).toHaveLength(5);
    expect(dropped[0]![0]).toBe(ErrorCode.DROPPED);
    await slow.end();
    await server.close();
  });

  it('tears down a peer whose link throws on write, reports its message dropped once, and still reaches the others', async () => {
    const inner = memory();
    let links = 0;
    const t: Transport = {
      name: 'broken-second',
      dial: (signal) => inner.dial(signal),
      // The second link accepted throws from write(), as a buggy custom link might.
      listen: (onLink) =>
        inner.listen((link) => {
          if (++links !== 2) return onLink(link);
          const broken: Link = {
            transport: link.transport,
            remoteAddress: link.remoteAddress,
            asyncDelivery: true,
            get bufferedAmount() {
              return link.bufferedAmount;
            },
            attach: (h) => link.attach(h),
            write: () => {
              throw new Error('link bug');
            },
            end: () => link.end(),
            destroy: (e) => link.destroy(e),
            pause: () => link.pause(),
            resume: () => link.resume(),
          };
          onLink(broken);
        }),
    };
    const server = await serve(t, () => {}, { highWaterMark: 1 });
    const good = connect(t, { reconnect: fast });
    await good.connected();
    await until(() => server.peers.size === 1);
    const broken = connect(t, { reconnect: false });
    await broken.connected();
    await until(() => server.peers.size === 2);
    const dropped: number[] = [];
    server.on('dropped', (info) => dropped.push(info.messages));
    const disconnects: Array<[string, string | undefined]> = [];
    server.on('disconnect', (_peer, info) => disconnects.push([info.reason, info.error?.message]));
    const received: unknown[] = [];
    good.on('message', (m) => received.push(m));
    // highWaterMark 1 and 8 KiB: the line is written from inside send(), where the broken link throws.
    const result = server.broadcast({ pad: 'x'.repeat(9000) });
    expect(result).toEqual({ sent: 2, skipped: 0 });
    await until(() => received.length === 1 && disconnects.length === 1);
    expect(disconnects).toEqual([['error', expect.stringContaining('threw: link bug')]]);
    // Counted once: not as a skip and then again when the torn-down peer reported its queue.
    expect(dropped).toEqual([1]);
    expect(server.stats.dropped).toBe(1);
    await good.end();
    await server.close({ grace: 0 });
    await broken.close();
  });

  it('closes a peer that stays idle past idleTimeout, but not an active one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t = memory();
    const server = await serve(t, () => {}, { idleTimeout: 1000 });
    const idle = connect(t, { reconnect: false });
    const active = connect(t, { reconnect: false });
    await idle.connected();
    await active.connected();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.peers.size).toBe(2);
    const reasons: string[] = [];
    server.on('disconnect', (_peer, info) => reasons.push(info.reason));
    for (let i = 0; i < 5; i++) {
      active.send({ ping: i });
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(reasons).toEqual(['idle-timeout']);
    expect(idle.state).toBe('closed');
    expect(active.state).toBe('open');
    await active.end();
    await server.close();
  });

  it('drain-and-close ends peers, waits for the grace period, then destroys the rest', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = memory();
    const server = await serve(t, () => {});
    const polite = connect(t, { reconnect: false });
    await polite.connected();
    // A raw peer that stops reading never completes the graceful close.
    const stubborn = await t.dial();
    stubborn.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    stubborn.pause();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.peers.size).toBe(2);
    const reasons: string[] = [];
    server.on('disconnect', (_p, info) => reasons.push(info.reason));
    let closed = false;
    void server.close({ grace: 2000 }).then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(reasons).toEqual(['local-end']);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(closed).toBe(true);
    expect(reasons).toEqual(['local-end', 'local-destroy']);
    expect(server.peers.size).toBe(0);
    // A closed server refuses new dials.
    await expect(t.dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT });
  });

  it('emits connection and disconnect for each peer', async () => {
    const t = memory();
    const server = await serve(t, () => {});
    const connected = nextEvent(server, 'connection');
    const client = connect(t, { reconnect: false });
    const [peer] = await connected;
    await client.connected();
    const disconnected = nextEvent(server, 'disconnect');
    await client.end();
    const [gone, info] = await disconnected;
    expect(gone).toBe(peer);
    expect(info.reason).toBe('remote-end');
    expect(peer.state).toBe('closed');
    await server.close();
  });
});
