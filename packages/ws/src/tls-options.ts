/**
 * `TlsOptions`: what `ws({ tls })` accepts (typed from node:tls), and its parsing. The description of a finished handshake
 * (`tlsHandshake()`, `TlsHandshake`) is shared from @proj/core.
 */
import { ErrorCode, ProjError, type TlsOptions as CoreTlsOptions } from '@proj/core';
import tls from 'node:tls';

/**
 * TLS settings (documented in @proj/core's `TlsOptions`), fully typed from `node:tls`: every
 * `tls.SecureContextOptions` field, plus `checkServerIdentity` to replace the certificate-name
 * check on a client (e.g. to pin a fingerprint; return an `Error` to refuse).
 */
export type TlsOptions = CoreTlsOptions & tls.SecureContextOptions & { checkServerIdentity?: (hostname: string, cert: tls.PeerCertificate) => Error | undefined };

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
