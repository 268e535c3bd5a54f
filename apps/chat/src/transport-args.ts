/**
 * `--transport tcp|unix|ws` (plus `--port`, `--host`, `--path`) to transport values: the only
 * place the chat apps know which transport they run on.
 */
import os from 'node:os';
import path from 'node:path';
import type { Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';

/** Transports the chat runs on. */
export const TRANSPORTS = ['tcp', 'unix', 'ws'] as const;

/** One of {@link TRANSPORTS}. */
export type TransportName = (typeof TRANSPORTS)[number];

/** Default ports: TCP on 8024, the WebSocket on the next one. */
export const DEFAULT_PORTS: Record<'tcp' | 'ws', number> = { tcp: 8024, ws: 8025 };

/** Default socket path of the unix transport. */
export const DEFAULT_SOCKET_PATH = path.join(os.tmpdir(), 'proj-chat.sock');

/** The transport flags, as given on the command line. */
export interface TransportArgs {
  /** `tcp`, `unix`, `ws`, a comma list, or `all` (servers only). @default 'tcp' */
  transport?: string;
  /** Port of tcp (default 8024) or ws (default 8025); with several transports, tcp takes it and ws the next. */
  port?: string;
  /** Host to listen on or dial. @default '127.0.0.1' */
  host?: string;
  /** Socket path of the unix transport. @default `<tmpdir>/proj-chat.sock` */
  path?: string;
}

/** A transport with the address people should use to reach it. */
export interface NamedTransport {
  name: TransportName;
  transport: Transport;
  /** `tcp://127.0.0.1:8024`, `unix:/tmp/proj-chat.sock`, `ws://127.0.0.1:8025/`. */
  address: string;
}

/** Builds the transports the flags ask for; throws a usage error for an unknown name or a bad port. */
export function transportsFrom(args: TransportArgs): NamedTransport[] {
  const requested = (args.transport ?? 'tcp').split(',').map((name) => name.trim());
  const names = requested.includes('all') ? [...TRANSPORTS] : requested;
  for (const name of names) {
    if (!(TRANSPORTS as readonly string[]).includes(name)) throw new Error(`unknown transport "${name}": use ${TRANSPORTS.join(', ')} or all`);
  }
  const host = args.host ?? '127.0.0.1';
  const port = args.port === undefined ? undefined : Number(args.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new Error(`--port takes a port number, got ${args.port}`);
  const several = names.includes('tcp') && names.includes('ws');
  return [...new Set(names as TransportName[])].map((name): NamedTransport => {
    if (name === 'unix') {
      const socketPath = args.path ?? DEFAULT_SOCKET_PATH;
      return { name, transport: unix({ path: socketPath }), address: `unix:${socketPath}` };
    }
    const chosen = port === undefined ? DEFAULT_PORTS[name] : name === 'ws' && several && port !== 0 ? port + 1 : port;
    if (name === 'tcp') return { name, transport: tcp({ port: chosen, host }), address: `tcp://${host}:${chosen}` };
    return { name, transport: ws({ port: chosen, host }), address: `ws://${host}:${chosen}/` };
  });
}
