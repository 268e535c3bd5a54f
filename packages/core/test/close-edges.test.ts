import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, createLinkPair, memory, serve, ErrorCode, type Link, type LinkHandlers, type Peer, type Server, type Transport } from '../src/index.js';
import { until } from '@proj/testing';

const fast = { initialDelay: 5, maxDelay: 20, jitter: 'none' as const };

/** A scripted link: every member a no-op (`write()` takes the chunk) unless given in `overrides`. */
function scripted(overrides: Partial<Link>): Link {
  return {
    transport: 'scripted',
    remoteAddress: 'scripted-peer',
    bufferedAmount: 0,
    attach: () => {},
    write: () => true,
    end: () => {},
    destroy: () => {},
    pause: () => {},
    resume: () => {},
    ...overrides,
  };
}

/** A server-side transport whose only link is `link`, accepted as it starts listening. */
function serving(link: Link): Transport {
  return {
    name: 'scripted',
    dial: () => Promise.reject(new Error('server side only')),
    listen: (onLink) => {
      onLink(link);
      return Promise.resolve({ address: 'scripted:', close: () => Promise.resolve() });
    },
  };
}
afterEach(() => vi.useRealTimers());
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

/** How a promise settled: `resolved`, or the code it was rejected with. */
const settled = (p: Promise<void>): Promise<string> =>
  p.then(
    () => 'resolved',
    (error: { code: string }) => error.code,
  );

/**
 * Runs `body` with unhandled rejections collected in `surfaced` instead of failing the run:
 * Vitest's own listeners step aside for its duration.
 */
async function collectingUnhandledRejections(body: (surfaced: unknown[]) => Promise<void>): Promise<void> {
  const theirs = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const surfaced: unknown[] = [];
  process.on('unhandledRejection', (reason) => surfaced.push(reason));
  try {
    await body(surfaced);
  } finally {
    process.removeAllListeners('unhandledRejection');
    for (const listener of theirs) process.on('unhandledRejection', listener);
  }
}

/** A client-side transport whose server takes every write at once and may then refuse, as its first line. */
function scriptedServer(pushBack = false): { transport: Transport; refuse: (code: string) => void } {
  let handlers: LinkHandlers | undefined;
  const link = scripted({
    remoteAddress: 'scripted-server',
    asyncDelivery: true,
    attach: (h) => void (handlers = h),
    write: (_chunk, callback) => {
      callback?.(); // taken at once: kept by the client until the server's first line
      return !pushBack;
    },
    destroy: () => handlers?.onClose({ graceful: false }), // reports its close inside destroy()
  });
  return {
    transport: { name: 'scripted', listen: () => Promise.reject(new Error('client side only')), dial: () => Promise.resolve(link) },
    refuse: (code) => handlers!.onData(`${JSON.stringify({ $proj: 'refused', code, reason: 'refused' })}\n`),
  };
}

