import { recordLink, until, within } from '@proj/testing';
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { ErrorCode, connect, serve, type DisconnectInfo, type Link } from '@proj/core';
import { tcp } from './index.js';

function listenRaw(onLink: (link: Link) => void = () => {}) {
  return tcp({ port: 0 }).listen(onLink);
}

/** A listener and one dialled connection, both ends recorded once the server has accepted it. */
async function acceptedPair() {
  const links: Link[] = [];
  const listener = await listenRaw((link) => links.push(link));
  const client = await tcp({ port: listener.port! }).dial();
  const clientSide = recordLink(client);
  await until(() => links.length === 1);
  const serverLink = links[0]!;
  return { listener, serverLink, serverSide: recordLink(serverLink), clientSide };
}

describe('tcp()', () => {
  it('validates its options', () => {
    expect(() => tcp({ port: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => tcp({ port: 70000 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => tcp({ port: 1, connectTimeout: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
  });

  it('wraps ECONNREFUSED as PROJ_ERR_CONNECT with the native error as cause', async () => {
    const listener = await listenRaw();
    const port = listener.port!;
    await listener.close();
    const err = await tcp({ port }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ECONNREFUSED' } });
  });

  it('wraps EADDRINUSE as PROJ_ERR_LISTEN', async () => {
    const listener = await listenRaw();
    const err = await tcp({ port: listener.port! }).listen(() => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.LISTEN, cause: { code: 'EADDRINUSE' } });
    await listener.close();
  });

  it('refuses a TCP self-connect to a port nothing listens on', async () => {
    const listener = await listenRaw();
    const port = listener.port!;
    await listener.close();
    // Dialling from the destination port itself forces the simultaneous-open self-connect.
    const err = await tcp({ port, localAddress: '127.0.0.1', localPort: port }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT });
    expect((err as Error).message).toContain('connected to itself');
  });

  it('rejects with PROJ_ERR_ABORTED when the signal aborts', async () => {
    const listener = await listenRaw();
    const controller = new AbortController();
    controller.abort();
    await expect(tcp({ port: listener.port! }).dial(controller.signal)).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await listener.close();
  });

  it('rejects with PROJ_ERR_ABORTED when the signal aborts as the dial starts', async () => {
    const listener = await listenRaw();
    const controller = new AbortController();
    const dialing = tcp({ port: listener.port! }).dial(controller.signal);
    controller.abort();
    await expect(dialing).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await listener.close();
  });

  it('moves bytes both ways and reports the remote address', async () => {
    let serverSide!: Link;
    const accepted = new Promise<void>((resolve) => void listenRaw((link) => ((serverSide = link), resolve())).then((l) => (listener = l)));
    let listener!: Awaited<ReturnType<typeof listenRaw>>;
    await new Promise((r) => setImmediate(r));
    const client = await tcp({ port: listener.port! }).dial();
    await accepted;
    const fromClient = recordLink(serverSide);
    const fromServer = recordLink(client);
    expect(client.remoteAddress).toBe(`127.0.0.1:${listener.port}`);
    expect(listener.address).toBe(`tcp://127.0.0.1:${listener.port}`);
    client.write('ping\n');
    serverSide.write(Buffer.from('pong\n'));
    await until(() => fromClient.data() === 'ping\n' && fromServer.data() === 'pong\n');
    client.end();
    expect(await fromServer.closed).toEqual({ graceful: true });
    expect(await fromClient.closed).toEqual({ graceful: true });
    // Read after close: net no longer knows it then, so the link must have read it at accept.
    expect(serverSide.remoteAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    await listener.close();
  });

  it('sends an RST on destroy(), which the peer sees as PROJ_ERR_CONNECTION_RESET', async () => {
    const { listener, serverLink, clientSide } = await acceptedPair();
    serverLink.destroy();
    const info = await clientSide.closed;
    expect(info.graceful).toBe(false);
    expect(info.error).toMatchObject({ code: ErrorCode.CONNECTION_RESET, cause: { code: 'ECONNRESET' } });
    await listener.close();
  });

  it('closes on destroy() right after end(), both ends, though no RST can follow a pending FIN', async () => {
    // libuv refuses the RST while a shutdown is pending (uv_tcp_close_reset: EINVAL) and Node
    // then never closes the handle: the link would stay open forever (server.close({ grace: 0 })).
    const { listener, serverLink, serverSide, clientSide } = await acceptedPair();
    serverLink.end();
    serverLink.destroy();
    expect(await within(serverSide.closed, 5000, 'the destroyed link closing')).toMatchObject({ graceful: true });
    expect(await within(clientSide.closed, 5000, 'the remote end closing')).toMatchObject({ graceful: true });
    await within(listener.close(), 5000, 'listener.close()');
  });

  it('returns false from write() under backpressure and calls onDrain', async () => {
    const sockets: net.Socket[] = [];
    const raw = net.createServer((s) => {
      s.pause(); // a peer that does not read
      sockets.push(s);
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const link = await tcp({ port: (raw.address() as net.AddressInfo).port }).dial();
    let drained = false;
    link.attach({ onData: () => {}, onDrain: () => (drained = true), onClose: () => {} });
    const chunk = 'x'.repeat(64 * 1024);
    let writes = 0;
    while (link.write(chunk)) if (++writes > 10_000) throw new Error('no backpressure after 640 MiB');
    expect(link.bufferedAmount).toBeGreaterThan(0);
    await until(() => sockets.length === 1);
    sockets[0]!.resume();
    await until(() => drained);
    link.destroy();
    for (const s of sockets) s.destroy();
    await new Promise((r) => raw.close(r));
  });

  it('confirms a write the kernel took at once inside write(), without waiting for a tick', async () => {
    const { listener, serverLink, clientSide } = await acceptedPair();
    const outcomes: unknown[] = [];
    serverLink.write('one\n', (error) => outcomes.push(error ?? 'sent'));
    expect(outcomes).toEqual(['sent']);
    serverLink.write('two\n', (error) => outcomes.push(error ?? 'sent'));
    expect(outcomes).toEqual(['sent', 'sent']);
    await until(() => clientSide.data() === 'one\ntwo\n');
    serverLink.end();
    await clientSide.closed;
    await listener.close();
  });

  it('confirms writes the kernel could not take only once they left, in order; a destroy fails the rest', async () => {
    const sockets: net.Socket[] = [];
    const raw = net.createServer((s) => {
      s.pause(); // a peer that does not read: the kernel buffers fill up
      sockets.push(s);
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const link = await tcp({ port: (raw.address() as net.AddressInfo).port }).dial();
    link.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    const chunk = 'x'.repeat(64 * 1024);
    const outcomes: string[] = [];
    let i = 0;
    // Until one write stays buffered: every write before it was confirmed synchronously.
    for (; link.bufferedAmount === 0; i++) {
      if (i > 10_000) throw new Error('the kernel never stopped taking bytes');
      const n = i;
      link.write(chunk, (error) => outcomes.push(`${n} ${error === undefined || error === null ? 'sent' : 'failed'}`));
      if (link.bufferedAmount === 0) expect(outcomes.at(-1)).toBe(`${n} sent`);
    }
    const pending = i - 1;
    expect(outcomes).toHaveLength(pending);
    await until(() => sockets.length === 1);
    sockets[0]!.resume();
    await until(() => outcomes.length === pending + 1);
    expect(outcomes.at(-1)).toBe(`${pending} sent`);
    // Fill the buffers again, then destroy: what the kernel never took is reported as failed.
    sockets[0]!.pause();
    const before = outcomes.length;
    let queued = 0;
    while (link.bufferedAmount === 0 || queued < 3) {
      const n = i++;
      link.write(chunk, (error) => outcomes.push(`${n} ${error === undefined || error === null ? 'sent' : 'failed'}`));
      if (link.bufferedAmount > 0) queued++;
    }
    link.destroy();
    await until(() => outcomes.length === i);
    const failed = outcomes.slice(before).filter((o) => o.endsWith('failed'));
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(outcomes.slice(-failed.length)).toEqual(failed); // failures are a suffix: in order
    for (const s of sockets) s.destroy();
    await new Promise((r) => raw.close(r));
  });

  it('close() on the listener resolves once accepted links are gone', async () => {
    const { listener, serverLink } = await acceptedPair();
    let closed = false;
    const closing = listener.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    serverLink.destroy();
    await closing;
    expect(closed).toBe(true);
  });
});

describe('tcp() with core', () => {
  it('delivers, once there is room, what a client sent on a connection refused at maxConnections', async () => {
    const handled: unknown[] = [];
    const server = await serve(tcp({ port: 0 }), (message) => handled.push(message), { maxConnections: 1 });
    const first = connect(tcp({ port: server.port! }));
    await first.connected();
    await until(() => server.peers.size === 1);
    const second = connect(tcp({ port: server.port! }), { reconnect: { initialDelay: 20, maxDelay: 20, jitter: 'none' } });
    const refused = new Promise<DisconnectInfo>((resolve) => second.once('disconnect', resolve));
    // Written as soon as the connection opens, then discarded by the server, which is full.
    for (let n = 1; n <= 3; n++) second.send({ n });
    expect((await refused).error?.code).toBe(ErrorCode.MAX_CONNECTIONS);
    await first.end();
    await until(() => handled.length === 3);
    expect(handled).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(second.stats).toMatchObject({ messagesOut: 3, dropped: 0 });
    await second.close();
    await server.close();
  });
});
