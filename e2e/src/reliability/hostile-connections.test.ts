/**
 * Hostile connection patterns against a server in a child process: a flood of connections past
 * `maxConnections` (each refused with a typed reason both sides see), and 10,000 rapid
 * connect/disconnect cycles after which the registry is empty and the heap, measured after a
 * forced GC (`--expose-gc` in the child), is back where it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ErrorCode, type Client, type DisconnectInfo } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { until } from '@proj/testing';
import { report } from './figures.js';
import { HostileTarget, rssTable, type Kind } from './hostile-target.js';
import { frame, OPCODE, rawTcp, rawWs, type RawSocket } from './raw-peers.js';

const MAX_CONNECTIONS = 32;
const FLOOD = 500;
const CYCLES = 10_000;
const WARMUP = 2_000;
const CONCURRENCY = 16;
/** Heap growth allowed over 10,000 cycles after a full GC: 100 bytes per cycle would already exceed it. */
const HEAP_BOUND = 1024 * 1024;
const MiB = 1024 * 1024;

/** One connect/disconnect cycle, varying how the peer leaves: RST, graceful close, or a message then close. */
async function cycle(kind: Kind, port: number, i: number): Promise<void> {
  let socket: RawSocket;
  try {
    socket = kind === 'tcp' ? await rawTcp(port) : await rawWs(port);
  } catch {
    return; // a refused or reset dial is just another way for a hostile peer to vanish
  }
  switch (i % 3) {
    case 0:
      socket.socket.resetAndDestroy();
      break;
    case 1:
      if (kind === 'ws') socket.socket.write(frame(OPCODE.close, Buffer.from([0x03, 0xe8])));
      socket.socket.end();
      break;
    default:
      socket.socket.write(kind === 'tcp' ? '{"cycle":1}\n' : frame(OPCODE.text, '{"cycle":1}'));
      socket.socket.end();
  }
  await socket.closed;
}

async function cycles(kind: Kind, port: number, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await cycle(kind, port, next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

for (const kind of ['tcp', 'ws'] as Kind[]) {
  describe(`reliability: hostile connections over ${kind}`, () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    it(`a flood of ${FLOOD} connections past maxConnections (${MAX_CONNECTIONS}): each refused with PROJ_ERR_MAX_CONNECTIONS, the server unmoved`, async () => {
      const target = await HostileTarget.start(kind, { serve: { maxConnections: MAX_CONNECTIONS } });
      cleanup.push(() => target.server.kill());
      await target.begin();
      const transport = kind === 'tcp' ? tcp({ port: target.port }) : ws({ port: target.port });
      const clients: Client[] = [];
      const outcomes: DisconnectInfo[] = [];
      cleanup.push(() => Promise.all(clients.map((c) => c.destroy())));
      for (let i = 0; i < FLOOD; i++) {
        const client = connect(transport, { reconnect: false });
        client.on('disconnect', (info) => outcomes.push(info));
        clients.push(client);
      }
      await until(() => outcomes.length === FLOOD - MAX_CONNECTIONS, 30_000, `${FLOOD - MAX_CONNECTIONS} refusals (have ${outcomes.length})`);
      expect(outcomes.every((o) => o.reason === 'refused' && o.error?.code === ErrorCode.MAX_CONNECTIONS)).toBe(true);
      const stats = await target.until((s) => s.refused === FLOOD - MAX_CONNECTIONS && s.peers === MAX_CONNECTIONS, 10_000, 'server-side refusals');
      expect(stats.connections).toBe(MAX_CONNECTIONS);
      expect(clients.filter((c) => c.state === 'open')).toHaveLength(MAX_CONNECTIONS);
      const row = await target.end(`flood of ${FLOOD} connections`);
      // When the admitted ones go, the registry empties and the server serves again.
      await Promise.all(clients.map((c) => c.destroy()));
      await target.until((s) => s.peers === 0, 10_000, 'an empty registry');
      await target.health();
      report(`hostile connections over ${kind}: flood`, { flood: FLOOD, admitted: MAX_CONNECTIONS, refused: stats.refused, peakRssMiB: row.peakMiB, deltaMiB: row.deltaMiB });
      expect(row.deltaMiB).toBeLessThan(64);
    });

    it(`${CYCLES.toLocaleString('en')} rapid connect/disconnect cycles: registry empty, heap flat after GC`, async () => {
      const target = await HostileTarget.start(kind, { exposeGc: true });
      cleanup.push(() => target.server.kill());
      await cycles(kind, target.port, WARMUP);
      await target.until((s) => s.peers === 0, 10_000, 'an empty registry after the warm-up');
      const before = await target.gc();
      await target.begin();
      await cycles(kind, target.port, CYCLES);
      const stats = await target.until((s) => s.peers === 0, 20_000, 'an empty registry');
      const row = await target.end(`${CYCLES} connect/disconnect cycles`);
      const after = await target.gc();
      await target.health();
      const growth = after.heapUsed - before.heapUsed;
      report(`hostile connections over ${kind}: ${CYCLES} cycles`, {
        accepted: stats.connections,
        heapUsedBeforeMiB: +(before.heapUsed / MiB).toFixed(2),
        heapUsedAfterMiB: +(after.heapUsed / MiB).toFixed(2),
        heapGrowthKiB: Math.round(growth / 1024),
        peakRssMiB: row.peakMiB,
        deltaMiB: row.deltaMiB,
        disconnects: stats.disconnects,
      });
      console.info(rssTable([row]));
      expect(stats.peers).toBe(0);
      // A few dials may be reset before the server accepts them; nearly all are accepted.
      expect(stats.connections).toBeGreaterThan(CYCLES * 0.9);
      expect(growth).toBeLessThan(HEAP_BOUND);
    }, 120_000);
  });
}
