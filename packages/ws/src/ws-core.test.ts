import { describe, expect, it } from 'vitest';
import { ErrorCode, connect, serve, type Client, type DisconnectInfo, type DroppedInfo, type Peer } from '@proj/core';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_MAX_PAYLOAD, ws } from './index.js';
import { freePort, until, within } from '@proj/testing';
import { once } from './test-helpers.js';

/** A TCP connection to `port` on loopback that swallows its errors. */
function netConnect(port: number): net.Socket {
  return net.connect(port, '127.0.0.1').on('error', () => {});
}

/** A raw `ws` client on a core server: what a browser or a third-party peer would be. */
function rawClient(port: number): Promise<{ socket: WebSocket; frames: string[] }> {
  return rawClientAt(`ws://127.0.0.1:${port}/`);
}

async function rawClientAt(url: string): Promise<{ socket: WebSocket; frames: string[] }> {
  const socket = new WebSocket(url);
  const frames: string[] = [];
  socket.on('message', (data: Buffer) => frames.push(data.toString()));
  await once(socket, 'open');
  return { socket, frames };
}

describe('ws() with core', () => {
  it('carries messages between serve() and connect()', async () => {
    const server = await serve(ws({ port: 0 }), (message, peer) => peer.send({ echo: message }));
    expect(server.address).toBe(`ws://127.0.0.1:${server.port}/`);
    const client = connect(ws({ port: server.port! }));
    const replies: unknown[] = [];
    client.on('message', (message) => replies.push(message));
    for (const value of [1, 'two', null, { three: [3] }]) client.send(value);
    await until(() => replies.length === 4);
    expect(replies).toEqual([{ echo: 1 }, { echo: 'two' }, { echo: null }, { echo: { three: [3] } }]);
    await client.close();
    await server.close();
  });

  it('coalesces the sends of one tick into one text frame', async () => {
    const server = await serve(ws({ port: 0 }), () => {});
    server.on('connection', (peer: Peer) => {
      peer.send({ n: 1 });
      peer.send({ n: 2 });
      peer.send({ n: 3 });
    });
    const { socket, frames } = await rawClient(server.port!);
    await until(() => frames.length > 0);
    await server.close({ grace: 1000 });
    expect(frames).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    socket.terminate();
  });

  it('answers many one-message frames that arrive in one read with one frame', async () => {
    const server = await serve(ws({ port: 0 }), (message, peer) => void peer.send(message));
    const { socket, frames } = await rawClient(server.port!);
    // Corked, the 50 frames leave in one TCP segment: the server reads them in one go, as it
    // reads a browser's burst (one message per frame).
    const raw = (socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    raw.cork();
    for (let i = 0; i < 50; i++) socket.send(JSON.stringify({ i }));
    raw.uncork();
    await until(() => frames.join('').split('\n').length > 50);
    const [peer] = server.peers.list();
    expect(frames.join('')).toBe(Array.from({ length: 50 }, (_, i) => `{"i":${i}}\n`).join(''));
    expect(frames.length).toBeLessThanOrEqual(2); // one per read (TCP may still split the burst)
    expect(peer!.stats.writes).toBe(frames.length);
    socket.terminate();
    await server.close();
  });

  it('answers a frame that arrived alone in its read before the tick queue runs', async () => {
    const writesAtTick: number[] = [];
    const server = await serve(ws({ port: 0 }), (message, peer) => {
      // Queued before the reply: it runs after the frame was handled, before any flush on the tick.
      process.nextTick(() => writesAtTick.push(peer.stats.writes));
      peer.send({ echo: message });
    });
    const { socket, frames } = await rawClient(server.port!);
    socket.send('{"n":1}');
    await until(() => frames.length === 1);
    socket.send('{"n":2}');
    await until(() => frames.length === 2);
    expect(frames).toEqual(['{"echo":{"n":1}}\n', '{"echo":{"n":2}}\n']);
    expect(writesAtTick).toEqual([1, 2]);
    socket.terminate();
    await server.close();
  });

  it('goes on reading, and closes, after a message listener threw: the exception is uncaught, as on tcp', async () => {
    // Uncaught, as in production; with a listener of the test's own, vitest leaves it to the test.
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const server = await serve(ws({ port: 0 }), (message, peer) => void peer.send({ echo: message }));
      server.on('connection', (peer: Peer) =>
        peer.on('message', (message) => {
          if ((message as { n: number }).n === 2) throw new Error('listener bug');
        }),
      );
      const { socket, frames } = await rawClient(server.port!);
      // Two frames in one read: the exception leaves the second, not the rest of the read.
      const raw = (socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      raw.cork();
      for (const n of [1, 2, 3]) socket.send(JSON.stringify({ n }));
      raw.uncork();
      await until(() => frames.join('').split('\n').length > 3, 5000, () => `three replies (have ${JSON.stringify(frames)})`);
      expect(frames.join('')).toBe('{"echo":{"n":1}}\n{"echo":{"n":2}}\n{"echo":{"n":3}}\n');
      expect(uncaught).toMatchObject([{ message: 'listener bug' }]);
      // Later reads too, and the server closes: before, ws read nothing more from this socket and
      // close() waited for the peer for ever.
      socket.send('{"n":4}');
      await until(() => frames.join('').includes('{"n":4}'), 5000, 'a reply to a later frame');
      // A throw inside a frame of several lines without a final newline: the frame's end still ends
      // the skipped line, and the next frame is answered (before, the decoder discarded into it).
      socket.send('{"n":2}\n{"n":5}');
      socket.send('{"n":6}');
      await until(() => frames.join('').includes('{"n":6}'), 5000, () => `a reply to the frame after (have ${JSON.stringify(frames)})`);
      expect(uncaught).toHaveLength(2);
      await server.close({ grace: 100 });
      expect(server.peers.size).toBe(0);
      socket.terminate();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('decodes frames without a trailing newline, with several lines, and binary frames', async () => {
    const received: unknown[] = [];
    const server = await serve(ws({ port: 0 }), (message) => received.push(message));
    const { socket } = await rawClient(server.port!);
    socket.send(JSON.stringify({ browser: true })); // what a browser sends
    socket.send('{"a":1}\n{"b":2}');
    socket.send('"partial'); // a frame end ends the line: this one is malformed, not glued to the next
    socket.send(Buffer.from('{"binary":"é"}\n'), { binary: true });
    const malformed: unknown[] = [];
    server.on('malformed', (error) => malformed.push(error));
    await until(() => received.length === 4 && malformed.length === 1);
    expect(received).toEqual([{ browser: true }, { a: 1 }, { b: 2 }, { binary: 'é' }]);
    expect(malformed[0]).toMatchObject({ code: ErrorCode.MALFORMED_LINE });
    socket.terminate();
    await server.close();
  });

  it("describes a peer's remote end after its WebSocket closed, as in its dropped and disconnect events", async () => {
    const server = await serve(ws({ port: 0, path: '/feed' }), () => {});
    const { socket } = await rawClientAt(`ws://127.0.0.1:${server.port}/feed`);
    await until(() => server.peers.size === 1);
    const [peer] = [...server.peers];
    const clientClosed = once(socket, 'close');
    const open = { transport: peer!.transport, remoteAddress: peer!.remoteAddress, handshake: peer!.handshake };
    expect(open).toMatchObject({ transport: 'ws', remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/), handshake: { url: '/feed' } });
    const seen: Array<{ event: string; remoteAddress: string; url: unknown }> = [];
    const record = (event: string) => () => seen.push({ event, remoteAddress: peer!.remoteAddress, url: peer!.handshake['url'] });
    peer!.on('dropped', record('dropped'));
    peer!.on('disconnect', record('disconnect'));
    const closing = peer!.destroy();
    // Queued while the close is under way, dropped by it: the dropped event runs during the close.
    peer!.send({ never: 'sent' });
    expect(await closing).toEqual({ reason: 'local-destroy' });
    expect(seen).toEqual([
      { event: 'dropped', remoteAddress: open.remoteAddress, url: '/feed' },
      { event: 'disconnect', remoteAddress: open.remoteAddress, url: '/feed' },
    ]);
    expect({ transport: peer!.transport, remoteAddress: peer!.remoteAddress, handshake: peer!.handshake }).toEqual(open);
    expect(peer!.handshake).toBe(open.handshake);
    await clientClosed;
    await server.close();
  });

  it('closes without waiting for connections that never upgraded, and still ends upgraded ones gracefully', async () => {
    const server = await serve(ws({ port: 0 }), () => {});
    const client = connect(ws({ port: server.port! }), { reconnect: false });
    await client.connected();
    const disconnected = once<[DisconnectInfo]>(client, 'disconnect');
    // One connection that sends nothing, one that stops in the middle of its upgrade request.
    const silent = netConnect(server.port!);
    const partial = netConnect(server.port!);
    await Promise.all([once(silent, 'connect'), once(partial, 'connect')]);
    partial.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const gone = Promise.all([once(silent, 'close'), once(partial, 'close')]);
    await within(server.close({ grace: 1000 }), 5000, 'server.close() with connections that never upgraded');
    await within(gone, 1000, 'the connections that never upgraded being closed');
    expect((await disconnected)[0].reason).toBe('remote-end');
    await client.close();
  });

  it('reports a server end as remote-end and a server destroy as remote-reset', async () => {
    const server = await serve(ws({ port: 0 }), () => {});
    const client = connect(ws({ port: server.port! }), { reconnect: false });
    await client.connected();
    await until(() => server.peers.size === 1);
    const ended = once<[DisconnectInfo]>(client, 'disconnect');
    await server.peers.endAll();
    expect((await ended)[0]).toEqual({ reason: 'remote-end' });

    const again = connect(ws({ port: server.port! }), { reconnect: false });
    await again.connected();
    await until(() => server.peers.size === 1);
    const reset = once<[DisconnectInfo]>(again, 'disconnect');
    await server.peers.destroyAll();
    expect((await reset)[0]).toMatchObject({ reason: 'remote-reset', error: { code: ErrorCode.CONNECTION_RESET } });
    await server.close();
  });

  it('reports an oversize frame as a transport error with close code 1009', async () => {
    const server = await serve(ws({ port: 0, maxPayload: 64 }), () => {});
    const serverSide = new Promise<DisconnectInfo>((resolve) => server.on('disconnect', (_peer, info) => resolve(info)));
    const client = connect(ws({ port: server.port! }), { reconnect: false });
    const clientSide = once<[DisconnectInfo]>(client, 'disconnect');
    client.send('x'.repeat(100));
    expect((await clientSide)[0]).toMatchObject({ reason: 'error', error: { code: ErrorCode.TRANSPORT, details: { closeCode: 1009 } } });
    expect(await serverSide).toMatchObject({ reason: 'error', error: { code: ErrorCode.TRANSPORT, details: { closeCode: 1009 } } });
    await server.close();
  });

  /**
   * A client that queues `send` while no server listens, then a bare `ws` server with
   * `serverMaxPayload` starts: what reaches it, frame by frame, once every line that can arrive has.
   */
  async function queuedThenServed(clientMaxPayload: number | undefined, serverMaxPayload: number, send: (client: Client) => void, expected: number) {
    const port = await freePort();
    const client = connect(ws({ port, ...(clientMaxPayload === undefined ? {} : { maxPayload: clientMaxPayload }) }), {
      reconnect: { initialDelay: 5, maxDelay: 20, jitter: 'none' },
      maxQueueBytes: 64 * 1024 * 1024,
    });
    const disconnects: DisconnectInfo[] = [];
    client.on('disconnect', (info) => disconnects.push(info));
    const dropped: DroppedInfo[] = [];
    client.on('dropped', (info) => dropped.push(info));
    send(client);
    const wss = new WebSocketServer({ port, host: '127.0.0.1', maxPayload: serverMaxPayload });
    const frames: Buffer[] = [];
    const closes: number[] = [];
    wss.on('connection', (socket) => {
      socket.on('message', (data: Buffer) => frames.push(data));
      socket.on('close', (code) => closes.push(code));
    });
    const lines = (): Array<{ n: number }> => frames.flatMap((f) => f.toString().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { n: number }));
    await until(() => lines().length === expected);
    const outcome = { lines: lines(), frames: frames.map((f) => f.length), closes: [...closes], disconnects: [...disconnects], dropped: [...dropped], writes: client.stats.writes };
    await client.close();
    await new Promise((resolve) => wss.close(resolve));
    return outcome;
  }

  const small = (n: number) => ({ n, text: 'é'.repeat(n % 5), pad: 'x'.repeat(80) });

  it('keeps every frame within maxPayload: what a client queued while disconnected arrives whole, not refused with 1009', async () => {
    const maxPayload = 16 * 1024;
    // ~100 KiB queued while no server listens: one batch of six maxPayloads once connected.
    const out = await queuedThenServed(maxPayload, maxPayload, (client) => {
      for (let n = 0; n < 1000; n++) client.send(small(n));
    }, 1000);
    expect(out.lines.map((l) => l.n)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect(out.frames.length).toBeGreaterThan(6);
    expect(Math.max(...out.frames)).toBeLessThanOrEqual(maxPayload);
    expect(out.closes).toEqual([]);
    expect(out.disconnects).toEqual([]);
    expect(out.writes).toBe(out.frames.length);
  });

  it('does not send a line bigger than maxPayload, which would lose what follows it: reports it dropped and delivers the rest', async () => {
    const maxPayload = 16 * 1024;
    const out = await queuedThenServed(maxPayload, maxPayload, (client) => {
      for (let n = 0; n < 300; n++) client.send(small(n));
      client.send({ n: -1, pad: 'y'.repeat(maxPayload) });
      for (let n = 300; n < 600; n++) client.send(small(n));
    }, 600);
    expect(out.lines.map((l) => l.n)).toEqual(Array.from({ length: 600 }, (_, n) => n));
    expect(out.closes).toEqual([]);
    expect(out.disconnects).toEqual([]);
    expect(out.dropped).toHaveLength(1);
    expect(out.dropped[0]).toMatchObject({ messages: 1, bytes: maxPayload + 18, error: { code: ErrorCode.DROPPED, details: { maxWriteBytes: maxPayload } } });
  });

  it('keeps frames of several lines within the default maxPayload when this side raised its own (to receive bigger ones)', async () => {
    // ~2.4 MiB queued by a client whose maxPayload is 4 MiB, for a server left at the default.
    const out = await queuedThenServed(4 * 1024 * 1024, DEFAULT_MAX_PAYLOAD, (client) => {
      for (let n = 0; n < 24_000; n++) client.send(small(n));
    }, 24_000);
    expect(out.lines).toHaveLength(24_000);
    expect(out.frames.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...out.frames)).toBeLessThanOrEqual(DEFAULT_MAX_PAYLOAD);
    expect(out.closes).toEqual([]);
    expect(out.disconnects).toEqual([]);
  });

  it('reports a peer that stops answering pings as heartbeat-timeout', async () => {
    const server = await serve(ws({ port: 0, heartbeat: 50 }), () => {});
    const gone = new Promise<DisconnectInfo>((resolve) => server.on('disconnect', (_peer, info) => resolve(info)));
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/`, { autoPong: false });
    socket.on('error', () => {}); // the server terminates it: nothing to report here
    expect(await gone).toMatchObject({ reason: 'heartbeat-timeout', error: { code: ErrorCode.HEARTBEAT_TIMEOUT, details: { heartbeat: 50 } } });
    await server.close();
  });

  it('resends only what a closing WebSocket never sent: no duplicates when frames still drain after the close', async () => {
    // `ws` fails a send after the close on the next tick, while frames sent before it are still
    // in the socket and succeed later: errors come before earlier successes.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const received: number[] = [];
    let connections = 0;
    let first: WebSocket | undefined;
    wss.on('connection', (socket: WebSocket) => {
      connections++;
      socket.on('message', (data: Buffer) => {
        for (const line of data.toString().split('\n')) if (line !== '') received.push((JSON.parse(line) as { seq: number }).seq);
      });
      if (first === undefined) {
        first = socket;
        socket.pause(); // a peer that stops reading: frames pile up in the client's socket
      }
    });
    const port = (wss.address() as { port: number }).port;
    // The client's TCP socket, to see the close frame arrive (ws reads it before this listener runs).
    let clientSocket: net.Socket | undefined;
    const onSocket = (message: unknown): void => void (clientSocket ??= (message as { socket: net.Socket }).socket);
    diagnostics.subscribe('net.client.socket', onSocket);
    const client = connect(ws({ port, highWaterMark: 256 * 1024 * 1024 }), { highWaterMark: 256 * 1024 * 1024, maxQueueBytes: 256 * 1024 * 1024, reconnect: { initialDelay: 10, maxDelay: 50, jitter: 'none' } });
    await client.connected();
    diagnostics.unsubscribe('net.client.socket', onSocket);
    const pad = 'x'.repeat(256 * 1024);
    const total = 60;
    const closeAt = 40; // 40 × 256 KiB: well past what the kernel buffers of a paused loopback connection hold
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    for (let seq = 0; seq < total; seq++) {
      client.send({ seq, pad });
      await turn(); // one frame per send
      if (seq === closeAt) {
        // The close frame reaches the client while its frames still wait: every send from now on
        // fails (on the next tick), while the frames before it succeed only once the server reads.
        const closeFrame = once(clientSocket!, 'data');
        first!.close(1000);
        await closeFrame;
      }
    }
    first!.resume();
    await until(() => connections === 2 && received.length >= total, 20_000, () => `${total} messages (have ${received.length})`);
    await client.flushed();
    expect(received.length).toBe(total); // none twice
    expect([...received].sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
    await client.close();
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
});
