import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unix } from '@proj/unix';
import { transportSuite } from './transport-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'proj-e2e-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

transportSuite({ name: 'unix', endpoint: async () => unix({ path: join(dir, `s${++n}.sock`) }) });
