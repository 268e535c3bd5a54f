/**
 * The end-to-end suite every adapter must pass, written once and instantiated per transport.
 * A third-party adapter runs it by calling `transportSuite({ name, endpoint })` in a vitest file.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { connect, serve, ErrorCode, type Client, type Server, type Transport, type Link } from '@proj/core';
import { liveHandles, nextEvent, until } from './wait.js';

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
        expect(reasons).toEqual(Array(3).fill(mode === 'end' ? 'remote-end' : 'remote-reset'));
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

    it('leaves no sockets, servers or timers behind after close()', async () => {
      const before = liveHandles();
      const t = await factory.endpoint();
      const server = await serve(t, (msg, peer) => void peer.send(msg), { idleTimeout: 60_000 });
      const client = connect(t, { reconnect: fast, healthyAfter: 60_000 });
      const reply = nextEvent(client, 'message');
      client.send('ping');
      await reply;
      await client.end();
      await server.close();
      await until(() => JSON.stringify(liveHandles()) === JSON.stringify(before), 5000, `handles back to ${JSON.stringify(before)}, now ${JSON.stringify(liveHandles())}`);
    });
  });
}

async function rawPeer(t: Transport): Promise<{ link: Link }> {
  const link = await t.dial();
  link.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  return { link };
}
