/** The README's example is executed as written (with a free port in place of 8024). */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@proj/testing';

const here = dirname(fileURLToPath(import.meta.url));

const readme = readFileSync(join(here, '../../README.md'), 'utf8');

/** The code between `<!-- name:start -->` and `<!-- name:end -->`. */
function example(name: string): string {
  const block = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme);
  expect(block, `README has a marked ${name} example`).not.toBeNull();
  return block![1]!;
}

/** Runs TypeScript source from e2e/ (so @proj/* resolve to the built packages) and returns its output. */
async function run(code: string): Promise<{ stdout: string; exitCode: number | null }> {
  mkdirSync(join(here, '../.tmp'), { recursive: true });
  const file = join(mkdtempSync(join(here, '../.tmp/readme-')), 'example.ts');
  writeFileSync(file, code);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', file], { cwd: join(here, '..'), timeout: 20_000, env: { ...process.env, FORCE_COLOR: '0' } }, (_err, out) => resolve({ stdout: out, exitCode: child.exitCode }));
  });
}

describe('README examples', () => {
  it('quick start: runs, prints the echoed reply and exits on its own', async () => {
    const port = await freePort();
    const code = example('readme-example').replace('port: 8024', `port: ${port}`);
    expect(code).toContain(`port: ${port}`);
    const { stdout, exitCode } = await run(code);
    expect(stdout, stdout).toContain("reply { echo: { hello: 'world' }, peers: 1 }");
    expect(exitCode).toBe(0);
  });

  it('authentication: the first message admits the client and never reaches the handler', async () => {
    const { stdout, exitCode } = await run(example('readme-auth'));
    expect(stdout.trim(), stdout).toBe("{ hi: 'ann', msg: 'hello' }");
    expect(exitCode).toBe(0);
  });

  it('transports: the same code round-trips over tcp, unix and ws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proj-readme-'));
    const sock = join(dir, 'r.sock');
    const code = example('readme-transports')
      .replace('port: 8024', `port: ${await freePort()}`)
      .replace('port: 8025', `port: ${await freePort()}`)
      .replace("'/tmp/proj-readme.sock'", JSON.stringify(sock));
    expect(code).toContain(sock);
    const { stdout, exitCode } = await run(code);
    rmSync(dir, { recursive: true, force: true });
    expect(stdout.trim().split('\n'), stdout).toEqual([
      "{ echo: { hello: 'tcp' }, via: 'tcp' }",
      "{ echo: { hello: 'unix' }, via: 'unix' }",
      "{ echo: { hello: 'ws' }, via: 'ws' }",
    ]);
    expect(exitCode).toBe(0);
  });
});
