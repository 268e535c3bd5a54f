/**
 * The wire stays plain NDJSON: a bare `net` peer, and a peer built from `net` + the `ndjson`
 * package's pipes, talk to @proj in both directions.
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { pipeline } from 'node:stream';
import ndjson from 'ndjson';
import { connect, serve } from '@proj/core';
import { tcp } from '@proj/tcp';
import { nextEvent, until } from '@proj/testing';

describe('tcp interop with plain NDJSON peers', () => {
  it('receives exactly two objects from {"good": 1234}\\r\\n{"good": 4567}\\n\\n in one write', async () => {
    const got: unknown[] = [];
    const server = await serve(tcp({ port: 0 }), (msg) => void got.push(msg));
    const malformed: unknown[] = [];
    server.on('malformed', (e) => malformed.push(e));
    const socket = net.connect({ port: server.port!, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('{"good": 1234}\r\n{"good": 4567}\n\n');
    socket.end();
    await until(() => server.stats.accepted === 1 && server.peers.size === 0);
    expect(got).toEqual([{ good: 1234 }, { good: 4567 }]);
    expect(malformed).toEqual([]);
    await server.close();
  });

  it('exchanges messages with a net + ndjson peer acting as the server', async () => {
    const received: unknown[] = [];
    const plain = net.createServer((socket) => {
      const out = ndjson.stringify();
      pipeline(out, socket, () => {});
      pipeline(socket, ndjson.parse(), async function* (source) {
        for await (const msg of source) {
          received.push(msg);
          out.write({ reply: msg });
        }
      }, () => {});
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as net.AddressInfo).port;
    const client = connect(tcp({ port }));
    const replies: unknown[] = [];
    client.on('message', (m) => replies.push(m));
    client.send({ n: 1, text: 'héllo' });
    client.send([1, 2, 3]);
    await until(() => replies.length === 2);
    expect(received).toEqual([{ n: 1, text: 'héllo' }, [1, 2, 3]]);
    expect(replies).toEqual([{ reply: { n: 1, text: 'héllo' } }, { reply: [1, 2, 3] }]);
    await client.end();
    await new Promise((resolve) => plain.close(resolve));
  });

  it('serves a net + ndjson peer acting as the client', async () => {
    const server = await serve(tcp({ port: 0 }), (msg, peer) => void peer.send({ echo: msg }));
    const socket = net.connect({ port: server.port!, host: '127.0.0.1' });
    const out = ndjson.stringify();
    out.pipe(socket);
    const replies: unknown[] = [];
    socket.pipe(ndjson.parse()).on('data', (m: unknown) => replies.push(m));
    out.write({ from: 'ndjson' });
    out.write({ second: true });
    await until(() => replies.length === 2);
    expect(replies).toEqual([{ echo: { from: 'ndjson' } }, { echo: { second: true } }]);
    const gone = nextEvent(server, 'disconnect');
    socket.end();
    await gone;
    await server.close();
  });
});
