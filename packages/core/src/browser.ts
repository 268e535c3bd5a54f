/**
 * The browser build of @proj/core (selected by the `browser` export condition): everything but
 * the Node stream helpers (`parse()` / `stringify()`), which need `node:stream`.
 */
export * from './portable.js';
