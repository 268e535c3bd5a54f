import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { ErrorCode, connect, serve, type Link } from '@proj/core';
import { WebSocket, WebSocketServer } from 'ws';
import { ws } from './index.js';
import { until } from '@proj/testing';
import { attach, once } from './test-helpers.js';

let app: http.Server;

/** A user's HTTP app with a `/health` route, listening on a free port. */
async function startApp(): Promise<number> {
  app = http.createServer((request, response) => {
    if (request.url === '/health') response.end('ok');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  return (app.address() as net.AddressInfo).port;
}

afterEach(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

describe('ws({ server })', () => {
  it('shares the port with the HTTP app: /health still answers, /ws carries links', async () => {
    const port = await startApp();
    const links: Link[] = [];
    const listener = await ws({ server: app, path: '/ws' }).listen((link) => links.push(link));
    expect(listener.address).toBe(`ws://127.0.0.1:${port}/ws`);
    expect(listener.port).toBe(port);

    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('ok');
    const client = attach(await ws({ port, path: '/ws' }).dial());
    await until(() => links.length === 1);
    const server = attach(links[0]!);
    links[0]!.write('hello\n');
    await until(() => client.text() === 'hello\n');
    links[0]!.end();
    expect(await client.closed).toEqual({ graceful: true });
    expect(await server.closed).toEqual({ graceful: true });

    await listener.close();
    expect(app.listening).toBe(true); // the user's server is not ours to close
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('ok');
    await expect(ws({ port, path: '/ws' }).dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT, cause: { statusCode: 404 } });
  });

  it('leaves other upgrade paths to other handlers', async () => {
    const port = await startApp();
    const other = new WebSocketServer({ noServer: true });
    app.on('upgrade', (request, socket, head) => {
      if (request.url === '/other') other.handleUpgrade(request, socket, head, (socket) => socket.send('from other'));
    });
    const links: Link[] = [];
    const listener = await ws({ server: app, path: '/ws' }).listen((link) => links.push(link));
    const raw = new WebSocket(`ws://127.0.0.1:${port}/other`);
    const [message] = await once<[Buffer]>(raw, 'message');
    expect(message.toString()).toBe('from other');
    expect(links).toHaveLength(0);
    raw.terminate();
    await listener.close();
    other.close();
  });

  it('refuses an upgrade for another path with 404 when it is the only upgrade handler', async () => {
    const port = await startApp();
    const listener = await ws({ server: app, path: '/ws' }).listen(() => {});
    const err = await ws({ port, path: '/nope' }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT, cause: { statusCode: 404 } });
    await listener.close();
  });

  it('serves core clients, and dials the attached server from the same value', async () => {
    await startApp();
    const transport = ws({ server: app, path: '/ws' });
    const server = await serve(transport, (message, peer) => peer.send({ echo: message }));
    const client = connect(transport);
    client.send('hi');
    const [reply] = await once<[unknown]>(client, 'message');
    expect(reply).toEqual({ echo: 'hi' });
    await client.close();
    await server.close();
    expect(app.listening).toBe(true);
  });
});
