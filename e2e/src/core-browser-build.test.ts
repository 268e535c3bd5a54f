import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('@proj/core browser build', () => {
  it('runs without Buffer, process or any import', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/core-browser-build.mjs', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--experimental-vm-modules', '--no-warnings', fixture], { timeout: 20_000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
    );
    expect(JSON.parse(stdout)).toEqual({ reply: { echo: { hi: 1 } }, buffer: 'undefined', process: 'undefined' });
  });
});
