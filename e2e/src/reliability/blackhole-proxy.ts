/**
 * `blackholeProxy()`: a TCP proxy the test can turn into a black hole. After `blackhole()` it
 * stops forwarding, in both directions, on every connection open at that moment, without closing
 * anything: to both ends the connection looks alive but silent, as when a NAT entry expires or
 * a laptop lid closes. Connections made afterwards are forwarded normally.
 */
import net from 'node:net';

export interface BlackholeProxy {
  readonly port: number;
  /** Bytes forwarded so far, client → server and server → client. */
  readonly forwarded: { up: number; down: number };
  /** Bytes swallowed by the black hole. */
  readonly swallowed: { up: number; down: number };
  /** Connections accepted so far. */
  readonly connections: number;
  /**
   * Stops forwarding on every connection open now; both sockets stay open. `discard` keeps
   * reading and drops the bytes (the senders never see backpressure); `stall` stops reading, so
   * kernel buffers fill and the senders' writes block, as with a peer that froze.
   */
  blackhole(mode?: 'discard' | 'stall'): void;
  close(): Promise<void>;
}

interface Pair {
  holed: boolean;
  sockets: net.Socket[];
}

export async function blackholeProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<BlackholeProxy> {
  const pairs = new Set<Pair>();
  const sockets = new Set<net.Socket>();
  const forwarded = { up: 0, down: 0 };
  const swallowed = { up: 0, down: 0 };
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect({ port: targetPort, host: targetHost });
    const pair: Pair = { holed: false, sockets: [client, upstream] };
    pairs.add(pair);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const forward = (from: net.Socket, to: net.Socket, direction: 'up' | 'down'): void => {
      from.on('data', (chunk: Buffer) => {
        if (pair.holed) {
          swallowed[direction] += chunk.length;
          return;
        }
        forwarded[direction] += chunk.length;
        to.write(chunk);
      });
      // Closes propagate only while forwarding: a black hole forwards nothing, FIN and RST included.
      from.on('end', () => void (pair.holed || to.end()));
      from.on('error', () => void (pair.holed || to.resetAndDestroy()));
      from.on('close', () => {
        sockets.delete(from);
        if (!pair.holed) to.destroy();
        if (!sockets.has(to)) pairs.delete(pair);
      });
    };
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    forwarded,
    swallowed,
    get connections() {
      return connections;
    },
    blackhole(mode = 'discard') {
      for (const pair of pairs) {
        pair.holed = true;
        if (mode === 'stall') for (const socket of pair.sockets) socket.pause();
      }
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