describe('a channel closing for good', () => {
  it('refuses a send from a client\'s dropped listener instead of queueing it where nobody sends or reports it', async () => {
    const client = connect(memory(), { reconnect: fast }); // nothing listens: the sends stay queued
    client.send({ n: 1 });
    client.send({ n: 2 });
    const fromListener: Array<string | undefined> = [];
    client.on('dropped', () => fromListener.push(codeOf(() => client.send({ late: true }))));
    await client.close();
    expect(fromListener).toEqual([ErrorCode.CLOSED]);
    expect(client.stats.dropped).toBe(2);
    expect(client.queuedMessages).toBe(0);
  });

  it('refuses a send to a peer from the server\'s dropped listener once the peer closed', async () => {
    const t = memory({ highWaterMark: 1 });
    const server = await serve(t, () => {});
    const client = connect(t, { reconnect: false });
    await client.connected();
    await until(() => server.peers.size === 1);
    const [peer] = server.peers.list();
    const fromListener: Array<string | undefined> = [];
    server.on('dropped', (_info, p) => fromListener.push(codeOf(() => p.send({ late: true }))));
    // Queued on the server side, then the peer is destroyed: they are reported dropped.
    for (let n = 0; n < 3; n++) peer!.send({ n, pad: 'x'.repeat(100) });
    await peer!.destroy();
    expect(peer!.stats.dropped).toBeGreaterThan(0);
    expect(fromListener.length).toBeGreaterThan(0);
    expect(fromListener.every((code) => code === ErrorCode.CLOSED)).toBe(true);
    expect(peer!.queuedMessages).toBe(0);
    await client.close();
    await server.close();
  });

  it('rejects flushed() when it closes with unsent messages', async () => {
    const client = connect(memory(), { reconnect: fast });
    client.send({ n: 1 });
    const flushed = settled(client.flushed());
    await client.close();
    expect(await flushed).toBe(ErrorCode.CLOSED);
  });

  it('is not sent to by a broadcast from its own disconnect listener', async () => {
    const t = memory();
    const server = await serve(t, () => {});
    const results: unknown[] = [];
    server.on('connection', (peer: Peer) => peer.on('disconnect', () => results.push(server.broadcast({ left: peer.id }))));
    const stays = connect(t, { reconnect: false });
    const leaves = connect(t, { reconnect: false });
    await Promise.all([stays.connected(), leaves.connected()]);
    await until(() => server.peers.size === 2);
    const received: unknown[] = [];
    stays.on('message', (m) => received.push(m));
    await leaves.close();
    await until(() => results.length === 1 && received.length === 1);
    expect(results).toEqual([{ sent: 1, skipped: 0 }]);
    expect(server.stats.dropped).toBe(0);
    await stays.close();
    await server.close();
  });
});

