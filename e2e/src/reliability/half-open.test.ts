/**
 * Half-open connections: a proxy between client and server stops forwarding in both directions
 * without closing anything. Without liveness checks neither side would ever notice (the kernel
 * keeps such a socket for hours). With them, both sides detect it and the client reconnects.
 *
 * - core liveness (`heartbeatInterval` / `heartbeatTimeout`): a blank line when nothing was sent
 *   for an interval; the link is destroyed with reason `heartbeat-timeout` when nothing arrived
 *   for the timeout. Runs over any transport: tcp, and ws (a blank text frame).
 * - the ws adapter's ping/pong `heartbeat`: the peer that stops answering is terminated, with the
 *   same reason and code (`details.heartbeat`: the interval).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { connect, serve, ErrorCode, type Client, type ClientOptions, type DisconnectInfo, type ServeOptions, type Server, type Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { nextEvent, until, within } from '@proj/testing';
import { blackholeProxy, type BlackholeProxy } from './blackhole-proxy.js';
import { report } from './figures.js';

const INTERVAL = 100;
const TIMEOUT = 2 * INTERVAL;
/** Deadline for detection: generous against a loaded CI machine; the measured time is reported. */
const DETECTION_DEADLINE = 20 * TIMEOUT;
const fast = { initialDelay: 10, maxDelay: 100, jitter: 'none' as const };

interface Case {
  name: string;
  serverTransport: Transport;
  clientTransport: (proxyPort: number) => Transport;
  serveOptions: ServeOptions;
  clientOptions: ClientOptions;
  /** Bytes each way that prove several heartbeats went through while idle. */
  idleBytes: { up: number; down: number };
  expected: (info: DisconnectInfo) => void;
}

// Both set explicitly: a timeout only makes sense where the peer sends heartbeats of its own.
const coreHeartbeat = { heartbeatInterval: INTERVAL, heartbeatTimeout: TIMEOUT } as const;

function expectHeartbeatTimeout(info: DisconnectInfo): void {
  expect(info.reason).toBe('heartbeat-timeout');
  expect(info.error?.code).toBe(ErrorCode.HEARTBEAT_TIMEOUT);
}

function expectPingTimeout(info: DisconnectInfo): void {
  expectHeartbeatTimeout(info);
  expect(info.error?.details.heartbeat).toBe(INTERVAL);
}

const cases: Array<() => Case> = [
  () => ({
    name: 'tcp, core heartbeatInterval',
    serverTransport: tcp({ port: 0 }),
    clientTransport: (port) => tcp({ port }),
    serveOptions: coreHeartbeat,
    clientOptions: coreHeartbeat,
    // One blank line ("\n") per interval each way: 4 of them span two timeouts.
    idleBytes: { up: 4, down: 4 },
    expected: expectHeartbeatTimeout,
  }),
  () => ({
    name: 'ws, core heartbeatInterval (blank text frames; ws ping/pong off)',
    serverTransport: ws({ port: 0, heartbeat: 0 }),
    clientTransport: (port) => ws({ url: `ws://127.0.0.1:${port}/`, heartbeat: 0 }),
    serveOptions: coreHeartbeat,
    clientOptions: coreHeartbeat,
    // A one-byte text frame: 3 bytes server → client, 7 (masked) client → server.
    idleBytes: { up: 4 * 7, down: 4 * 3 },
    expected: expectHeartbeatTimeout,
  }),
  () => ({
    name: 'ws, adapter ping/pong heartbeat',
    serverTransport: ws({ port: 0, heartbeat: INTERVAL }),
    clientTransport: (port) => ws({ url: `ws://127.0.0.1:${port}/`, heartbeat: INTERVAL }),
    serveOptions: {},
    clientOptions: {},
    // The server pings every interval (2 bytes), the client pongs (6 bytes, masked).
    idleBytes: { up: 4 * 6, down: 4 * 2 },
    expected: expectPingTimeout,
  }),
];

