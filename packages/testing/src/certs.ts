/**
 * Certificates for tests, generated at test time (no private key is committed). Each is
 * self-signed and trusted by being listed as `ca` itself (pinning): `selfsigned` cannot sign one
 * certificate with another's key except with SHA-1, which OpenSSL 3 refuses.
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * The part of `selfsigned` 2.4 used here. Loaded with require and typed by hand: its bundled
 * `index.d.ts` exports nothing and lacks the `keyPair` option the code supports.
 */
interface Selfsigned {
  generate(
    attributes: Array<{ name: string; value: string }>,
    options: { keyPair: { privateKey: string; publicKey: string }; algorithm: string; days: number; extensions: object[] },
  ): { private: string; cert: string };
}
const selfsigned = createRequire(import.meta.url)('selfsigned') as Selfsigned;

/** A certificate and its private key, PEM. */
export interface KeyPair {
  key: string;
  cert: string;
}

/** A self-signed certificate for `commonName`, valid for `localhost` and `127.0.0.1`. */
export function selfSignedCert(commonName: string): KeyPair {
  // Keys from node:crypto (native, milliseconds) rather than node-forge's pure-JS RSA (seconds).
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pem = selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyPair: { privateKey, publicKey },
    algorithm: 'sha256',
    days: 1,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { key: pem.private, cert: pem.cert };
}

/** The certificates a test suite needs: a server, a client the server trusts, and a stranger. */
export interface TestPki {
  server: KeyPair;
  client: KeyPair;
  stranger: KeyPair;
}

export function testPki(): TestPki {
  return { server: selfSignedCert('localhost'), client: selfSignedCert('client-1'), stranger: selfSignedCert('stranger') };
}

/** Server TLS settings from a {@link TestPki}: its certificate, trusting the client certificate (mutual TLS). */
export function serverTlsOf<T extends object>(pki: TestPki, extra?: T): { key: string; cert: string; ca: string } & T {
  return { key: pki.server.key, cert: pki.server.cert, ca: pki.client.cert, ...(extra as T) };
}

/** Client TLS settings from a {@link TestPki}: trusting the test server. */
export function clientTlsOf<T extends object>(pki: TestPki, extra?: T): { ca: string } & T {
  return { ca: pki.server.cert, ...(extra as T) };
}
