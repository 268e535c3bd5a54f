import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { ErrorCode, connect, serve } from '@proj/core';
import { ws, type TlsOptions } from './index.js';
import { WebSocket } from 'ws';
import { clientTlsOf, serverTlsOf, testPki, type TestPki, until } from '@proj/testing';
import { attach, listen, watchPings } from './test-helpers.js';

let pki: TestPki;

beforeAll(() => {
  pki = testPki();
});

const serverTls = (extra: TlsOptions = {}): TlsOptions => serverTlsOf(pki, extra);
const clientTls = (extra: TlsOptions = {}): TlsOptions => clientTlsOf(pki, extra);

const asClient = (): TlsOptions => clientTls({ key: pki.client.key, cert: pki.client.cert });

describe('ws({ tls })', () => {
  it('validates its TLS options', async () => {
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_OPTION });
    expect(() => ws({ url: 'ws://127.0.0.1:1/', tls: clientTls() })).toThrow(invalid);
    expect(() => ws({ server: http.createServer(), tls: clientTls() })).toThrow(invalid);
    expect(() => ws({ port: 1, tls: { cert: 'not a certificate' } })).toThrow(invalid);
    await expect(ws({ port: 0, tls: clientTls() }).listen(() => {})).rejects.toMatchObject({ code: ErrorCode.LISTEN });
  });

  it('echoes over wss between serve() and connect()', async () => {
    const server = await serve(ws({ port: 0, tls: serverTls() }), (message, peer) => peer.send({ echo: message }));
    expect(server.address).toBe(`wss://127.0.0.1:${server.port}/`);
    const client = connect(ws({ port: server.port!, tls: clientTls() }));
    client.send('over tls');
    const { value } = await client[Symbol.asyncIterator]().next();
    expect(value).toEqual({ echo: 'over tls' });
    await client.close();
    await server.close();
  });

  it('dials a wss:// url, checking the certificate against the host name', async () => {
    const { listener, links, port } = await listen({ tls: serverTls() });
    const link = await ws({ url: `wss://localhost:${port}/`, tls: clientTls() }).dial();
    await until(() => links.length === 1);
    expect(link.handshake).toMatchObject({ url: `wss://localhost:${port}/`, authorized: true, peerCertificate: { subjectCN: 'localhost' } });
    link.destroy();
    await listener.close();
  });

  it('fails the dial with PROJ_ERR_CONNECT when the server certificate is not trusted', async () => {
    const { listener, links, port } = await listen({ tls: serverTls() });
    const err = await ws({ port, tls: { ca: pki.stranger.cert } }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    const noCa = await ws({ url: `wss://127.0.0.1:${port}/` }).dial().catch((e: unknown) => e); // Node's root CAs only
    expect(noCa).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    expect(links).toHaveLength(0);
    await listener.close();
  });

  it('reports the upgrade request and the TLS session as the handshake, on both ends', async () => {
    const { listener, links, port } = await listen({ path: '/feed', tls: serverTls({ requestCert: true }) });
    const client = await ws({ url: `wss://127.0.0.1:${port}/feed?room=7`, tls: asClient() }).dial();
    await until(() => links.length === 1);
    expect(links[0]!.handshake).toMatchObject({
      url: '/feed?room=7',
      headers: { host: `127.0.0.1:${port}`, upgrade: 'websocket', 'sec-websocket-version': '13' },
      authorized: true,
      authorizationError: undefined,
      peerCertificate: { subjectCN: 'client-1', fingerprint256: new crypto.X509Certificate(pki.client.cert).fingerprint256 },
      protocol: 'TLSv1.3',
    });
    expect(client.handshake).toMatchObject({
      url: `wss://127.0.0.1:${port}/feed?room=7`,
      headers: { upgrade: 'websocket' },
      authorized: true,
      peerCertificate: { subjectCN: 'localhost' },
    });
    client.destroy();
    await listener.close();
  });

  it('mutual TLS: admits a client with a trusted certificate; the dial of one without fails', async () => {
    const { listener, links, port } = await listen({ tls: serverTls({ requestCert: true }) });
    // The WebSocket handshake waits for the server's HTTP response, which never comes.
    const anonymous = await ws({ port, tls: clientTls() }).dial().catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' } });
    const stranger = await ws({ port, tls: clientTls({ key: pki.stranger.key, cert: pki.stranger.cert }) }).dial().catch((e: unknown) => e);
    expect(stranger).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ECONNRESET' } });
    expect(links).toHaveLength(0);

    const trusted = attach(await ws({ port, tls: asClient() }).dial());
    await until(() => links.length === 1);
    const server = attach(links[0]!);
    links[0]!.write('welcome\n');
    await until(() => trusted.text() === 'welcome\n');
    links[0]!.end();
    expect(await trusted.closed).toEqual({ graceful: true });
    expect(await server.closed).toEqual({ graceful: true });
    await listener.close();
  });

  it('heartbeat over wss: keeps a client that answers pings, terminates one that stops', async () => {
    const { listener, links, port } = await listen({ tls: serverTls(), heartbeat: 50 });
    const answering = new WebSocket(`wss://localhost:${port}/`, { ca: pki.server.cert });
    await until(() => links.length === 1);
    const watch = watchPings(answering, links[0]!);
    // The server reads the pongs' bytes on the TLS socket: 5 pings answered, still connected.
    await until(() => watch.pings() >= 5 || !watch.open());
    expect(watch.open()).toBe(true);

    const silent = new WebSocket(`wss://localhost:${port}/`, { ca: pki.server.cert, autoPong: false });
    silent.on('error', () => {});
    await until(() => links.length === 2);
    expect(await attach(links[1]!).closed).toMatchObject({ graceful: false, error: { code: ErrorCode.HEARTBEAT_TIMEOUT } });
    expect(watch.open()).toBe(true);
    answering.terminate();
    await listener.close();
  });

  it('maps a destroy() over wss to a reset (1006) on the other end', async () => {
    const { listener, links, port } = await listen({ tls: serverTls() });
    const client = attach(await ws({ port, tls: clientTls() }).dial());
    await until(() => links.length === 1);
    attach(links[0]!);
    links[0]!.destroy();
    expect(await client.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.CONNECTION_RESET, details: { closeCode: 1006 } } });
    await listener.close();
  });
});

describe('ws({ server: httpsServer })', () => {
  let app: https.Server | undefined;

  afterEach(async () => {
    app?.closeAllConnections();
    await new Promise((resolve) => app?.close(resolve));
  });

  it('shares a user https server: the same value serves and dials wss', async () => {
    app = https.createServer({ key: pki.server.key, cert: pki.server.cert }, (_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as net.AddressInfo).port;
    const transport = ws({ server: app, path: '/ws', tls: clientTls() });
    const server = await serve(transport, (message, peer) => peer.send({ echo: message }));
    expect(server.address).toBe(`wss://127.0.0.1:${port}/ws`);
    const client = connect(transport);
    client.send('attached');
    const { value } = await client[Symbol.asyncIterator]().next();
    expect(value).toEqual({ echo: 'attached' });
    await client.close();
    await server.close();
    expect(app.listening).toBe(true); // the user's server is not ours to close
  });
});
