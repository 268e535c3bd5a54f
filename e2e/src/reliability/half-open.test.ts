/**
 * Half-open connections: a proxy between client and server stops forwarding in both directions
 * without closing anything. Without liveness checks neither side would ever notice (the kernel
 * keeps such a socket for hours). With them, both sides detect it and the client reconnects.
 *
 * - core liveness (`heartbeatInterval` / `heartbeatTimeout`): a blank line when nothing was sent
 *   for an interval; the link is destroyed with reason `heartbeat-timeout` when nothing arrived
 *   for the timeout. Runs over any transport: tcp, and ws (a blank text frame).
 * - the ws adapter's ping/pong `heartbeat`: the peer that stops answering is terminated
 *   (`PROJ_ERR_TRANSPORT`, `details.heartbeat`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { connect, serve, ErrorCode, type Client, type ClientOptions, type DisconnectInfo, type ServeOptions, type Server, type Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { nextEvent, until } from '@proj/testing';
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
  expect(info.reason).toBe('error');
  expect(info.error).toMatchObject({ code: ErrorCode.TRANSPORT, details: { heartbeat: INTERVAL } });
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
      if ('peers' in x) await x.close({ grace: 0 });
      else if ('blackhole' in x) await x.close();
      else await x.destroy();
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
});
