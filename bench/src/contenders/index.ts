/**
 * The transport contenders by id. Loaded lazily, so a process running one contender does not
 * pay for the others' modules (socket.io in a raw-net process would skew its memory and GC).
 */
import type { Contender } from './contender.js';

export const CONTENDER_IDS = ['raw-net', 'proj-tcp', 'bare-ws', 'socket-io', 'ndjson-net', 'raw-unix', 'proj-unix', 'proj-ws', 'raw-ws', 'raw-net-parts'] as const;
export type ContenderId = (typeof CONTENDER_IDS)[number];

/** Contenders that qualify a row without being judged: full runs only (`BenchConfig.transport.context`). */
export const CONTEXT_CONTENDERS: readonly ContenderId[] = ['raw-net-parts'];

/** Report names. */
export const CONTENDER_NAMES: Record<ContenderId, string> = {
  'raw-net': 'raw net (hand splitter, batched writes)',
  'proj-tcp': '@proj tcp',
  'bare-ws': 'bare ws (one message per frame)',
  'socket-io': 'socket.io (websocket transport)',
  'ndjson-net': 'net + ndjson pipes',
  'raw-unix': 'raw unix (hand splitter, batched writes)',
  'proj-unix': '@proj unix',
  'proj-ws': '@proj ws',
  'raw-ws': 'floor: ws, hand splitter, batched frames',
  'raw-net-parts': 'raw net writing in parts of 21,846 units, as @proj does',
};

/** Whether the contender runs on a unix socket path rather than a loopback port. */
export function usesUnixSocket(id: ContenderId): boolean {
  return id === 'raw-unix' || id === 'proj-unix';
}

export function isContenderId(value: string): value is ContenderId {
  return (CONTENDER_IDS as readonly string[]).includes(value);
}

export async function loadContender(id: ContenderId): Promise<Contender> {
  switch (id) {
    case 'raw-net':
    case 'raw-unix':
      return (await import('./raw-stream.js')).rawStream;
    case 'proj-tcp':
      return (await import('./proj.js')).projTcp;
    case 'proj-unix':
      return (await import('./proj.js')).projUnix;
    case 'proj-ws':
      return (await import('./proj.js')).projWs;
    case 'bare-ws':
      return (await import('./bare-ws.js')).bareWs;
    case 'socket-io':
      return (await import('./socket-io.js')).socketIo;
    case 'ndjson-net':
      return (await import('./ndjson-net.js')).ndjsonNet;
    case 'raw-ws':
      return (await import('./raw-ws.js')).rawWs;
    case 'raw-net-parts':
      return (await import('./raw-stream.js')).rawStreamInParts;
  }
}