describe('a close whose listeners throw', () => {
  it('still closes a client whose dropped listener sends (which throws PROJ_ERR_CLOSED)', async () => {
    const client = connect(memory(), { reconnect: fast });
    client.send({ n: 1 });
    client.on('dropped', () => client.send({ late: true }));
    // The listener's exception leaves close(), as any listener's leaves emit(); the close is done.
    expect(codeOf(() => client.close())).toBe(ErrorCode.CLOSED);
    expect(client.state).toBe('closed');
    await client.closed;
  });

  it('still lets go of a peer whose dropped and disconnect listeners throw, so server.close() ends', async () => {
    let handlers: LinkHandlers | undefined;
    const link = scripted({
      asyncDelivery: true,
      attach: (h) => void (handlers = h),
      write: () => false, // pushes back at once: sends stay queued
    });
    const transport = serving(link);
    const server = await serve(transport, () => {});
    const [peer] = server.peers.list();
    peer!.send({ n: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    peer!.send({ n: 2 }); // queued behind the push-back
    peer!.on('dropped', () => peer!.send({ late: true }));
    peer!.on('disconnect', () => {
      throw new Error('listener bug');
    });
    // The last listener's exception leaves onClose(); every step of the close still ran.
    expect(() => handlers!.onClose({ graceful: false })).toThrow('listener bug');
    expect(server.peers.size).toBe(0);
    expect((await peer!.closed).reason).toBe('remote-reset');
    await server.close();
  });

  /**
   * A peer on a link that cuts writes at 100 bytes, whose write() is `write` (given the link's
   * handlers). `sendThree()` sends three ~70 B messages in one tick: a batch of three parts.
   */
  async function peerWritingInParts(write: (handlers: LinkHandlers) => boolean): Promise<{ server: Server; peer: Peer; writes: () => number; sendThree: () => void }> {
    let handlers: LinkHandlers | undefined;
    let writes = 0;
    const link = scripted({
      asyncDelivery: true,
      maxWriteBytes: 100,
      attach: (h) => void (handlers = h),
      write: () => {
        writes++;
        return write(handlers!);
      },
      // Reports its close at once, inside destroy().
      destroy: () => handlers?.onClose({ graceful: false }),
    });
    const server = await serve(serving(link), () => {}, { highWaterMark: 1 << 20 });
    const [peer] = server.peers.list();
    const sendThree = (): void => {
      for (let n = 0; n < 3; n++) peer!.send({ n, pad: 'p'.repeat(50) });
    };
    return { server, peer: peer!, writes: () => writes, sendThree };
  }

  it('stops writing the parts of a batch once the link throws, and counts them all dropped once', async () => {
    const { server, peer, writes, sendThree } = await peerWritingInParts(() => {
      throw new Error('link bug');
    });
    sendThree();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes()).toBe(1);
    expect(peer.stats).toMatchObject({ messagesOut: 0, dropped: 3 });
    expect((await peer.closed).error?.message).toContain('threw: link bug');
    await server.close();
  });

  it('reports dropped, once each, the parts of a batch left when the link closes from inside write()', async () => {
    const dropped: number[] = [];
    const { server, peer, writes, sendThree } = await peerWritingInParts((handlers) => {
      handlers.onClose({ graceful: false }); // against the contract: the close is reported inside write()
      return true;
    });
    peer.on('dropped', (info) => dropped.push(info.messages));
    sendThree();
    await peer.closed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes()).toBe(1);
    // The part written was never confirmed: dropped with the close; the two after it, as orphans.
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(3);
    expect(peer.stats.dropped).toBe(3);
    expect(server.peers.size).toBe(0);
    await server.close();
  });

  /** A client of {@link scriptedServer} that has sent (and the server taken) a token the server may then refuse. */
  async function clientWithToken(reconnect: typeof fast | false): Promise<{ server: ReturnType<typeof scriptedServer>; client: ReturnType<typeof connect> }> {
    const server = scriptedServer();
    const client = connect(server.transport, { reconnect });
    await client.connected();
    client.send({ token: 'x' });
    await new Promise((resolve) => setImmediate(resolve));
    return { server, client };
  }

  it('reports disconnect before close when a dropped listener destroys the client during a refusal report', async () => {
    const { server, client } = await clientWithToken(fast);
    const events: string[] = [];
    let connected: Promise<unknown> | undefined;
    client.once('dropped', (info) => {
      events.push(`dropped ${info.messages}`);
      void client.destroy();
      // Closed at once, though announced after the disconnect.
      events.push(`state ${client.state}`, `send ${codeOf(() => client.send({ late: true }))}`);
      connected = settled(client.connected());
    });
    client.on('disconnect', (info) => events.push(`disconnect ${info.reason}`));
    client.on('state', (state) => events.push(state));
    client.on('close', () => events.push('close'));
    server.refuse(ErrorCode.UNAUTHORIZED);
    await client.closed;
    expect(events).toEqual(['dropped 1', 'state closed', `send ${ErrorCode.CLOSED}`, 'disconnect refused', 'closed', 'close']);
    expect(await connected).toBe(ErrorCode.CLOSED);
  });

  it('settles connected() even when an earlier connect or close listener throws', async () => {
    // Close: a client that never connects (reconnect off, the dial refused), destroyed.
    const refusing: Transport = { name: 'scripted', listen: () => Promise.reject(new Error('client side only')), dial: () => new Promise(() => {}) };
    const lonely = connect(refusing, { reconnect: false });
    lonely.on('close', () => {
      throw new Error('close listener bug');
    });
    const never = settled(lonely.connected());
    expect(() => void lonely.destroy()).toThrow('close listener bug');
    expect(await never).toBe(ErrorCode.CLOSED);
    // Connect: the first connection's listener throws.
    const server = scriptedServer();
    const client = connect(server.transport, { reconnect: false });
    // The listener runs in the dial's promise callback: its exception surfaces as an unhandled rejection.
    await collectingUnhandledRejections(async (surfaced) => {
      client.on('connect', () => {
        throw new Error('connect listener bug');
      });
      await client.connected();
      await until(() => surfaced.length > 0, 2000);
    });
    expect(client.state).toBe('open');
    await client.destroy();
  });

  it('does not resolve connected() while a refused link is let go, before its disconnect', async () => {
    const { server, client } = await clientWithToken(false);
    let connected: Promise<unknown> | undefined;
    client.once('dropped', () => {
      connected = settled(client.connected());
    });
    server.refuse(ErrorCode.UNAUTHORIZED);
    await client.closed;
    expect(await connected).toBe(ErrorCode.CLOSED);
  });

  it('lets go of a link even when a dropped listener throws on what a refused connection carried', async () => {
    const { server, client } = await clientWithToken(false);
    const events: string[] = [];
    client.on('disconnect', (info) => events.push(info.reason));
    client.on('dropped', () => {
      throw new Error('listener bug');
    });
    expect(() => server.refuse(ErrorCode.UNAUTHORIZED)).toThrow('listener bug');
    expect(events).toEqual(['refused']);
    expect(client.state).toBe('closed');
    await client.closed;
  });

  it('reports dropped what a client wrote past the bound it keeps, when the connection is then refused', async () => {
    const server = scriptedServer();
    // Kept: at most maxQueueBytes of what the server confirmed before its first line.
    const client = connect(server.transport, { reconnect: false, maxQueueBytes: 1000 });
    await client.connected();
    const dropped: number[] = [];
    client.on('dropped', (info) => dropped.push(info.messages));
    for (let tick = 0; tick < 5; tick++) {
      for (let n = 0; n < 8; n++) client.send({ tick, n, pad: 'p'.repeat(80) }); // ~800 B a tick
      await new Promise((resolve) => setImmediate(resolve));
    }
    server.refuse(ErrorCode.MAX_CONNECTIONS);
    await client.closed;
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(40);
    expect(client.stats).toMatchObject({ messagesOut: 0, dropped: 40 });
  });

  it('reports as dropped, after an unauthorized refusal, what was sent and not written yet, so fresh credentials go first', async () => {
    const server = scriptedServer();
    const client = connect(server.transport, { reconnect: false });
    await client.connected();
    const dropped: number[] = [];
    client.on('dropped', (info) => dropped.push(info.messages));
    client.send({ token: 'stale' });
    await new Promise((resolve) => setImmediate(resolve));
    client.send({ a: 1 }); // queued for the next tick when the refusal arrives
    server.refuse(ErrorCode.UNAUTHORIZED);
    await client.closed;
    expect(dropped).toEqual([2]);
    expect(client.stats).toMatchObject({ messagesOut: 0, dropped: 2 });
  });

  it('fails flushed() once an unauthorized refusal dropped what it waited for, and drains on the next link, after disconnect', async () => {
    const server = scriptedServer(true); // every write pushes back
    const client = connect(server.transport, { reconnect: fast });
    await client.connected();
    const events: string[] = [];
    client.on('drain', () => events.push('drain'));
    client.on('disconnect', () => events.push('disconnect'));
    client.send({ token: 'stale' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.send({ a: 1 })).toBe(false);
    const flushed = settled(client.flushed());
    server.refuse(ErrorCode.UNAUTHORIZED);
    expect(await flushed).toBe(ErrorCode.DROPPED);
    await until(() => events.includes('drain'));
    expect(events).toEqual(['disconnect', 'drain']);
    expect(client.stats).toMatchObject({ messagesOut: 0, dropped: 2 });
    await client.destroy(); // the scripted link ends only when destroyed
  });

  it('does not fail a flushed() made by a dropped listener for its fresh sends after an unauthorized refusal', async () => {
    const server = scriptedServer();
    const client = connect(server.transport, { reconnect: fast });
    await client.connected();
    let fresh: Promise<string> | undefined;
    client.once('dropped', () => {
      client.send({ token: 'fresh' });
      fresh = settled(client.flushed());
    });
    client.send({ token: 'stale' });
    await new Promise((resolve) => setImmediate(resolve));
    server.refuse(ErrorCode.UNAUTHORIZED);
    expect(await fresh).toBe('resolved');
    await client.destroy();
  });

  it('finishes a client whose state listener throws as it closes, with one state event', async () => {
    const client = connect(memory(), { reconnect: fast });
    const states: string[] = [];
    client.on('state', (state) => {
      states.push(state);
      if (state === 'closed') throw new Error('listener bug');
    });
    let closeEvents = 0;
    client.on('close', () => closeEvents++);
    expect(() => client.close()).toThrow('listener bug');
    await client.closed;
    expect(states.filter((s) => s === 'closed')).toEqual(['closed']);
    expect(closeEvents).toBe(1);
  });

  it('finishes a client whose failed listener throws, and surfaces the exception once', async () => {
    // The dial's rejection is handled in a promise callback: the listener's exception leaves it
    // as an unhandled rejection, which would fail the run.
    await collectingUnhandledRejections(async (surfaced) => {
      const transport: Transport = { name: 'scripted', listen: () => Promise.reject(new Error('client side only')), dial: () => Promise.reject(new Error('refused')) };
      const client = connect(transport, { reconnect: false });
      const events: string[] = [];
      client.on('failed', (error) => {
        events.push(`failed ${error.code}`);
        throw new Error('listener bug');
      });
      client.on('state', (state) => events.push(state));
      client.on('close', () => events.push('close'));
      await client.closed;
      expect(client.state).toBe('failed');
      expect(events).toEqual(['failed', `failed ${ErrorCode.RECONNECT_FAILED}`, 'close']);
      await until(() => surfaced.length > 0, 2000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(surfaced.map((e) => (e as Error).message)).toEqual(['listener bug']);
    });
  });

  it('tears down a link whose write() throws when an idle channel pings it', async () => {
    const link = scripted({
      asyncDelivery: true,
      attach: (h) => void (closeHandler = h),
      write: () => {
        throw new Error('link bug');
      },
      destroy: () => queueMicrotask(() => closeHandler?.onClose({ graceful: false })),
    });
    let closeHandler: LinkHandlers | undefined;
    const server = await serve(serving(link), () => {}, { heartbeatInterval: 20 });
    const [peer] = server.peers.list();
    const info = await peer!.closed;
    expect(info.reason).toBe('error');
    expect(info.error?.message).toContain('threw: link bug');
    await server.close();
  });

  it('does not announce a client connection whose link reported its close from inside attach()', async () => {
    let dials = 0;
    const transport: Transport = {
      name: 'scripted',
      listen: () => Promise.reject(new Error('client side only')),
      dial: () => {
        dials++;
        return Promise.resolve(scripted({ remoteAddress: 'scripted-server', attach: (h) => h.onClose({ graceful: false }) }));
      },
    };
    const client = connect(transport, { reconnect: false });
    const events: string[] = [];
    client.on('connect', () => events.push('connect'));
    client.on('disconnect', () => events.push('disconnect'));
    await client.closed;
    expect(dials).toBe(1);
    expect(events).toEqual(['disconnect']);
  });
});

/**
 * A client whose heartbeat pings meet backpressure, on scripted links (a new one per dial) whose
 * writes of messages `writeMessage` answers for the link of dial `dial` (0 first); by default it
 * confirms them at once and takes more. Confirmed writes are kept until the server's first line.
 */
async function pingBlockedClient(
  options: { reconnect: false | typeof fast },
  writeMessage: (dial: number, callback?: (error?: Error | null) => void) => boolean = (_dial, callback) => {
    callback?.();
    return true;
  },
): Promise<{ client: ReturnType<typeof connect>; refuse: () => void; reset: () => void; drain: () => void; pings: () => number; dials: () => number }> {
  let handlers: LinkHandlers | undefined;
  let pings = 0;
  let dials = 0;
  const link = (dial: number): Link =>
    scripted({
      remoteAddress: 'scripted-server',
      asyncDelivery: true,
      attach: (h) => void (handlers = h),
      write: (chunk, callback) => {
        if (chunk !== '\n') return writeMessage(dial, callback);
        pings++;
        return false;
      },
      destroy: () => handlers?.onClose({ graceful: false }),
    });
  const transport: Transport = { name: 'scripted', listen: () => Promise.reject(new Error('client side only')), dial: () => Promise.resolve(link(dials++)) };
  const client = connect(transport, { ...options, heartbeatInterval: 10 });
  await client.connected();
  return {
    client,
    refuse: () => handlers!.onData(`${JSON.stringify({ $proj: 'refused', code: ErrorCode.UNAUTHORIZED, reason: 'refused' })}\n`),
    reset: () => handlers!.onClose({ graceful: false }),
    drain: () => handlers!.onDrain(),
    pings: () => pings,
    dials: () => dials,
  };
}

describe('flushed() when a refusal as unauthorized drops what was written', () => {
  it.each([
    ['will reconnect in a minute', { ...fast, initialDelay: 60_000, maxDelay: 60_000 }, false],
    ['does not reconnect', false, false],
    ['is destroyed by a dropped listener', fast, true],
  ] as const)('resolves a flushed() that waited on a heartbeat ping alone, and fails one that waited on a message, when the client %s', async (_case, reconnect, destroy) => {
    const { client, refuse, pings } = await pingBlockedClient({ reconnect });
    const dropped: number[] = [];
    client.on('dropped', (info) => {
      dropped.push(info.messages);
      if (destroy) void client.destroy();
    });
    client.send({ token: 'stale' }); // written and confirmed, kept until the server's first line
    await until(() => pings() === 1);
    const pingOnly = settled(client.flushed());
    client.send({ a: 1 }); // queued behind the ping
    const withMessage = settled(client.flushed());
    refuse();
    expect(await withMessage).toBe(ErrorCode.DROPPED);
    expect(dropped).toEqual([2]);
    expect(await pingOnly).toBe('resolved'); // it waited on no message, and the link is gone
    await client.destroy();
  });

  it('resolves a flushed() that waited on a ping alone also when a dropped listener sends and destroys the client', async () => {
    const { client, refuse, pings } = await pingBlockedClient({ reconnect: fast });
    let fromListener: Promise<string> | undefined;
    client.once('dropped', () => {
      client.send({ token: 'fresh' });
      fromListener = settled(client.flushed());
      void client.destroy();
    });
    client.send({ token: 'stale' });
    await until(() => pings() === 1);
    const pingOnly = settled(client.flushed());
    refuse();
    // The listener's message was never written; the older wait was on no message at all.
    expect(await fromListener).toBe(ErrorCode.CLOSED);
    expect(await pingOnly).toBe('resolved');
  });

  it('fails a flushed() made under a ping\'s backpressure once what it waited on, put back by a reset, is dropped on the next link', async () => {
    // On the first link a message is taken and never confirmed (put back when the link resets);
    // on the next, confirmed and pushing back.
    const { client, refuse, reset, pings, dials } = await pingBlockedClient({ reconnect: fast }, (dial, callback) => {
      if (dial === 0) return true;
      callback?.();
      return false;
    });
    client.send({ m: 1 });
    await until(() => pings() === 1);
    const old = settled(client.flushed()); // the ping alone holds the link back; m is unconfirmed
    reset(); // m goes back to the queue
    await until(() => dials() === 2 && client.state === 'open');
    const fresh = settled(client.flushed());
    refuse();
    expect(await fresh).toBe(ErrorCode.DROPPED);
    expect(await old).toBe(ErrorCode.DROPPED);
    await client.destroy();
  });

  it('still resolves a flushed() that waited on a ping alone when a reset puts back only what was sent after it', async () => {
    // Messages push back on every link, so that the waits go on; on the first they are never confirmed.
    const { client, refuse, reset, drain, pings, dials } = await pingBlockedClient({ reconnect: fast }, (dial, callback) => {
      if (dial > 0) callback?.();
      return false;
    });
    await until(() => pings() === 1);
    const pingOnly = settled(client.flushed()); // nothing was ever written
    client.send({ m: 2 }); // queued behind the ping
    drain(); // m2 is written, never confirmed
    reset(); // m2, sent after the waiter, goes back to the queue
    await until(() => dials() === 2 && client.state === 'open' && client.queuedMessages === 0);
    refuse();
    expect(await pingOnly).toBe('resolved');
    await client.destroy();
  });

  it('still resolves a flushed() that waited on a ping alone when a reset puts back what was sent after it, not what it held', async () => {
    let written = 0;
    // On the first link the first message is confirmed (and held), the next never; later links confirm and push back.
    const { client, refuse, reset, drain, pings, dials } = await pingBlockedClient({ reconnect: fast }, (dial, callback) => {
      if (dial > 0 || written++ === 0) callback?.();
      return dial === 0 && written === 1;
    });
    client.send({ token: 'stale' });
    await until(() => pings() === 1);
    const pingOnly = settled(client.flushed()); // the token is confirmed, kept until the server's first line
    client.send({ m: 2 }); // queued behind the ping
    drain(); // m2 is written, never confirmed
    reset(); // only m2, sent after the waiter, goes back to the queue
    await until(() => dials() === 2 && client.state === 'open' && client.queuedMessages === 0);
    refuse();
    expect(await pingOnly).toBe('resolved');
    await client.destroy();
  });

  it('fails a flushed() made after end() wrote a message under a ping\'s backpressure', async () => {
    const { client, refuse, pings } = await pingBlockedClient({ reconnect: false });
    client.send({ token: 'stale' });
    await until(() => pings() === 1);
    client.send({ a: 1 }); // queued behind the ping
    void client.end(); // writes the queue though the ping holds the link back
    expect(client.queuedMessages).toBe(0);
    const afterEnd = settled(client.flushed());
    refuse();
    expect(await afterEnd).toBe(ErrorCode.DROPPED);
    await client.closed;
  });
});

describe('a server and links that close early', () => {
  it('does not admit a peer whose link reported its close from inside attach(), nor report it', async () => {
    const [serverSide, clientSide] = createLinkPair();
    clientSide.destroy();
    const closedAlready = scripted({
      // As DuplexLink and WsLink do for a socket that closed before attach.
      attach: (handlers) => handlers.onClose({ graceful: false }),
      write: (chunk, callback) => serverSide.write(chunk, callback),
    });
    const transport = serving(closedAlready);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const events: string[] = [];
    // With a heartbeat: a closed peer must not start one that nobody stops.
    const server = await serve(transport, () => {}, { heartbeatInterval: 1000 });
    server.on('connection', () => events.push('connection'));
    server.on('disconnect', () => events.push('disconnect'));
    expect(server.peers.size).toBe(0);
    await server.close();
    expect(events).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not let a peer in whose authentication ends while the server closes', async () => {
    const t = memory();
    let release: ((ok: boolean) => void) | undefined;
    let calls = 0;
    const server = await serve(t, () => {}, { authenticate: () => (++calls === 1 ? true : new Promise<boolean>((resolve) => (release = resolve))) });
    // The verdict lands as the last admitted peer leaves during close(): between the registry
    // emptying and the sweep of the peers still at the gate.
    server.on('disconnect', () => release?.(true));
    const admitted = connect(t, { reconnect: false });
    await admitted.connected();
    await until(() => server.peers.size === 1);
    const waiting = connect(t, { reconnect: false });
    await waiting.connected();
    await until(() => release !== undefined);
    await server.close({ grace: 200 });
    await until(() => waiting.state === 'closed');
    expect(server.peers.size).toBe(0);
    await admitted.close();
    await waiting.close();
  });
});

describe('memory() at a graceful close', () => {
  it('confirms a write once the other side read it: what a slow reader never read is reported dropped, not counted sent', async () => {
    const t = memory();
    const server = await serve(t, () => {});
    // An iterating client that reads one message at a time: reading pauses while it lags.
    const client = connect(t, { reconnect: false, readHighWaterMark: 4 });
    await client.connected();
    await until(() => server.peers.size === 1);
    const [peer] = server.peers.list();
    let received = 0;
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const consumer = (async () => {
      for await (const _ of client) {
        received++;
        if (received === 10) await stalled;
      }
    })();
    for (let n = 0; n < 500; n++) peer!.send({ n, pad: 'p'.repeat(100) });
    await until(() => received === 10);
    await server.close({ grace: 20 }); // the reader still stalls: destroyed when the grace ends
    release();
    await consumer;
    const { messagesOut, dropped } = server.stats;
    expect(dropped).toBeGreaterThan(0);
    expect(messagesOut + dropped).toBe(500);
    expect(received).toBeLessThanOrEqual(messagesOut);
  });

  it('delivers what the other side wrote in reply to the last line before the end, as TCP does', async () => {
    const [a, b] = createLinkPair();
    const atA: string[] = [];
    let aClosed = false;
    a.attach({ onData: (chunk) => atA.push(String(chunk)), onDrain: () => {}, onClose: () => (aClosed = true) });
    b.attach({ onData: () => b.write('{"ack":"bye"}\n'), onDrain: () => {}, onClose: () => {} });
    a.write('{"bye":1}\n');
    a.end();
    await until(() => aClosed);
    expect(atA).toEqual(['{"ack":"bye"}\n']);
  });
});
