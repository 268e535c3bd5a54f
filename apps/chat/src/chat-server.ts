/**
 * `startChatServer()`: one {@link ChatRoom} served on one or more transports at once, with the
 * same handler on each. The CLI (`server-main.ts`) and the tests both start it this way.
 */
import { serve, type Server, type Transport } from '@proj/core';
import { ChatRoom } from './chat-room.js';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** ms of silence after which a user is disconnected (the registry's `idleTimeout`); 0 disables. @default 300000 (5 min) */
  idleTimeout?: number;
  /** Longest accepted line, in bytes. @default 16384 */
  maxLineBytes?: number;
}

/** A running chat: its room, its servers (one per transport), and how to stop it. */
export interface ChatServer {
  room: ChatRoom;
  servers: Server[];
  /** Drain-and-close every server: users are disconnected gracefully. */
  close(): Promise<void>;
}

/** Serves one room on every transport given; rejects (closing what started) if one cannot listen. */
export async function startChatServer(transports: readonly Transport[], options: ChatServerOptions = {}): Promise<ChatServer> {
  const idleTimeout = options.idleTimeout ?? 300_000;
  const room = new ChatRoom({ idleTimeout });
  const started = await Promise.allSettled(transports.map((transport) => serve(transport, room.handle, { idleTimeout, maxLineBytes: options.maxLineBytes ?? 16 * 1024, closeGrace: 1000 })));
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((server) => server.close()));
    throw failed.reason;
  }
  for (const server of servers) room.attach(server);
  return { room, servers, close: async () => void (await Promise.all(servers.map((server) => server.close()))) };
}
