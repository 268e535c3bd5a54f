export { ws, type WsOptions } from './ws.js';
export { DEFAULT_MAX_PAYLOAD } from './max-payload.js';
export type { WsHandshake } from './ws-link.js';
export type { TlsOptions } from './tls-options.js';
export type { TlsHandshake, PeerCertificateInfo } from '@proj/core';
