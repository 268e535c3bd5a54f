import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import net from 'node:net';
import { formatAddress, socketAddress } from './address.js';

describe('formatAddress', () => {
  it('formats IPv4, bracketed IPv6 and missing parts', () => {
    expect(formatAddress('127.0.0.1', 4000)).toBe('127.0.0.1:4000');
    expect(formatAddress('::1', 4000)).toBe('[::1]:4000');
    expect(formatAddress('::ffff:127.0.0.1', 80)).toBe('[::ffff:127.0.0.1]:80');
    expect(formatAddress(undefined, undefined)).toBe('unknown:0');
  });
});

describe('socketAddress', () => {
  it("formats a socket's remote end and drops the peer name net cached to answer", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    expect(socketAddress(client)).toBe(`127.0.0.1:${port}`);
    expect((client as unknown as { _peername?: unknown })._peername).toBeUndefined();
    // Asked again, net fetches it anew while the socket is open.
    expect(client.remotePort).toBe(port);
    const [serverSide] = await accepted;
    expect(socketAddress(serverSide)).toBe(`127.0.0.1:${client.localPort}`);
    client.destroy();
    serverSide.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
