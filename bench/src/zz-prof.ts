import { buildCorpus, chunk } from './corpus.js';
import { NdjsonDecoder } from '../../packages/core/src/ndjson-decoder.js';
const corpus = buildCorpus('small', 4 * 1024 * 1024);
const chunks = chunk(corpus.bytes, 1024);
const t0 = performance.now();
for (let r = 0; r < 60; r++) { let n = 0; const d = new NdjsonDecoder({ onValue: () => n++, onError: (e) => { throw e; } }); for (const c of chunks) d.push(c); d.flush(); }
console.log('ms', performance.now() - t0);
