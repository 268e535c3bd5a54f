/**
 * The TLS options every TLS-speaking adapter accepts, documented once.
 */

/**
 * TLS settings shared by the adapters that speak TLS (`tcp({ tls })`, `ws({ tls })`). One value serves both sides: a server uses `key`/`cert` (or
 * `pfx`) and, for mutual TLS, `ca` + `requestCert`; a client uses `ca` to trust the server and
 * `key`/`cert` to present a client certificate. Every `tls.SecureContextOptions` field
 * (`minVersion`, `ciphers`, `passphrase`, `crl`, …) is passed to Node as is; adapters type them
 * from `node:tls`, which core does not import.
 */
export interface TlsOptions {
  /**
   * Server: ask each client for a certificate (mutual TLS). With `rejectUnauthorized` (the
   * default) a client without a certificate that verifies against `ca` gets no link.
   * @default false
   */
  requestCert?: boolean;
  /**
   * Refuse a peer whose certificate does not verify against `ca` (Node's bundled root CAs when
   * `ca` is not given). Client: the server's certificate and its name (see `servername`).
   * Server: only with `requestCert`. `false` lets such peers through with
   * `handshake.authorized === false` for the `authenticate` hook to decide: never in production
   * on a client, where it disables protection against an impostor server.
   * @default true
   */
  rejectUnauthorized?: boolean;
  /**
   * Client: the name sent as SNI and checked against the server certificate.
   * @default the dialled host, unless it is an IP address (then the IP is checked and no SNI is sent)
   */
  servername?: string;
  /** ALPN protocol names offered (client) or accepted (server), in order of preference. @default none */
  ALPNProtocols?: string[];
  /** Certificate chain, private key, trusted CAs, PFX, and every other `tls.SecureContextOptions` field. */
  [option: string]: unknown;
}

/** Whether `options` can serve TLS: a certificate and its key, or a PFX bundle. */
export function hasServerIdentity(options: TlsOptions): boolean {
  return (options.key !== undefined && options.cert !== undefined) || options.pfx !== undefined;
}
