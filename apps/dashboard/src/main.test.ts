import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@proj/testing';

const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('dashboard CLI', () => {
  it('serves the page and its script, runs demo clients, and exits by itself on SIGTERM', async () => {
    const socketPath = path.join(os.tmpdir(), `proj-dashboard-cli-${process.pid}.sock`);
    const child = spawn(process.execPath, ['--conditions=@proj/source', '--import', 'tsx', 'src/main.ts', '--port', '0', '--tcp-port', '0', '--path', socketPath], { cwd: appDir, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until(() => output.includes('demo clients started'), 15_000, `the dashboard to start; it printed ${output}`);
    const url = /dashboard: (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const script = await fetch(new URL('/app.js', url));
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).not.toMatch(/from\s*["']node:/); // the browser build of core, no Node module
    expect((await fetch(new URL('/nope', url))).status).toBe(404);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/closing\n.* closed\n$/);
  });
});
