/**
 * `node:diagnostics_channel` channels: tracing without a logger dependency. Subscribe with
 * `diagnostics_channel.subscribe('proj:client:connect', fn)`. Publishing costs nothing when
 * nobody subscribes.
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

/** Publishes `message` on the named channel when it has subscribers. `message` is built lazily. */
export function publish(name: (typeof diagnosticChannels)[keyof typeof diagnosticChannels], message: () => object): void {
  if (dc === undefined) return;
  let channel = channels.get(name);
  if (channel === undefined) {
    channel = dc.channel(name);
    channels.set(name, channel);
  }
  if (channel.hasSubscribers) channel.publish(message());
}
