/**
 * `TlsOptions`: what `ws({ tls })` accepts, and its parsing. The description of a finished handshake
 * (`tlsHandshake()`, `TlsHandshake`) is shared from @proj/core.
 */
import { ErrorCode, ProjError } from '@proj/core';
import tls from 'node:tls';

/**
 * TLS settings of a transport. One value serves both sides: a server uses `key`/`cert` (or
 * `pfx`) and, for mutual TLS, `ca` + `requestCert`; a client uses `ca` to trust the server and
 * `key`/`cert` to present a client certificate. Every `tls.SecureContextOptions` field
 * (`minVersion`, `ciphers`, `passphrase`, `crl`, …) is passed to Node as is.
 */
export interface TlsOptions extends tls.SecureContextOptions {
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
  /** Client: replaces the certificate-name check, e.g. to pin a fingerprint. Return an `Error` to refuse. @default tls.checkServerIdentity */
  checkServerIdentity?: (hostname: string, cert: tls.PeerCertificate) => Error | undefined;
  /** ALPN protocol names offered (client) or accepted (server), in order of preference. @default none */
  ALPNProtocols?: string[];
}

/**
 * Parses the certificates and keys once, at construction: a malformed PEM or a key that does not
 * match its certificate is a `PROJ_ERR_INVALID_OPTION` now, not a failure on every dial.
 */
export function secureContextOf(options: TlsOptions): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (cause) {
    throw new ProjError(ErrorCode.INVALID_OPTION, `tls: ${(cause as Error).message}`, { cause, details: { option: 'tls' } });
  }
}

/** Whether `options` can serve TLS: a certificate and its key, or a PFX bundle. */
export function hasServerIdentity(options: TlsOptions): boolean {
  return (options.key !== undefined && options.cert !== undefined) || options.pfx !== undefined;
}
