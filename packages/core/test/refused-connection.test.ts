import { describe, expect, it } from 'vitest';
import { connect, memory, serve, ErrorCode } from '../src/index.js';
import { until } from '@proj/testing';

const fast = { initialDelay: 5, maxDelay: 20, jitter: 'none' as const };

/**
 * A server over memory() that lets in only the token `fresh` (the first message of a connection),
 * after `delay` ms, and a client that sends `fresh` once refused as unauthorized.
 */
async function freshTokenOnly(delay: number) {
  const t = memory();
  const tokens: unknown[] = [];
  const handled: unknown[] = [];
  const server = await serve(t, (message) => handled.push(message), {
    authenticateOn: 'first-message',
    authenticate: async (request) => {
      tokens.push(request.message);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      return (request.message as { token: string }).token === 'fresh';
    },
  });
  const client = connect(t, { reconnect: fast });
  const dropped: number[] = [];
  client.on('dropped', (info) => dropped.push(info.messages));
  client.on('disconnect', (info) => {
    if (info.error?.code === ErrorCode.UNAUTHORIZED) client.send({ token: 'fresh' });
  });
  return { server, client, tokens, handled, dropped };
}

describe('a client whose connection is refused', () => {
  it('reports as dropped what it wrote on a connection refused as unauthorized, and does not send the rejected token again', async () => {
    const { server, client, tokens, handled, dropped } = await freshTokenOnly(0);
    client.send({ token: 'stale' });
    client.send({ order: 1 });
    await until(() => server.peers.size === 1);
    client.send({ order: 2 });
    await until(() => handled.length === 1);
    expect(tokens).toEqual([{ token: 'stale' }, { token: 'fresh' }]);
    expect(handled).toEqual([{ order: 2 }]);
    expect(dropped).toEqual([2]);
    expect(client.stats).toMatchObject({ messagesOut: 2, dropped: 2 });
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

  it('reports dropped, as unauthorized, also what the server had not read yet, so fresh credentials go first', async () => {
    // A slow verdict: the server reads nothing meanwhile, so the lines after the token stay unconfirmed.
    const { server, client, tokens, handled, dropped } = await freshTokenOnly(20);
    client.send({ token: 'stale' });
    await new Promise((resolve) => setImmediate(resolve));
    client.send({ a: 1 });
    await until(() => server.peers.size === 1);
    expect(tokens).toEqual([{ token: 'stale' }, { token: 'fresh' }]);
    expect(dropped).toEqual([2]);
    expect(handled).toEqual([]);
    await client.close();
    await server.close();
  });
});
