/**
 * The transports of the tour: TCP, a unix socket and a WebSocket, each on a free address picked
 * before any server exists, so the clients can start first.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';

/** Names a user can pick with `--transport`. */
export const TRANSPORT_NAMES = ['tcp', 'unix', 'ws'] as const;

/** One of {@link TRANSPORT_NAMES}. */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** A transport value plus what a raw peer needs to reach its server. */
export interface TourTransport {
  name: TransportName;
  transport: Transport;
  /** Where the server listens, for people: `tcp://127.0.0.1:40123`, `unix:/tmp/…`, `ws://…/`. */
  address: string;
  /** How a raw peer reaches the server without @proj. */
  raw: { port: number } | { path: string } | { url: string };
}

/** Creates the transports named, each on a fresh address. */
export async function tourTransports(names: readonly TransportName[]): Promise<TourTransport[]> {
  const out: TourTransport[] = [];
  for (const name of names) {
    if (name === 'tcp') {
      const port = await freePort();
      out.push({ name, transport: tcp({ port }), address: `tcp://127.0.0.1:${port}`, raw: { port } });
    } else if (name === 'unix') {
      const socketPath = path.join(os.tmpdir(), `proj-demo-${process.pid}.sock`);
      out.push({ name, transport: unix({ path: socketPath }), address: `unix:${socketPath}`, raw: { path: socketPath } });
    } else {
      const port = await freePort();
      const url = `ws://127.0.0.1:${port}/`;
      out.push({ name, transport: ws({ port }), address: url, raw: { url } });
    }
  }
  return out;
}

/** A loopback port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
