export { ws, DEFAULT_MAX_PAYLOAD, type WsOptions } from './ws.js';
export type { WsHandshake } from './ws-link.js';
export type { TlsOptions } from './tls-options.js';
export type { TlsHandshake, PeerCertificateInfo } from '@proj/core';
