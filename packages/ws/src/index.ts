export { ws, DEFAULT_MAX_PAYLOAD, type WsOptions } from './ws.js';
