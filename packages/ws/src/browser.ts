/**
 * `@proj/ws/browser`: the WebSocket transport for browsers, on the global `WebSocket`. Exported
 * as `wsBrowser` and as `ws`, so browser code reads `import { ws } from '@proj/ws/browser'`.
 */
export { wsBrowser, wsBrowser as ws, type WsBrowserOptions } from './ws-browser.js';
export { DEFAULT_MAX_PAYLOAD } from './max-payload.js';
