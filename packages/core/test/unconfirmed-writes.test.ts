import { describe, expect, it } from 'vitest';
import { connect, memory, serve, ErrorCode, type Link, type Transport } from '../src/index.js';
import { nextEvent, until } from '@proj/testing';

/** A link whose writes fail, once `state.fail` is set, the way a socket's do after the peer's RST. */
function failable(link: Link, state: { fail: boolean }): Link {
  return {
    transport: link.transport,
    remoteAddress: link.remoteAddress,
    get bufferedAmount() {
      return link.bufferedAmount;
    },
    attach: (h) => link.attach(h),
    write(chunk, callback) {
      if (!state.fail) return link.write(chunk, callback);
      const reset = Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' });
      queueMicrotask(() => callback?.(reset));
      link.destroy();
      return false;
    },
    end: () => link.end(),
    destroy: () => link.destroy(),
    pause: () => link.pause(),
    resume: () => link.resume(),
  };
}

/** The memory transport, with a switch that makes the newest client or server link fail its next write. */
function flakyTransport(): { transport: Transport; failClient: () => void; failServer: () => void } {
  const inner = memory();
  let client = { fail: false };
  let server = { fail: false };
  const transport: Transport = {
    name: 'flaky',
    listen: (onLink) => inner.listen((link) => onLink(failable(link, (server = { fail: false })))),
    dial: async (signal) => failable(await inner.dial(signal), (client = { fail: false })),
  };
  return { transport, failClient: () => void (client.fail = true), failServer: () => void (server.fail = true) };
}

describe('Channel unconfirmed writes', () => {
  it('resends, exactly once and in order, a batch the dying link never accepted', async () => {
    const { transport, failClient } = flakyTransport();
    const got: unknown[] = [];
    const server = await serve(transport, (msg) => void got.push(msg));
    const client = connect(transport, { reconnect: { initialDelay: 1, jitter: 'none' } });
    client.send(1);
    await until(() => got.length === 1);
    failClient();
    client.send(2);
    client.send(3);
    await nextEvent(client, 'disconnect');
    client.send(4);
    await until(() => got.length === 4);
    expect(got).toEqual([1, 2, 3, 4]);
    expect(client.stats.messagesOut).toBe(4);
    expect(client.stats.dropped).toBe(0);
    await client.end();
    await server.close();
  });

  it('reports a peer batch the dying link never accepted as dropped', async () => {
    const { transport, failServer } = flakyTransport();
    const server = await serve(transport, () => {});
    const client = connect(transport, { reconnect: false });
    const [peer] = await nextEvent(server, 'connection');
    await client.connected();
    const dropped = nextEvent(server, 'dropped');
    failServer();
    peer.send({ late: 1 });
    peer.send({ late: 2 });
    const [info, from] = await dropped;
    expect(from).toBe(peer);
    expect(info.error.code).toBe(ErrorCode.DROPPED);
    expect(info.messages).toBe(2);
    expect(peer.stats).toMatchObject({ messagesOut: 0, dropped: 2 });
    await client.closed;
    await server.close();
  });
});
