import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { diagnosticChannels, subscribed } from './diagnostics.js';
import { memory } from './memory-transport.js';
import { serve } from './server.js';
import { connect } from './client.js';

describe('subscribed', () => {
  it('hands out a channel only while it has subscribers, so an unobserved event builds no message', () => {
    const name = diagnosticChannels.serverRefused;
    expect(subscribed(name)).toBeUndefined();
    const seen: unknown[] = [];
    const listener = (message: unknown): void => void seen.push(message);
    diagnosticsChannel.subscribe(name, listener);
    try {
      subscribed(name)?.publish({ n: 1 });
    } finally {
      diagnosticsChannel.unsubscribe(name, listener);
    }
    expect(subscribed(name)).toBeUndefined();
    subscribed(name)?.publish({ n: 2 });
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('publishes a server’s connection and disconnect with the server and the peer', async () => {
    const seen: Array<[string, Record<string, unknown>]> = [];
    const onConnection = (m: unknown): void => void seen.push(['connection', m as Record<string, unknown>]);
    const onDisconnect = (m: unknown): void => void seen.push(['disconnect', m as Record<string, unknown>]);
    diagnosticsChannel.subscribe(diagnosticChannels.serverConnection, onConnection);
    diagnosticsChannel.subscribe(diagnosticChannels.serverDisconnect, onDisconnect);
    try {
      const t = memory();
      const server = await serve(t, () => {});
      const client = connect(t, { reconnect: false });
      await client.connected();
      const [peer] = [...server.peers];
      await client.end();
      await peer!.closed;
      await server.close();
      expect(seen.map(([event]) => event)).toEqual(['connection', 'disconnect']);
      expect(seen[0]![1]).toEqual({ server, peer });
      expect(seen[1]![1]).toMatchObject({ server, peer, reason: 'remote-end' });
    } finally {
      diagnosticsChannel.unsubscribe(diagnosticChannels.serverConnection, onConnection);
      diagnosticsChannel.unsubscribe(diagnosticChannels.serverDisconnect, onDisconnect);
    }
  });
});
