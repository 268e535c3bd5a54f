/** Formatting of remote addresses, shared by the socket adapters. */

/**
 * `host:port` as a remote address is shown in `Peer.remoteAddress` and in error messages; an IPv6
 * host goes in brackets (`[::1]:4000`). A missing host is `unknown`, a missing port `0`.
 *
 * Built with `join()`: one flat string. A template literal leaves a rope of three strings
 * (`host:`, the port, and the rope itself) that a connection holds for its whole life (~56 B,
 * bench "memory per idle connection").
 */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? 'unknown';
  return [h.includes(':') ? `[${h}]` : h, port ?? 0].join(':');
}

/** The members of a connected `net.Socket` (or `tls.TLSSocket`) that {@link socketAddress} reads. */
export interface AddressedSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/**
 * The remote end of a connected socket, as {@link formatAddress} writes it. Reading it makes
 * `net` cache the peer name on the socket (`_peername`: an object and an address string, ~90 B
 * a connection would hold for its whole life, bench "memory per idle connection"), so the cache
 * is dropped again: while the socket is open, `net` asks the kernel anew if anything reads the
 * address later; once it has closed, `socket.remoteAddress` is `undefined`. Use it on sockets
 * the adapter owns, not on ones user code may still ask after they close.
 */
export function socketAddress(socket: AddressedSocket): string {
  const address = formatAddress(socket.remoteAddress, socket.remotePort);
  // Assigned, not deleted: a deleted property would turn every socket into a slow dictionary object.
  (socket as { _peername?: unknown })._peername = undefined;
  return address;
}
