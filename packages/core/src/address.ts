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
