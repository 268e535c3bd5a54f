/** The README's example is executed as written (with a free port in place of 8024). */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('README example', () => {
  it('runs, prints the echoed reply and exits on its own', async () => {
    const readme = readFileSync(join(here, '../../README.md'), 'utf8');
    const block = /<!-- readme-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- readme-example:end -->/.exec(readme);
    expect(block, 'README has a marked example').not.toBeNull();
    const port = await freePort();
    const code = block![1]!.replace('port: 8024', `port: ${port}`);
    expect(code).toContain(`port: ${port}`);
    mkdirSync(join(here, '../.tmp'), { recursive: true });
    const file = join(mkdtempSync(join(here, '../.tmp/readme-')), 'example.ts');
    writeFileSync(file, code);
    const { stdout, exitCode } = await new Promise<{ stdout: string; exitCode: number | null }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', file], { cwd: join(here, '..'), timeout: 20_000 }, (_err, out) => resolve({ stdout: out, exitCode: child.exitCode }));
    });
    expect(stdout, stdout).toContain("reply { echo: { hello: 'world' }, peers: 1 }");
    expect(exitCode).toBe(0);
  });
});
