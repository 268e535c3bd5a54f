import { describe, expect, it } from 'vitest';
import { connect, memory, serve, ErrorCode, type DisconnectInfo } from '../src/index.js';
import { until } from '@proj/testing';

const fast = { initialDelay: 5, maxDelay: 20, jitter: 'none' as const };

describe('a client whose connection is refused', () => {
  it('sends again, on its next connection, what the server discarded with the refusal (authenticate)', async () => {
    const t = memory();
    let attempts = 0;
    const handled: unknown[] = [];
    // The first connection is refused, the next one let in; the token is the first message of each.
    const server = await serve(t, (message) => handled.push(message), { authenticateOn: 'first-message', authenticate: () => ++attempts > 1 });
    const client = connect(t, { reconnect: fast });
    const disconnects: DisconnectInfo[] = [];
    client.on('disconnect', (info) => disconnects.push(info));
    client.send({ token: 't' });
    client.send({ order: 1 });
    client.send({ order: 2 });
    await until(() => handled.length === 2);
    expect(handled).toEqual([{ order: 1 }, { order: 2 }]);
    expect(disconnects.map((d) => [d.reason, d.error?.code])).toEqual([['refused', ErrorCode.UNAUTHORIZED]]);
    expect(client.stats).toMatchObject({ messagesOut: 3, dropped: 0 });
    await client.close();
    await server.close();
  });

  it('reports what the server discarded as dropped when it does not reconnect', async () => {
    const t = memory();
    const server = await serve(t, () => {}, { authenticateOn: 'first-message', authenticate: () => false });
    const client = connect(t, { reconnect: false });
    const dropped: number[] = [];
    client.on('dropped', (info) => dropped.push(info.messages));
    client.send({ token: 'wrong' });
    client.send({ order: 1 });
    await client.closed;
    expect(dropped).toEqual([2]);
    expect(client.stats).toMatchObject({ messagesOut: 0, dropped: 2 });
    await server.close();
  });

  it('keeps nothing once the server has answered: an accepted connection that drops resends only what was not confirmed', async () => {
    const t = memory();
    const handled: unknown[] = [];
    const server = await serve(t, (message, peer) => {
      handled.push(message);
      peer.send({ ack: message });
    });
    const client = connect(t, { reconnect: fast });
    const acks: unknown[] = [];
    client.on('message', (message) => acks.push(message));
    client.send({ n: 1 });
    await until(() => acks.length === 1);
    await server.peers.list()[0]!.destroy();
    await until(() => client.state === 'open' && server.peers.size === 1);
    client.send({ n: 2 });
    await until(() => acks.length === 2);
    expect(handled).toEqual([{ n: 1 }, { n: 2 }]);
    await client.close();
    await server.close();
  });
});
