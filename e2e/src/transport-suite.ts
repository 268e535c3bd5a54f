/**
 * The end-to-end suite every adapter must pass, written once and instantiated per transport.
 * A third-party adapter runs it by calling `transportSuite({ name, endpoint })` in a vitest file.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { connect, serve, ErrorCode, type Client, type Server, type Transport, type Link } from '@proj/core';
import { expectNothingLeft, leakCheck, nextEvent, until } from '@proj/testing';

/** Makes endpoints for one transport. */
export interface TransportFactory {
  /** Shown in test names. */
  name: string;
  /** A fresh endpoint nothing listens on yet; the same value is passed to `serve()` and `connect()`. */
  endpoint(): Promise<Transport>;
}

const fast = { initialDelay: 10, maxDelay: 100, jitter: 'none' as const };

export function transportSuite(factory: TransportFactory): void {
  describe(`transport suite: ${factory.name}`, () => {
    const open: Array<Client | Server> = [];
    const track = <T extends Client | Server>(x: T): T => (open.push(x), x);
    afterEach(async () => {
      while (open.length > 0) {
        const x = open.pop()!;
        await ('peers' in x ? x.close({ grace: 0 }) : x.destroy());
      }
    });

    it('echoes messages in order', async () => {
      const t = await factory.endpoint();
      track(await serve(t, (msg, peer) => peer.send({ echo: msg })));
      const client = track(connect(t, { reconnect: fast }));
      const got: unknown[] = [];
      client.on('message', (m) => got.push(m));
      for (let i = 0; i < 1000; i++) client.send(i);
      await until(() => got.length === 1000);
      expect(got).toEqual([...Array(1000).keys()].map((i) => ({ echo: i })));
    });

    it('connects a client that was started before the server', async () => {
      const t = await factory.endpoint();
      const client = track(connect(t, { reconnect: fast }));
      const [first] = await nextEvent(client, 'reconnecting');
      expect(first.error?.code).toBe(ErrorCode.CONNECT);
      client.send('queued before the server existed');
      const got: unknown[] = [];
      track(await serve(t, (msg) => void got.push(msg)));
      await client.connected();
      await until(() => got.length === 1);
      expect(got).toEqual(['queued before the server existed']);
    });

    it('reconnects with backoff after the server restarts, and messages flow again', async () => {
      const t = await factory.endpoint();
      const echo = (msg: unknown, peer: { send(v: unknown): boolean }): void => void peer.send(msg);
      const first = await serve(t, echo);
      const client = track(connect(t, { reconnect: { ...fast, strategy: 'exponential' } }));
      const got: unknown[] = [];
      client.on('message', (m) => got.push(m));
      client.send('before');
      await until(() => got.length === 1);

      const delays: number[] = [];
      client.on('reconnecting', (info) => delays.push(info.delay));
      await first.close({ grace: 0 });
      await until(() => delays.length >= 3, 10_000, 'three retries while the server is down');
      client.send('during');
      track(await serve(t, echo));
      await client.connected();
      client.send('after');
      await until(() => got.length === 3);
      expect(got).toEqual(['before', 'during', 'after']);
      expect(client.reconnects).toBe(1);
      expect(delays.slice(0, 3)).toEqual([10, 20, 40]);
    });

    for (const mode of ['end', 'destroy'] as const) {
      it(`clears every connection after a time with ${mode}(), and the client tells it apart and reconnects`, async () => {
        const t = await factory.endpoint();
        const server = track(await serve(t, (msg, peer) => void peer.send(msg)));
        const clients = [0, 1, 2].map(() => track(connect(t, { reconnect: fast })));
        await Promise.all(clients.map((c) => c.connected()));
        await until(() => server.peers.size === 3);
        const reasons: string[] = [];
        for (const c of clients) c.on('disconnect', (info) => reasons.push(info.reason));
        const cleared = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            void (mode === 'end' ? server.peers.endAll() : server.peers.destroyAll()).then(() => resolve());
          }, 50);
          timer.unref();
        });
        await cleared;
        await until(() => reasons.length === 3);
        // A transport without resets (unix sockets) declares it; the suite holds it to its declaration.
        const abrupt = t.resetVisible === false ? 'remote-end' : 'remote-reset';
        expect(reasons).toEqual(Array(3).fill(mode === 'end' ? 'remote-end' : abrupt));
        await until(() => clients.every((c) => c.reconnects === 1 && c.state === 'open') && server.peers.size === 3);
        const got: unknown[] = [];
        clients[0]!.on('message', (m) => got.push(m));
        clients[0]!.send('still here');
        await until(() => got.length === 1);
      });
    }

    it('delivers, once, a message sent into a connection the server has just destroyed', async () => {
      const t = await factory.endpoint();
      const got: unknown[] = [];
      const server = track(await serve(t, (m) => void got.push(m)));
      const client = track(connect(t, { reconnect: fast }));
      client.send('first');
      await until(() => got.length === 1);
      await server.peers.destroyAll();
      // The client has not read the reset yet: this write fails, and must not be lost.
      client.send('into the reset');
      await until(() => got.length === 2);
      client.send('after');
      await until(() => got.length === 3);
      expect(got).toEqual(['first', 'into the reset', 'after']);
      expect(client.stats.dropped).toBe(0);
    });

    it('reports a malformed line from a raw peer with its line number and keeps serving', async () => {
      const t = await factory.endpoint();
      const got: unknown[] = [];
      const server = track(await serve(t, (m) => void got.push(m)));
      const malformed = nextEvent(server, 'malformed');
      const raw = await rawPeer(t);
      raw.link.write('{"a":1}\n{"a":\n{"a":3}\n');
      const [error] = await malformed;
      expect(error.code).toBe(ErrorCode.MALFORMED_LINE);
      expect(error.details.line).toBe(2);
      await until(() => got.length === 2);
      expect(got).toEqual([{ a: 1 }, { a: 3 }]);
      raw.link.destroy();
    });

    it('delivers 100,000 messages in order with none lost, respecting backpressure', async () => {
      const N = 100_000;
      const t = await factory.endpoint();
      let next = 0;
      let outOfOrder = 0;
      const server = track(await serve(t, (m) => {
        if (m !== next) outOfOrder++;
        next++;
      }));
      const client = track(connect(t, { reconnect: fast }));
      await client.connected();
      for (let i = 0; i < N; i++) {
        if (!client.send(i)) await nextEvent(client, 'drain');
      }
      await until(() => next === N, 60_000, `${N} messages (got ${next})`);
      expect(outOfOrder).toBe(0);
      expect(server.stats.messagesIn).toBe(N);
      expect(client.stats).toMatchObject({ messagesOut: N, dropped: 0 });
      expect(client.stats.writes).toBeLessThan(N / 10); // coalesced, not one write per message
    });

    it('reports an oversize line with PROJ_ERR_LINE_TOO_LONG and delivers the next line', async () => {
      const t = await factory.endpoint();
      const got: unknown[] = [];
      const server = track(await serve(t, (m) => void got.push(m), { maxLineBytes: 1024 }));
      const malformed = nextEvent(server, 'malformed');
      const raw = await rawPeer(t);
      raw.link.write(`{"big":"${'x'.repeat(4096)}"}\n{"small":true}\n`);
      const [error] = await malformed;
      expect(error.code).toBe(ErrorCode.LINE_TOO_LONG);
      await until(() => got.length === 1);
      expect(got).toEqual([{ small: true }]);
      raw.link.destroy();
    });

    it('keeps server memory bounded for a slow reader: send() pushes back, the queue stays under its bound', async () => {
      const t = await factory.endpoint();
      const highWaterMark = 16 * 1024;
      const server = track(await serve(t, () => {}, { highWaterMark, maxQueueBytes: 256 * 1024 }));
      const client = track(connect(t, { reconnect: fast, readHighWaterMark: 8 }));
      await client.connected();
      await until(() => server.peers.size === 1);
      const peer = server.peers.list()[0]!;
      const payload = 'p'.repeat(4000);
      // Known once the transport has pushed back: the reader stops there.
      let total = Infinity;
      let received = 0;
      let inOrder = true;
      const reader = (async () => {
        for await (const m of client) {
          if ((m as { i: number }).i !== received) inOrder = false;
          if (++received === total) break;
          if (received % 4 === 0) await new Promise((r) => setTimeout(r, 0));
        }
      })();
      let maxQueued = 0;
      let pushedBack = 0;
      const send = async (i: number): Promise<void> => {
        const accepted = peer.send({ i, payload });
        maxQueued = Math.max(maxQueued, peer.queuedBytes);
        if (accepted) return;
        pushedBack++;
        await nextEvent(peer, 'drain', 30_000);
      };
      // Until the transport pushes back: sends that may fill highWaterMark are written at once,
      // so that takes what the kernel's loopback buffers hold (~4 MB here; 64 MB bounds the loop).
      let i = 0;
      while (pushedBack === 0 && i < 16_000) await send(i++);
      expect(pushedBack).toBe(1);
      // Then 4 MB more through the reader that takes four messages per macrotask.
      total = i + 1000;
      while (i < total) await send(i++);
      await reader;
      expect(received).toBe(total);
      expect(inOrder).toBe(true);
      expect(pushedBack).toBeGreaterThan(1);
      // The queue holds a message past highWaterMark at most (it fills only while the transport pushes back).
      expect(maxQueued).toBeLessThan(highWaterMark + payload.length + 64);
      // A sender that ignores the push-back is stopped at the bound, not allowed to grow memory.
      const fill = (): void => {
        for (let i = 0; i < 10_000; i++) peer.send({ i, payload });
      };
      expect(fill).toThrow(expect.objectContaining({ code: ErrorCode.QUEUE_FULL }));
      expect(peer.queuedBytes).toBeLessThanOrEqual(256 * 1024);
    });

    it('keeps registry counts exact under connect/disconnect churn', async () => {
      const t = await factory.endpoint();
      const server = track(await serve(t, () => {}));
      const clients: Client[] = [];
      for (let round = 0; round < 5; round++) {
        const joining = Array.from({ length: 20 }, () => connect(t, { reconnect: false }));
        clients.push(...joining);
        await Promise.all(joining.map((c) => c.connected()));
        const leaving = clients.splice(0, 10);
        await Promise.all(leaving.map((c, i) => (i % 2 === 0 ? c.end() : c.destroy())));
        await until(() => server.peers.size === clients.length, 10_000, `${clients.length} peers (have ${server.peers.size})`);
      }
      expect(server.peers.size).toBe(50);
      await Promise.all(clients.map((c) => c.end()));
      await until(() => server.peers.size === 0);
      expect(server.stats.accepted).toBe(100);
    });

    it('drains on close(): ends every peer, waits the grace period, destroys a peer that does not go', async () => {
      const t = await factory.endpoint();
      const server = await serve(t, () => {}, { maxQueueBytes: 64 * 1024 * 1024 });
      const polite = track(connect(t, { reconnect: false }));
      await polite.connected();
      await until(() => server.peers.size === 1);
      // A peer that stops reading: with megabytes queued in front of the graceful close, the close
      // cannot complete, so only the grace period ends it.
      const stubborn = await t.dial();
      let stubbornClosed = false;
      stubborn.attach({ onData: () => {}, onDrain: () => {}, onClose: () => (stubbornClosed = true) });
      stubborn.pause();
      await until(() => server.peers.size === 2);
      const stubbornPeer = server.peers.list()[1]!;
      const chunk = 'z'.repeat(1024 * 1024);
      for (let i = 0; i < 32; i++) stubbornPeer.send(chunk);
      const reasons: string[] = [];
      server.on('disconnect', (_peer, info) => reasons.push(info.reason));
      const politeGone = nextEvent(polite, 'disconnect');
      // The stubborn peer's first megabyte went out at once and is still in flight when close()
      // ends it, so its other 31 MiB wait in the stream behind it and TLS encrypts them after
      // the grace timer is armed (~100 ms here, over wss only); before, all 32 MiB were handed
      // over before close(). 600 ms leaves the polite peer's close room on a busy machine.
      await server.close({ grace: 600 });
      expect((await politeGone)[0].reason).toBe('remote-end');
      expect(reasons.sort()).toEqual(['local-destroy', 'local-end']);
      expect(server.peers.size).toBe(0);
      stubborn.resume(); // a paused socket does not read the reset either
      await until(() => stubbornClosed);
      await expect(t.dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT });
    });

    it('closes a peer idle past idleTimeout and keeps an active one', async () => {
      const t = await factory.endpoint();
      const server = track(await serve(t, () => {}, { idleTimeout: 300 }));
      const idle = track(connect(t, { reconnect: false }));
      const active = track(connect(t, { reconnect: false }));
      await Promise.all([idle.connected(), active.connected()]);
      const serverReasons: string[] = [];
      server.on('disconnect', (_p, info) => serverReasons.push(info.reason));
      const idleGone = nextEvent(idle, 'disconnect');
      const ticker = setInterval(() => active.send('ping'), 50);
      try {
        const [info] = await idleGone;
        expect(info.reason).toBe('remote-end');
        await until(() => serverReasons.length === 1);
        expect(serverReasons).toEqual(['idle-timeout']);
        // Past another full idle period, measured by the active peer's own traffic (8 more pings,
        // sent every 50 ms, reaching the server), not by a sleep: it is still there.
        const receivedNow = server.stats.messagesIn;
        await until(() => server.stats.messagesIn >= receivedNow + 8);
        expect(active.state).toBe('open');
        expect(server.peers.size).toBe(1);
      } finally {
        clearInterval(ticker);
      }
    });

    it('refuses connections past maxConnections with a reason, and admits the client once there is room', async () => {
      const t = await factory.endpoint();
      const server = track(await serve(t, () => {}, { maxConnections: 2 }));
      const a = track(connect(t, { reconnect: fast }));
      const b = track(connect(t, { reconnect: fast }));
      await Promise.all([a.connected(), b.connected()]);
      const refused = nextEvent(server, 'refused');
      const c = track(connect(t, { reconnect: fast }));
      const cDisconnect = nextEvent(c, 'disconnect');
      expect((await refused)[0].code).toBe(ErrorCode.MAX_CONNECTIONS);
      const [info] = await cDisconnect;
      expect(info).toMatchObject({ reason: 'refused', error: { code: ErrorCode.MAX_CONNECTIONS } });
      expect(server.peers.size).toBe(2);
      await a.end();
      await c.connected();
      await until(() => server.peers.size === 2);
    });

    it('leaves no sockets, servers or timers behind after close()', async () => {
      // Handles are followed by identity: earlier tests' servers still closing do not count.
      const check = leakCheck();
      const t = await factory.endpoint();
      const server = await serve(t, (msg, peer) => void peer.send(msg), { idleTimeout: 60_000 });
      const client = connect(t, { reconnect: fast, healthyAfter: 60_000 });
      const reply = nextEvent(client, 'message');
      client.send('ping');
      await reply;
      await client.end();
      await server.close();
      await expectNothingLeft(check);
    });
  });
}

async function rawPeer(t: Transport): Promise<{ link: Link }> {
  const link = await t.dial();
  link.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  return { link };
}
