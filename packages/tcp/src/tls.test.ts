import { beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import net from 'node:net';
import { ErrorCode, connect, serve, type Link, type Listener } from '@proj/core';
import { tcp, type TlsOptions } from './index.js';
import { clientTlsOf, serverTlsOf, testPki, type TestPki, recordLink, until, within } from '@proj/testing';

let pki: TestPki;

beforeAll(() => {
  pki = testPki();
});

const serverTls = (extra: TlsOptions = {}): TlsOptions => serverTlsOf(pki, extra);
const clientTls = (extra: TlsOptions = {}): TlsOptions => clientTlsOf(pki, extra);

async function listenTls(tls: TlsOptions): Promise<{ listener: Listener; links: Link[]; port: number }> {
  const links: Link[] = [];
  const listener = await tcp({ port: 0, tls }).listen((link) => links.push(link));
  return { listener, links, port: listener.port! };
}

/** Client and server ends of one established TLS link that has carried a line each way. */
async function linkedPair(server: TlsOptions, client: TlsOptions) {
  const { listener, links, port } = await listenTls(server);
  const clientLink = await tcp({ port, tls: client }).dial();
  const fromServer = recordLink(clientLink);
  await until(() => links.length === 1);
  const serverLink = links[0]!;
  const fromClient = recordLink(serverLink);
  clientLink.write('ping\n');
  serverLink.write('pong\n');
  await until(() => fromClient.data() === 'ping\n' && fromServer.data() === 'pong\n');
  return { listener, port, clientLink, serverLink, fromServer, fromClient };
}

describe('tcp({ tls })', () => {
  it('validates certificates and keys at construction; listening needs a certificate', async () => {
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_OPTION });
    expect(() => tcp({ port: 1, tls: { cert: 'not a certificate' } })).toThrow(invalid);
    expect(() => tcp({ port: 1, tls: { key: pki.client.key, cert: pki.server.cert } })).toThrow(invalid); // key does not match
    await expect(tcp({ port: 0, tls: { ca: pki.server.cert } }).listen(() => {})).rejects.toMatchObject({ code: ErrorCode.LISTEN });
  });

  it('echoes through serve() and connect(), named tls', async () => {
    const server = await serve(tcp({ port: 0, tls: serverTls() }), (message, peer) => peer.send({ echo: message, via: peer.transport }));
    expect(server.address).toBe(`tls://127.0.0.1:${server.port}`);
    const transport = tcp({ port: server.port!, tls: clientTls() });
    expect(transport.name).toBe('tls');
    const client = connect(transport);
    client.send({ hello: 'tls' });
    const { value } = await client[Symbol.asyncIterator]().next();
    expect(value).toEqual({ echo: { hello: 'tls' }, via: 'tls' });
    await client.end();
    await server.close();
  });

  it('fails the dial with PROJ_ERR_CONNECT when the server certificate is not trusted or not for that name', async () => {
    const { listener, links, port } = await listenTls(serverTls());
    const untrusted = await tcp({ port, tls: { ca: pki.stranger.cert } }).dial().catch((e: unknown) => e);
    expect(untrusted).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    const wrongName = await tcp({ port, tls: clientTls({ servername: 'api.example.com' }) }).dial().catch((e: unknown) => e);
    expect(wrongName).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } });
    expect(links).toHaveLength(0);
    await listener.close();
  });

  it('reports the handshake on both ends: authorized, the peer certificate, ALPN', async () => {
    const { listener, clientLink, serverLink } = await linkedPair(
      serverTls({ requestCert: true, ALPNProtocols: ['proj'] }),
      clientTls({ key: pki.client.key, cert: pki.client.cert, ALPNProtocols: ['proj'] }),
    );
    expect(serverLink.transport).toBe('tls');
    expect(serverLink.handshake).toEqual({
      authorized: true,
      authorizationError: undefined,
      peerCertificate: {
        subjectCN: 'client-1',
        issuerCN: 'client-1',
        subjectAltName: 'DNS:localhost, IP Address:127.0.0.1',
        fingerprint256: new crypto.X509Certificate(pki.client.cert).fingerprint256,
        serialNumber: expect.stringMatching(/^[0-9A-F]+$/),
        validFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        validTo: new Date(new crypto.X509Certificate(pki.client.cert).validTo).toISOString(),
      },
      alpnProtocol: 'proj',
      protocol: 'TLSv1.3',
    });
    expect(clientLink.handshake).toMatchObject({ authorized: true, peerCertificate: { subjectCN: 'localhost' }, alpnProtocol: 'proj' });
    clientLink.destroy();
    await listener.close();
  });

  it('mutual TLS: admits a client with a trusted certificate and gives no link to one without', async () => {
    const { listener, links, port } = await listenTls(serverTls({ requestCert: true }));
    // TLS 1.3: the client's handshake completes before the server checks its certificate, so
    // the dial succeeds and the link then fails on the server's alert.
    const anonymous = recordLink(await tcp({ port, tls: clientTls() }).dial());
    expect(await anonymous.closed).toMatchObject({
      graceful: false,
      error: { code: ErrorCode.TRANSPORT, cause: { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' } },
    });
    // TLS 1.2: the server refuses within the handshake, so the dial fails.
    const legacy = await tcp({ port, tls: clientTls({ maxVersion: 'TLSv1.2' }) }).dial().catch((e: unknown) => e);
    expect(legacy).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' } });
    // An untrusted certificate: Node verifies it after the handshake and closes the socket
    // without an alert, which the client reads as an orderly end (see docs/security.md).
    const stranger = recordLink(await tcp({ port, tls: clientTls({ key: pki.stranger.key, cert: pki.stranger.cert }) }).dial());
    expect(await stranger.closed).toEqual({ graceful: true });
    expect(links).toHaveLength(0);

    const trusted = await tcp({ port, tls: clientTls({ key: pki.client.key, cert: pki.client.cert }) }).dial();
    await until(() => links.length === 1);
    expect(links[0]!.handshake).toMatchObject({ authorized: true, peerCertificate: { subjectCN: 'client-1' } });
    trusted.destroy();
    await listener.close();
  });

  it('with rejectUnauthorized: false, leaves an untrusted client to serve()\'s authenticate hook, which refuses it clearly', async () => {
    const seen: Array<Readonly<Record<string, unknown>>> = [];
    const server = await serve(tcp({ port: 0, tls: serverTls({ requestCert: true, rejectUnauthorized: false }) }), () => {}, {
      authenticate: ({ handshake }) => {
        seen.push(handshake);
        return handshake.authorized === true;
      },
    });
    const client = connect(tcp({ port: server.port!, tls: clientTls({ key: pki.stranger.key, cert: pki.stranger.cert }) }));
    const disconnected = new Promise<unknown>((resolve) => client.once('disconnect', resolve));
    expect(await disconnected).toMatchObject({ reason: 'refused', error: { code: ErrorCode.UNAUTHORIZED } });
    expect(seen[0]).toMatchObject({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', peerCertificate: { subjectCN: 'stranger' } });
    expect(server.stats).toMatchObject({ accepted: 0, unauthorized: 1 });
    await client.close();
    await server.close();
  });

  it('closes gracefully on end(): close_notify and FIN', async () => {
    const { listener, clientLink, fromServer, fromClient } = await linkedPair(serverTls(), clientTls());
    clientLink.end();
    expect(await fromClient.closed).toEqual({ graceful: true });
    expect(await fromServer.closed).toEqual({ graceful: true });
    await listener.close();
  });

  it('sends an RST on destroy(), which the peer sees as PROJ_ERR_CONNECTION_RESET, both ways', async () => {
    const first = await linkedPair(serverTls(), clientTls());
    first.serverLink.destroy();
    expect(await first.fromServer.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.CONNECTION_RESET, cause: { code: 'ECONNRESET' } } });
    await first.listener.close();

    const second = await linkedPair(serverTls(), clientTls());
    second.clientLink.destroy();
    expect(await second.fromClient.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.CONNECTION_RESET, cause: { code: 'ECONNRESET' } } });
    await second.listener.close();
  });

  it('closes on destroy() right after end(), either side (no RST can follow a pending close_notify and FIN)', async () => {
    for (const side of ['serverLink', 'clientLink'] as const) {
      const pair = await linkedPair(serverTls(), clientTls());
      pair[side].end();
      pair[side].destroy();
      const [own, remote] = side === 'serverLink' ? [pair.fromClient, pair.fromServer] : [pair.fromServer, pair.fromClient];
      await within(own.closed, 5000, `the destroyed ${side} closing`);
      await within(remote.closed, 5000, `the remote of ${side} closing`);
      await within(pair.listener.close(), 5000, 'listener.close()');
    }
  });

  it('times out a server that never answers the TLS handshake, and aborts a pending one', async () => {
    const sockets: net.Socket[] = [];
    // Accepts TCP and reads the ClientHello, never answers it.
    const silent = net.createServer((socket) => sockets.push(socket.resume()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const timedOut = await tcp({ port, tls: clientTls(), connectTimeout: 50 }).dial().catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: ErrorCode.CONNECT, message: expect.stringContaining('timed out') });

    const controller = new AbortController();
    const dialing = tcp({ port, tls: clientTls() }).dial(controller.signal).catch((e: unknown) => e);
    await until(() => sockets.length === 2);
    const gone = new Promise((resolve) => sockets[1]!.once('close', resolve));
    controller.abort();
    expect(await dialing).toMatchObject({ code: ErrorCode.ABORTED });
    await gone; // the half-open socket was destroyed
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('drops a client that opens TCP and never starts TLS once connectTimeout passes, so close() does not wait for it', async () => {
    const server = await serve(tcp({ port: 0, tls: serverTls(), connectTimeout: 100 }), () => {});
    const silent = net.connect(server.port!, '127.0.0.1');
    const closed = new Promise((resolve) => silent.once('close', resolve));
    silent.on('error', () => {});
    await within(closed, 5000, 'the server dropping a client that never sent a ClientHello');
    expect(server.peers.size).toBe(0);
    // close() with another silent client still inside its handshake time: it resolves once that client is dropped.
    const second = net.connect(server.port!, '127.0.0.1');
    second.on('error', () => {});
    await new Promise((resolve) => second.once('connect', resolve));
    await within(server.close({ grace: 0 }), 5000, 'server.close() with a client that never started TLS');
    second.destroy();
  });
});
