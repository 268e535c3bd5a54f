export { tcp, type TcpOptions } from './tcp.js';
export type { TlsOptions } from './tls-options.js';
export type { TlsHandshake, PeerCertificateInfo } from '@proj/core';