describe('reliability: half-open connection', () => {
  const open: Array<Client | Server | BlackholeProxy> = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) {
      if ('peers' in x) await within(x.close({ grace: 0 }), 10_000, 'server.close()');
      else if ('blackhole' in x) await within(x.close(), 10_000, 'proxy.close()');
      else await within(x.destroy(), 10_000, 'client.destroy()');
    }
  });

  for (const make of cases) {
    const c = make();
    it(`${c.name}: both sides detect a silent black hole, the client reconnects`, async () => {
      const got: unknown[] = [];
      const server = await serve(c.serverTransport, (msg, peer) => {
        got.push(msg);
        peer.send({ echo: msg });
      }, c.serveOptions);
      open.push(server);
      const proxy = await blackholeProxy(server.port!);
      open.push(proxy);
      const client = connect(c.clientTransport(proxy.port), { reconnect: fast, ...c.clientOptions });
      open.push(client);
      const malformed: unknown[] = [];
      client.on('malformed', (e) => malformed.push(e));
      server.on('malformed', (e) => malformed.push(e));
      const clientDisconnects: DisconnectInfo[] = [];
      const serverDisconnects: DisconnectInfo[] = [];
      client.on('disconnect', (info) => clientDisconnects.push(info));
      server.on('disconnect', (_peer, info) => serverDisconnects.push(info));

      const reply = nextEvent(client, 'message');
      client.send('hello');
      expect((await reply)[0]).toEqual({ echo: 'hello' });

      // Idle, with heartbeats flowing: nobody times out, and no heartbeat surfaces as a message.
      const up0 = proxy.forwarded.up;
      const down0 = proxy.forwarded.down;
      await until(() => proxy.forwarded.up >= up0 + c.idleBytes.up && proxy.forwarded.down >= down0 + c.idleBytes.down, 10_000, 'heartbeats through the proxy');
      expect(clientDisconnects).toEqual([]);
      expect(serverDisconnects).toEqual([]);
      expect(got).toEqual(['hello']);
      expect(malformed).toEqual([]);
      expect(client.stats.messagesIn).toBe(1);

      // The black hole.
      const clientGone = nextEvent(client, 'disconnect', DETECTION_DEADLINE);
      const serverGone = nextEvent(server, 'disconnect', DETECTION_DEADLINE);
      let clientMs = NaN;
      let serverMs = NaN;
      const t0 = performance.now();
      proxy.blackhole();
      const [[clientInfo], [gonePeer, serverInfo]] = await Promise.all([
        clientGone.then((args) => ((clientMs = performance.now() - t0), args)),
        serverGone.then((args) => ((serverMs = performance.now() - t0), args)),
      ]);
      c.expected(clientInfo);
      c.expected(serverInfo);
      expect(server.peers.get(gonePeer.id)).toBeUndefined();

      // The client reconnects (through the proxy, which forwards new connections) and works.
      await client.connected();
      await until(() => server.peers.size === 1);
      const again = nextEvent(client, 'message');
      client.send('again');
      expect((await again)[0]).toEqual({ echo: 'again' });
      expect(proxy.connections).toBe(2);
      expect(client.reconnects).toBe(1);
      report(`half-open (${c.name})`, {
        interval: INTERVAL,
        timeout: TIMEOUT,
        clientDetectedMs: Math.round(clientMs),
        serverDetectedMs: Math.round(serverMs),
        swallowedBytes: proxy.swallowed,
      });
    });
  }

  it('tcp, core heartbeat: a live peer is not declared dead while a slow consumer holds reading', async () => {
    // The client reads with an async iterator that stalls: reading pauses (readHighWaterMark), so
    // the server's heartbeats sit unread in the kernel. The server is alive and the client keeps
    // pinging it; a verdict taken while this side does not read would be a false positive.
    const server = await serve(tcp({ port: 0 }), () => {}, coreHeartbeat);
    open.push(server);
    const client = connect(tcp({ port: server.port! }), { reconnect: fast, readHighWaterMark: 4, ...coreHeartbeat });
    open.push(client);
    const disconnects: DisconnectInfo[] = [];
    client.on('disconnect', (info) => disconnects.push(info));
    await client.connected();
    await until(() => server.peers.size === 1);
    const peer = server.peers.list()[0]!;
    for (let i = 0; i < 100; i++) peer.send({ i });

    const got: unknown[] = [];
    let stalledPings = 0;
    for await (const message of client) {
      got.push(message);
      if (got.length === 1) {
        // Stall until the server has received 4 of the client's pings (two heartbeat timeouts of
        // wall time) while the client's reading is held.
        const before = peer.stats.bytesIn;
        await until(() => peer.stats.bytesIn >= before + 4 || disconnects.length > 0, 10_000, 'client pings during the stall');
        stalledPings = peer.stats.bytesIn - before;
      }
      if (got.length === 100) break;
    }
    report('half-open (slow consumer, core heartbeat)', { stalledPings, disconnects: disconnects.map((d) => d.reason) });
    expect(disconnects).toEqual([]);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => ({ i })));
    expect(client.reconnects).toBe(0);
  });

  it.each(['tcp', 'ws'] as const)('%s, core heartbeat: a stalled link is detected while the client is blocked, and the batch it never accepted is sent again', async (kind) => {
    // The proxy freezes (stops reading both ways): kernel buffers fill and the client's last
    // write stays pending in Node until the heartbeat timeout destroys the link. That batch was
    // never accepted by the kernel, so it must go out again on the next connection; what the
    // dead link's kernel buffers did accept is lost (TCP gives no receipt) and must be all that is.
    const liveness = { heartbeatInterval: 250, heartbeatTimeout: 2000 }; // time enough to fill any loopback buffer
    const got: number[] = [];
    const server = await serve(kind === 'tcp' ? tcp({ port: 0 }) : ws({ port: 0, heartbeat: 0 }), (m) => void got.push((m as { i: number }).i), liveness);
    open.push(server);
    const proxy = await blackholeProxy(server.port!);
    open.push(proxy);
    const transport = kind === 'tcp' ? tcp({ port: proxy.port }) : ws({ url: `ws://127.0.0.1:${proxy.port}/`, heartbeat: 0 });
    const client = connect(transport, { reconnect: fast, maxQueueBytes: 256 * 1024 * 1024, ...liveness });
    open.push(client);
    const disconnects: DisconnectInfo[] = [];
    let i = 0;
    // Messages the dead link's transport confirmed: core takes the unconfirmed batches back out
    // of `messagesOut` before `disconnect`, to send them again.
    let acceptedAtDisconnect = -1;
    client.on('disconnect', (info) => {
      disconnects.push(info);
      if (acceptedAtDisconnect === -1) acceptedAtDisconnect = client.stats.messagesOut;
    });
    await client.connected();
    const pad = 'p'.repeat(16 * 1024);
    for (; i < 10; i++) client.send({ i, pad });
    await until(() => got.length === 10);

    proxy.blackhole('stall');
    let blocked = false;
    while (disconnects.length === 0 && i < 100_000) {
      if (client.send({ i: i++, pad })) continue;
      blocked = true;
      // Wait for the transport to take more, or for the link to be declared dead.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          client.off('drain', done).off('disconnect', done);
          resolve();
        };
        client.on('drain', done).on('disconnect', done);
      });
      if (disconnects.length === 0) blocked = false;
    }
    const iAtDisconnect = i;
    expect(disconnects.map((d) => d.reason)).toEqual(['heartbeat-timeout']);
    expect(blocked).toBe(true); // the scenario: the last write was still pending when the link died
    await client.connected();
    for (const end = i + 10; i < end; ) client.send({ i: i++, pad });
    await until(() => got[got.length - 1] === i - 1, 20_000, `message ${i - 1} after the reconnect`);

    const received = new Set(got);
    expect(acceptedAtDisconnect).toBeGreaterThanOrEqual(10);
    expect(acceptedAtDisconnect).toBeLessThan(iAtDisconnect); // some were never accepted
    const neverAccepted = Array.from({ length: iAtDisconnect - acceptedAtDisconnect }, (_, k) => acceptedAtDisconnect + k);
    const lostNeverAccepted = neverAccepted.filter((k) => !received.has(k));
    let outOfOrder = 0;
    for (let k = 1; k < got.length; k++) if (got[k]! <= got[k - 1]!) outOfOrder++;
    report(`half-open (${kind} stalled, client blocked)`, {
      sent: i,
      received: got.length,
      lostInDeadLinkKernelBuffers: i - got.length - lostNeverAccepted.length,
      pendingWhenDestroyed: neverAccepted.length,
      lostOfThose: lostNeverAccepted.length,
      dropped: client.stats.dropped,
    });
    expect(outOfOrder).toBe(0);
    expect(client.stats.dropped).toBe(0);
    expect(lostNeverAccepted, 'messages of the write still pending at destroy() were lost, not sent again').toEqual([]);
  }, 60_000);
});
