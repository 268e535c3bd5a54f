/**
 * `node:diagnostics_channel` channels: tracing without a logger dependency. Subscribe with
 * `diagnostics_channel.subscribe('proj:client:connect', fn)`. Publishing costs nothing when
 * nobody subscribes: not even the message is built.
 */
import type diagnosticsChannel from 'node:diagnostics_channel';

/** Names of every channel @proj publishes to, with the message each carries. */
export const diagnosticChannels = {
  /** `{ client, remoteAddress, attempt }` — a client's link is open. */
  clientConnect: 'proj:client:connect',
  /** `{ client, reason, error? }` — a client's link closed. */
  clientDisconnect: 'proj:client:disconnect',
  /** `{ client, attempt, delay, error? }` — a client will retry in `delay` ms. */
  clientReconnecting: 'proj:client:reconnecting',
  /** `{ client, error }` — the reconnect policy gave up. */
  clientFailed: 'proj:client:failed',
  /** `{ server, peer }` — a server accepted a peer. */
  serverConnection: 'proj:server:connection',
  /** `{ server, peer, reason, error? }` — a peer's connection ended. */
  serverDisconnect: 'proj:server:disconnect',
  /** `{ server, remoteAddress, error }` — a connection was refused (`maxConnections`). */
  serverRefused: 'proj:server:refused',
  /** `{ channel, error }` — a malformed or oversize line arrived. */
  malformed: 'proj:malformed',
  /** `{ channel, messages, bytes, error }` — queued messages were discarded. */
  dropped: 'proj:dropped',
} as const;

// Loaded through process.getBuiltinModule (Node >= 20.16) rather than a static import, so the same
// core runs in a browser, where there is no diagnostics_channel and publishing is a no-op.
const dc = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule?.('node:diagnostics_channel') as
  | typeof diagnosticsChannel
  | undefined;
const channels = new Map<string, diagnosticsChannel.Channel>();

/** A channel as call sites publish to it. */
interface Publisher {
  publish(message: object): void;
}

/**
 * The named channel when it has subscribers, else `undefined`. Call sites build their message
 * only then, `subscribed(name)?.publish({ … })`: with nobody subscribed, publishing allocates
 * nothing (a message-building closure per accepted connection was ~0.1 KiB of garbage, bench
 * "memory per idle connection").
 */
export function subscribed(name: (typeof diagnosticChannels)[keyof typeof diagnosticChannels]): Publisher | undefined {
  if (dc === undefined) return undefined;
  let channel = channels.get(name);
  if (channel === undefined) {
    channel = dc.channel(name);
    channels.set(name, channel);
  }
  return channel.hasSubscribers ? channel : undefined;
}
