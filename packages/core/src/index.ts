/** @proj/core for Node: the portable API plus the Node stream helpers. */
export * from './portable.js';
// Node stream helpers for the `ndjson` pipe style.
export { parse, stringify, NULL_VALUE, type ParseOptions } from './ndjson-stream.js';
