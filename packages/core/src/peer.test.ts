import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { until } from '@proj/testing';
import { connect, type Client } from './client.js';
import type { ProjError } from './errors.js';
import { memory } from './memory-transport.js';
import { Peer } from './peer.js';
import type { Transport } from './transport.js';
import { serve, type Server } from './server.js';
import type { DroppedInfo } from './send-queue.js';

const open: Array<Client | Server> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('peers' in x ? x.close({ grace: 0 }) : x.destroy());
});

async function connected(server: Server, transport: ReturnType<typeof memory>, count: number): Promise<{ clients: Client[]; peers: Peer[] }> {
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const client = connect(transport, { reconnect: false });
    open.push(client);
    await client.connected();
    clients.push(client);
  }
  await until(() => server.peers.size === count);
  return { clients, peers: server.peers.list() };
}

describe('Peer ids', () => {
  it('are made when first read, stay the same, and find their peer in the registry and nothing else', async () => {
    const t = memory();
    const server = await serve(t, () => {});
    open.push(server);
    const { clients, peers } = await connected(server, t, 2);
    const [first, second] = peers as [Peer, Peer];
    const id = first.id;
    expect(id).toMatch(/^memory-[1-9]\d*$/);
    expect(first.id).toBe(id);
    expect(second.id).not.toBe(id);
    expect(server.peers.get(id)).toBe(first);
    expect(server.peers.get(second.id)).toBe(second);
    const n = Number(id.slice('memory-'.length));
    // The same number under another spelling or transport, and ids of no peer.
    for (const other of [`memory-0${n}`, `tcp-${n}`, `${n}`, `memory-${n}.0`, 'memory-', 'memory', '', `memory-${n + 1000}`]) {
      expect(server.peers.get(other)).toBeUndefined();
    }
    // An id taken from a peer's message may be anything.
    for (const other of [n, undefined, null, {}, [id]]) expect(server.peers.get(other as string)).toBeUndefined();
    expect(JSON.stringify(first)).toBe(`{"id":"${id}"}`);
    expect(inspect(first)).toBe(`Peer { id: '${id}', remoteAddress: 'memory:a', state: 'open' }`);
    await clients[0]!.end();
    await first.closed;
    expect(server.peers.get(id)).toBeUndefined();
    expect(server.peers.get(second.id)).toBe(second);
  });

  it('are not made while a peer talks, and can first be read after the connection has ended', async () => {
    const reads = vi.spyOn(Peer.prototype, 'id', 'get');
    try {
      const t = memory();
      const server = await serve(t, (message, peer) => peer.send(message));
      open.push(server);
      const { clients, peers } = await connected(server, t, 1);
      const replies: unknown[] = [];
      clients[0]!.on('message', (m) => replies.push(m));
      clients[0]!.send({ n: 1 });
      await until(() => replies.length === 1);
      await clients[0]!.end();
      await peers[0]!.closed;
      expect(reads).not.toHaveBeenCalled();
      expect(peers[0]!.id).toMatch(/^memory-[1-9]\d*$/);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('are in the details of a full send queue’s error, under both overflow policies', async () => {
    const t = memory();
    const thrown: unknown[] = [];
    const server = await serve(
      t,
      (_message, peer) => {
        peer.send(1);
        try {
          peer.send(2);
        } catch (err) {
          thrown.push(err);
        }
      },
      { maxQueueMessages: 1 },
    );
    open.push(server);
    const { clients, peers } = await connected(server, t, 1);
    clients[0]!.send('go');
    await until(() => thrown.length === 1);
    expect(thrown[0]).toMatchObject({ code: 'PROJ_ERR_QUEUE_FULL', details: { connection: peers[0]!.id, maxQueueMessages: 1, queuedMessages: 1 } });

    const t2 = memory();
    const dropped: DroppedInfo[] = [];
    const dropping = await serve(
      t2,
      (_message, peer) => {
        peer.send(1);
        peer.send(2);
      },
      { maxQueueMessages: 1, overflow: 'drop-oldest' },
    );
    open.push(dropping);
    dropping.on('dropped', (info) => dropped.push(info));
    const second = await connected(dropping, t2, 1);
    second.clients[0]!.send('go');
    await until(() => dropped.length === 1);
    expect((dropped[0]!.error as ProjError).details).toMatchObject({ connection: second.peers[0]!.id, messages: 1 });
  });
});

describe('Peers of servers sharing one options object', () => {
  it('report to their own server', async () => {
    const options = { maxQueueMessages: 100 };
    const seen: Array<[string, unknown]> = [];
    const [ta, tb] = [memory(), memory()];
    const a = await serve(ta, (message) => void seen.push(['a', message]), options);
    const b = await serve(tb, (message) => void seen.push(['b', message]), options);
    open.push(a, b);
    const [ca, cb] = [(await connected(a, ta, 1)).clients[0]!, (await connected(b, tb, 1)).clients[0]!];
    ca.send('to a');
    cb.send('to b');
    await until(() => seen.length === 2);
    expect(seen.sort()).toEqual([
      ['a', 'to a'],
      ['b', 'to b'],
    ]);
    const disconnects: string[] = [];
    a.on('disconnect', () => disconnects.push('a'));
    b.on('disconnect', () => disconnects.push('b'));
    await cb.end();
    await until(() => disconnects.length === 1);
    expect(disconnects).toEqual(['b']);
    expect([a.peers.size, b.peers.size]).toEqual([1, 0]);
  });
});

/**
 * `inner`, with what the server side does to each accepted link written to `log`. As a socket's
 * FIN does, an end completes later: after a timer, or (`held`) when `release()` is called.
 */
function spying(inner: Transport, log: string[], ends: { held: boolean; pending: Array<() => void> } = { held: false, pending: [] }): Transport {
  return {
    name: inner.name,
    dial: (signal) => inner.dial(signal),
    listen: (onLink) =>
      inner.listen((link) => {
        const [write, end] = [link.write.bind(link), link.end.bind(link)];
        link.write = (chunk, callback) => (log.push(`write ${String(chunk).trim()}`), write(chunk, callback));
        link.end = () => {
          log.push('end');
          if (ends.held) ends.pending.push(end);
          else setTimeout(end, 0);
        };
        onLink(link);
      }),
  };
}

describe('A peer that is ending', () => {
  it('writes nothing after its end: a send after end() is reported as dropped, and the close stays local-end', async () => {
    const t = memory();
    const log: string[] = [];
    const server = await serve(spying(t, log), () => {});
    open.push(server);
    const dropped: DroppedInfo[] = [];
    server.on('dropped', (info) => dropped.push(info));
    const { clients, peers } = await connected(server, t, 1);
    const received: unknown[] = [];
    clients[0]!.on('message', (m) => received.push(m));
    const peer = peers[0]!;
    peer.send('before');
    const ending = peer.end();
    peer.send('after');
    expect(await ending).toEqual({ reason: 'local-end' });
    expect(log).toEqual(['write "before"', 'end']);
    expect(received).toEqual(['before']);
    expect(dropped.map((d) => d.messages)).toEqual([1]);
  });

  it('sends no heartbeat while its end is pending', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const t = memory();
      const log: string[] = [];
      const ends = { held: true, pending: [] as Array<() => void> };
      const server = await serve(spying(t, log, ends), () => {}, { heartbeatInterval: 1000 });
      open.push(server);
      const { peers } = await connected(server, t, 1);
      vi.advanceTimersByTime(2500);
      expect(log).toEqual(['write ', 'write ']); // two heartbeats (blank lines) while open
      const ending = peers[0]!.end();
      vi.advanceTimersByTime(5000);
      expect(log).toEqual(['write ', 'write ', 'end']);
      for (const end of ends.pending.splice(0)) end();
      expect(await ending).toEqual({ reason: 'local-end' });
    } finally {
      vi.useRealTimers();
    }
  });
});
