import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { ErrorCode } from '@proj/core';
import type http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_MAX_PAYLOAD, ws } from './index.js';
import { WsLink } from './ws-link.js';
import { until } from '@proj/testing';
import { attach, listen, once } from './test-helpers.js';

const invalid = expect.objectContaining({ code: ErrorCode.INVALID_OPTION });

/** A raw `ws` server on a free port, for peers that misbehave on purpose. */
async function rawServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(wss, 'listening');
  return { wss, port: (wss.address() as net.AddressInfo).port };
}

function closeRaw(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

describe('ws()', () => {
  it('validates its options', () => {
    expect(() => ws({})).toThrow(invalid);
    expect(() => ws({ port: 1, url: 'ws://x' })).toThrow(invalid);
    expect(() => ws({ port: 70000 })).toThrow(invalid);
    expect(() => ws({ port: 1, path: 'no-slash' })).toThrow(invalid);
    expect(() => ws({ url: 'http://example.com' })).toThrow(invalid);
    expect(() => ws({ url: 'not a url' })).toThrow(invalid);
    expect(() => ws({ port: 1, heartbeat: -1 })).toThrow(invalid);
    expect(() => ws({ port: 1, maxPayload: 0 })).toThrow(invalid);
    expect(() => ws({ port: 1, highWaterMark: Number.NaN })).toThrow(invalid);
    expect(() => ws({ port: 1, connectTimeout: 0 })).toThrow(invalid);
  });

  it('moves bytes both ways as text frames and reports addresses', async () => {
    const { listener, links, port } = await listen({ path: '/feed' });
    expect(listener.address).toBe(`ws://127.0.0.1:${port}/feed`);
    const client = await ws({ port, path: '/feed' }).dial();
    await until(() => links.length === 1);
    const fromClient = attach(links[0]!);
    const fromServer = attach(client);
    expect(client.messageFramed).toBe(true);
    expect(client.remoteAddress).toBe(`ws://127.0.0.1:${port}/feed`);
    expect(links[0]!.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    client.write('{"a":1}\n{"b":2}\n');
    links[0]!.write(Buffer.from('pong\n'));
    await until(() => fromClient.text() === '{"a":1}\n{"b":2}\n' && fromServer.text() === 'pong\n');
    expect(fromClient.frames).toHaveLength(1);
    client.end();
    expect(await fromServer.closed).toEqual({ graceful: true });
    expect(await fromClient.closed).toEqual({ graceful: true });
    await listener.close();
  });

  it('writes strings and bytes as text frames, with a callback and without', async () => {
    const { wss, port } = await rawServer();
    const received: Array<[string, boolean]> = [];
    wss.on('connection', (socket: WebSocket) => socket.on('message', (data: Buffer, isBinary: boolean) => void received.push([data.toString(), isBinary])));
    const link = await ws({ port }).dial();
    attach(link);
    const confirmed: string[] = [];
    // With a callback, on a plain socket, a frame the kernel took is confirmed inside write(); without one, through `ws`.
    link.write('{"a":1}\n');
    link.write(Buffer.from('{"b":2}\n'));
    link.write('{"c":3}\n', (error) => void confirmed.push(error ? String(error) : 'c'));
    link.write(Buffer.from('{"d":4}\n'), (error) => void confirmed.push(error ? String(error) : 'd'));
    await until(() => received.length === 4 && confirmed.length === 2);
    expect(received).toEqual([
      ['{"a":1}\n', false],
      ['{"b":2}\n', false],
      ['{"c":3}\n', false],
      ['{"d":4}\n', false],
    ]);
    expect(confirmed).toEqual(['c', 'd']);
    link.destroy();
    await closeRaw(wss);
  });

  it('reports the upgrade request as the server-side handshake, with no TLS fields over plain ws', async () => {
    const { listener, links, port } = await listen({ path: '/feed' });
    const client = await ws({ url: `ws://127.0.0.1:${port}/feed?token=abc` }).dial();
    await until(() => links.length === 1);
    const handshake = links[0]!.handshake!;
    expect(handshake).toMatchObject({ url: '/feed?token=abc', headers: { host: `127.0.0.1:${port}`, upgrade: 'websocket' } });
    expect(handshake).not.toHaveProperty('authorized');
    expect(client.handshake).toMatchObject({ url: `ws://127.0.0.1:${port}/feed?token=abc`, headers: { upgrade: 'websocket' } });
    client.destroy();
    await listener.close();
  });

  it('dials a url', async () => {
    const { listener, links, port } = await listen();
    const client = await ws({ url: `ws://127.0.0.1:${port}/` }).dial();
    await until(() => links.length === 1);
    expect(client.remoteAddress).toBe(`ws://127.0.0.1:${port}/`);
    client.destroy();
    await listener.close();
  });

  it('invokes write callbacks in order once the frames are written', async () => {
    const { listener, links, port } = await listen();
    const client = await ws({ port }).dial();
    attach(client);
    await until(() => links.length === 1);
    attach(links[0]!);
    const order: number[] = [];
    for (let i = 0; i < 5; i++) client.write(`${i}\n`, (error) => order.push(error == null ? i : -1));
    await until(() => order.length === 5);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    client.destroy();
    const late = new Promise<Error | null | undefined>((resolve) => client.write('late\n', resolve));
    await expect(late).resolves.toBeInstanceOf(Error);
    await listener.close();
  });

  it('confirms a frame the kernel took at once inside write(); one it could not take only once it left', async () => {
    const { wss, port } = await rawServer();
    const peers: WebSocket[] = [];
    wss.on('connection', (socket) => {
      socket.pause(); // a peer that does not read: the kernel buffers fill up
      peers.push(socket);
    });
    const link = await ws({ port }).dial();
    attach(link);
    const outcomes: string[] = [];
    const chunk = 'x'.repeat(64 * 1024);
    let i = 0;
    for (; link.bufferedAmount === 0; i++) {
      if (i > 10_000) throw new Error('the kernel never stopped taking bytes');
      const n = i;
      link.write(chunk, (error) => outcomes.push(`${n} ${error == null ? 'sent' : 'failed'}`));
      if (link.bufferedAmount === 0) expect(outcomes.at(-1)).toBe(`${n} sent`);
    }
    expect(outcomes).toHaveLength(i - 1);
    link.write('after\n', (error) => outcomes.push(`after ${error == null ? 'sent' : 'failed'}`));
    expect(outcomes).toHaveLength(i - 1); // queued behind a frame still waiting
    await until(() => peers.length === 1);
    peers[0]!.resume();
    await until(() => outcomes.length === i + 1);
    expect(outcomes.slice(-2)).toEqual([`${i - 1} sent`, 'after sent']);
    link.destroy();
    await closeRaw(wss);
  });

  it('resumes reading after frames held before attach(), even when handing one over throws', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const accepted = once<[WebSocket, http.IncomingMessage]>(wss, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`);
    await once(client, 'open');
    const [socket, request] = await accepted;
    const link = new WsLink(socket, {
      remoteAddress: 'early',
      limits: { highWaterMark: 1024 * 1024, maxPayload: DEFAULT_MAX_PAYLOAD },
      heartbeat: 0,
      role: 'server',
      handshake: { url: '/', headers: {} },
      rawSocket: request.socket,
    });
    // A frame `ws` emits while the link waits for attach(), emitted by hand (ws does so with what a
    // paused socket held when it closes), so that the link stays open.
    socket.emit('message', Buffer.from('{"early":1}'), false);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const data: string[] = [];
      const lastOfRead: boolean[] = [];
      link.attach({
        onData(frame) {
          const text = Buffer.from(frame as Uint8Array).toString();
          data.push(text);
          lastOfRead.push(link.lastFrameOfRead);
          if (text.includes('early')) throw new Error('listener bug');
        },
        onDrain() {},
        onClose() {},
      });
      await until(() => uncaught.length === 1);
      expect(uncaught).toMatchObject([{ message: 'listener bug' }]);
      // Thrown out of attach(), the exception skipped the resume: nothing more was ever read.
      client.send('{"later":1}');
      await until(() => data.length === 2, 5000, () => `the frame after (have ${JSON.stringify(data)})`);
      expect(data).toEqual(['{"early":1}', '{"later":1}']);
      // A frame held before attach() ends no read: its replies wait for the tick, with the others held.
      expect(lastOfRead).toEqual([false, true]);
    } finally {
      process.off('uncaughtException', onUncaught);
      client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it("tells core which frame ends a read: the last of three sent in one write, a frame alone, none when compressed", async () => {
    /** The frames a server link received, each with what `lastFrameOfRead` said while it was handled. */
    async function framesOfReads(perMessageDeflate: boolean, pad = ''): Promise<Array<[string, boolean | undefined]>> {
      // No heartbeat: a pong in the same read would follow the third frame.
      const { listener, links, port } = await listen({ perMessageDeflate, heartbeat: 0 });
      const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
      await once(client, 'open');
      await until(() => links.length === 1);
      const link = links[0]!;
      const seen: Array<[string, boolean | undefined]> = [];
      link.attach({ onData: (frame) => void seen.push([Buffer.from(frame as Uint8Array).toString(), link.lastFrameOfRead]), onDrain() {}, onClose() {} });
      // Corked, the three frames leave in one writev: one segment on loopback, read in one go.
      const raw = (client as unknown as { _socket: net.Socket })._socket;
      raw.cork();
      for (const n of [1, 2, 3]) client.send(`{"n":${n}${pad}}`);
      raw.uncork();
      await until(() => seen.length === 3);
      client.send(`{"n":4${pad}}`);
      await until(() => seen.length === 4);
      client.terminate();
      await listener.close();
      return seen;
    }
    expect(await framesOfReads(false)).toEqual([
      ['{"n":1}', false],
      ['{"n":2}', false],
      ['{"n":3}', true],
      ['{"n":4}', true],
    ]);
    // `ws` inflates compressed frames later, out of the read: the replies wait for the tick. Frames
    // of 1 KiB and more are compressed (`ws`'s default threshold); smaller ones are not, but the
    // link cannot tell them apart.
    const compressed = await framesOfReads(true, `,"pad":"${'x'.repeat(1100)}"`);
    expect(compressed.map(([frame]) => (JSON.parse(frame) as { n: number }).n)).toEqual([1, 2, 3, 4]);
    expect(compressed.map(([, last]) => last)).toEqual([false, false, false, false]);
    expect((await framesOfReads(true)).map(([, last]) => last)).toEqual([false, false, false, false]);
  });

  it('wraps ECONNREFUSED as PROJ_ERR_CONNECT with the native error as cause', async () => {
    const { listener, port } = await listen();
    await listener.close();
    const err = await ws({ port }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ECONNREFUSED' } });
  });

  it('wraps a refused handshake (404 on another path) as PROJ_ERR_CONNECT with the status', async () => {
    const { listener, port } = await listen({ path: '/ws' });
    const err = await ws({ port, path: '/other' }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT, cause: { statusCode: 404 } });
    await listener.close();
  });

  it('wraps a handshake timeout as PROJ_ERR_CONNECT and aborts a pending dial', async () => {
    const sockets: net.Socket[] = [];
    // Accepts and reads, never answers.
    const silent = net.createServer((socket) => sockets.push(socket.resume()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const timedOut = await ws({ port, connectTimeout: 50 }).dial().catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: ErrorCode.CONNECT, cause: { message: expect.stringContaining('timed out') } });

    const controller = new AbortController();
    const dialing = ws({ port }).dial(controller.signal).catch((e: unknown) => e);
    await until(() => sockets.length === 2);
    const gone = once(sockets[1]!, 'close');
    controller.abort();
    expect(await dialing).toMatchObject({ code: ErrorCode.ABORTED });
    await gone; // the half-open socket was terminated

    const aborted = AbortSignal.abort();
    await expect(ws({ port }).dial(aborted)).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('wraps EADDRINUSE as PROJ_ERR_LISTEN; a url-only transport cannot listen', async () => {
    const { listener, port } = await listen();
    const err = await ws({ port }).listen(() => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.LISTEN, cause: { code: 'EADDRINUSE' } });
    await expect(ws({ url: 'ws://127.0.0.1:1/' }).listen(() => {})).rejects.toMatchObject({ code: ErrorCode.LISTEN });
    await listener.close();
  });

  it('answers plain HTTP on a standalone server with 426', async () => {
    const { listener, port } = await listen();
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(426);
    await listener.close();
  });

  it('maps a peer terminate (1006) to PROJ_ERR_CONNECTION_RESET', async () => {
    const { listener, links, port } = await listen();
    const client = attach(await ws({ port }).dial());
    await until(() => links.length === 1);
    attach(links[0]!);
    links[0]!.destroy();
    const info = await client.closed;
    expect(info).toMatchObject({ graceful: false, error: { code: ErrorCode.CONNECTION_RESET, details: { closeCode: 1006 } } });
    await listener.close();
  });

  it('maps other close codes to PROJ_ERR_TRANSPORT with closeCode and reason; 1001 is graceful', async () => {
    const { wss, port } = await rawServer();
    wss.on('connection', (socket, request) => socket.close(request.url === '/away' ? 1001 : 1011, 'boom'));
    const failed = attach(await ws({ port }).dial());
    expect(await failed.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.TRANSPORT, details: { closeCode: 1011, reason: 'boom' } } });
    const away = attach(await ws({ port, path: '/away' }).dial());
    expect(await away.closed).toEqual({ graceful: true });
    await closeRaw(wss);
  });

  it('closes with 1009 on a frame above maxPayload, PROJ_ERR_TRANSPORT on both sides', async () => {
    const { listener, links, port } = await listen({ maxPayload: 1024 });
    const client = await ws({ port }).dial();
    const fromServer = attach(client);
    await until(() => links.length === 1);
    const fromClient = attach(links[0]!);
    client.write(`${'x'.repeat(2000)}\n`);
    expect(await fromClient.closed).toMatchObject({
      graceful: false,
      error: { code: ErrorCode.TRANSPORT, details: { closeCode: 1009 }, cause: { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } },
    });
    expect(await fromServer.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.TRANSPORT, details: { closeCode: 1009 } } });
    expect(fromClient.text()).toBe('');
    await listener.close();
  });

  it('returns false from write() under backpressure and calls onDrain', async () => {
    const { wss, port } = await rawServer();
    const peers: WebSocket[] = [];
    wss.on('connection', (socket) => {
      socket.pause(); // a peer that does not read
      peers.push(socket);
    });
    const link = await ws({ port }).dial();
    const seen = attach(link);
    const chunk = 'x'.repeat(64 * 1024);
    let writes = 0;
    while (link.write(chunk)) if (++writes > 10_000) throw new Error('no backpressure after 640 MiB');
    expect(link.bufferedAmount).toBeGreaterThanOrEqual(64 * 1024);
    await until(() => peers.length === 1);
    peers[0]!.resume();
    await until(() => seen.drains() === 1);
    link.destroy();
    await closeRaw(wss);
  });

  it('close() on a standalone listener resolves once accepted links are gone', async () => {
    const { listener, links, port } = await listen();
    attach(await ws({ port }).dial());
    await until(() => links.length === 1);
    attach(links[0]!);
    let closed = false;
    const closing = listener.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    await expect(ws({ port }).dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT });
    links[0]!.destroy();
    await closing;
    expect(closed).toBe(true);
  });
});
