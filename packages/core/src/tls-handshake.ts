/**
 * What a completed TLS handshake established, as a plain object for `Link.handshake` (and a
 * server's `authenticate` hook). Shared by every adapter that speaks TLS, so they describe it
 * alike; typed structurally, so core imports no `node:tls`.
 */

/** The members of a `tls.TLSSocket` read here. */
export interface TlsSocketLike {
  readonly authorized: boolean;
  readonly authorizationError: unknown;
  readonly alpnProtocol: string | false | null | undefined;
  getProtocol(): string | null;
  getPeerCertificate(): {
    subject?: { CN?: string | string[] };
    issuer?: { CN?: string | string[] };
    subjectaltname?: string;
    fingerprint256?: string;
    serialNumber?: string;
    valid_from?: string;
    valid_to?: string;
  } | null;
}

/** The peer's certificate reduced to a small plain object (logs, `authenticate` hooks). */
export interface PeerCertificateInfo {
  /** Subject common name (`CN`), e.g. a client or service id. */
  subjectCN: string | undefined;
  /** Issuer common name. */
  issuerCN: string | undefined;
  /** Subject alternative names as Node formats them (`DNS:example.com, IP Address:10.0.0.1`). */
  subjectAltName: string | undefined;
  /** SHA-256 fingerprint, `AB:CD:…`: what certificate pinning compares. */
  fingerprint256: string;
  /** Serial number, hexadecimal. */
  serialNumber: string;
  /** Start of validity, ISO 8601. */
  validFrom: string;
  /** End of validity, ISO 8601. */
  validTo: string;
}

/** `Link.handshake` of a TLS link. (A type, not an interface: it must fit `Readonly<Record<string, unknown>>`.) */
export type TlsHandshake = {
  /**
   * `true` when the peer presented a certificate that verified against `ca`. Always `false` on a
   * server without `requestCert` (the client was not asked for one).
   */
  authorized: boolean;
  /** Why verification failed (an OpenSSL code such as `DEPTH_ZERO_SELF_SIGNED_CERT`), when it did. */
  authorizationError: string | undefined;
  /** The peer's certificate, when it sent one. */
  peerCertificate: PeerCertificateInfo | undefined;
  /** The ALPN protocol agreed on, if any. */
  alpnProtocol: string | undefined;
  /** The TLS version negotiated, e.g. `TLSv1.3`. */
  protocol: string | undefined;
};

function firstName(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isoDate(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** What a completed TLS handshake established, as a plain object: no raw certificate, no socket. */
export function tlsHandshake(socket: TlsSocketLike): TlsHandshake {
  const cert = socket.getPeerCertificate();
  // Node returns an empty object, not null, when the peer sent no certificate.
  const hasCert = cert !== null && typeof cert === 'object' && typeof cert.fingerprint256 === 'string';
  // Typed as Error by @types/node; at runtime Node stores the OpenSSL code as a string.
  const failure: unknown = socket.authorizationError;
  return {
    authorized: socket.authorized,
    authorizationError: typeof failure === 'string' ? failure : failure instanceof Error ? failure.message : undefined,
    peerCertificate: hasCert
      ? {
          subjectCN: firstName(cert.subject?.CN),
          issuerCN: firstName(cert.issuer?.CN),
          subjectAltName: cert.subjectaltname,
          fingerprint256: cert.fingerprint256 as string,
          serialNumber: cert.serialNumber ?? '',
          validFrom: isoDate(cert.valid_from ?? ''),
          validTo: isoDate(cert.valid_to ?? ''),
        }
      : undefined,
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
    protocol: socket.getProtocol() ?? undefined,
  };
}

