/**
 * A peer that accepts and closes at once. Every dial "succeeds", so a client that reset its
 * backoff on the handshake (reconnect-core's pitfall 2) would retry at the initial delay forever
 * and never reach its attempt limit. The backoff must keep growing, because it resets only once
 * a connection proved healthy, and `maxAttempts` must end it with `failed`.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, serve, ErrorCode, type Client, type ProjError, type Server, type Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';
import { nextEvent } from '@proj/testing';
import { report } from './figures.js';

const MAX_ATTEMPTS = 6;
const policy = { strategy: 'exponential' as const, initialDelay: 4, factor: 2, jitter: 'none' as const, maxDelay: 10_000, maxAttempts: MAX_ATTEMPTS };
const expectedDelays = Array.from({ length: MAX_ATTEMPTS }, (_, i) => 4 * 2 ** i); // 4, 8, … 128

interface Peer {
  transport: Transport;
  close(): Promise<void>;
}

/** A raw TCP server that accepts and immediately resets (RST) or ends (FIN) each connection. */
async function rawAcceptThenClose(mode: 'reset' | 'end'): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}); // the client may reset first; nothing to report
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'reset') socket.resetAndDestroy();
    else socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    transport: tcp({ port: (server.address() as net.AddressInfo).port }),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A @proj server whose every peer is destroyed (or ended) on arrival: works on any transport. */
async function libraryAcceptThenClose(listenOn: Transport, dialTo: (server: Server) => Transport, mode: 'destroy' | 'end'): Promise<Peer> {
  const server = await serve(listenOn, () => {});
  server.on('connection', (peer) => void (mode === 'destroy' ? peer.destroy() : peer.end()));
  return { transport: dialTo(server), close: () => server.close({ grace: 0 }) };
}

/** A @proj server that is full (`maxConnections: 0`): each connection gets the refusal line and is closed. */
async function fullServer(): Promise<Peer> {
  const server = await serve(tcp({ port: 0 }), () => {}, { maxConnections: 0 });
  return { transport: tcp({ port: server.port! }), close: () => server.close({ grace: 0 }) };
}

const dir = mkdtempSync(join(tmpdir(), 'proj-atc-'));

const peers: Array<[string, () => Promise<Peer>, expectedReason: string]> = [
  ['raw tcp server, RST on accept', () => rawAcceptThenClose('reset'), 'remote-reset'],
  ['raw tcp server, FIN on accept', () => rawAcceptThenClose('end'), 'remote-end'],
  ['@proj tcp server destroying every peer', () => libraryAcceptThenClose(tcp({ port: 0 }), (s) => tcp({ port: s.port! }), 'destroy'), 'remote-reset'],
  ['@proj unix server ending every peer', () => libraryAcceptThenClose(unix({ path: join(dir, 'atc.sock') }), () => unix({ path: join(dir, 'atc.sock') }), 'end'), 'remote-end'],
  ['@proj ws server destroying every peer', () => libraryAcceptThenClose(ws({ port: 0 }), (s) => ws({ port: s.port! }), 'destroy'), 'remote-reset'],
  ['@proj tcp server that is full (maxConnections: 0)', fullServer, 'refused'],
];

describe('reliability: accept-then-close peer', () => {
  const open: Array<Client | Peer> = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await ('destroy' in x ? x.destroy() : x.close());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, make, reason] of peers) {
    it(`${name}: backoff keeps growing and maxAttempts fires failed`, async () => {
      const peer = await make();
      open.push(peer);
      const client = connect(peer.transport, { reconnect: policy });
      open.push(client);
      const delays: number[] = [];
      const reasons: string[] = [];
      let connects = 0;
      client.on('reconnecting', (info) => delays.push(info.delay));
      client.on('disconnect', (info) => reasons.push(info.reason));
      client.on('connect', () => connects++);
      let dialFailures = 0;
      client.on('reconnecting', (info) => void (info.error?.code === ErrorCode.CONNECT && dialFailures++));
      const [error] = await nextEvent(client, 'failed', 10_000);
      if ((error.cause as ProjError | undefined)?.code === ErrorCode.CONNECT) dialFailures++;

      expect(delays).toEqual(expectedDelays);
      expect((error as ProjError).code).toBe(ErrorCode.RECONNECT_FAILED);
      expect(error.details.attempts).toBe(MAX_ATTEMPTS + 1);
      expect(client.state).toBe('failed');
      await client.closed;
      // Each attempt either got through the handshake and was closed at once (the storm a
      // reset-on-connect backoff would cause), or, when the RST overtakes the handshake on
      // loopback, failed as a dial: both count as failures.
      expect(connects + dialFailures).toBe(MAX_ATTEMPTS + 1);
      if (!reason.startsWith('remote-reset')) expect(connects).toBe(MAX_ATTEMPTS + 1);
      expect(reasons).toEqual(Array(connects).fill(reason));
      report(`accept-then-close (${name})`, { connects, dialFailures, delays, failedAfterAttempts: error.details.attempts });
    });
  }
});
