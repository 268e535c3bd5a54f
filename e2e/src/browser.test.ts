/**
 * The browser client in real Chromium (Debian's, driven by playwright-core): a page connects to
 * a @proj ws server, exchanges messages, survives a server restart by reconnecting, and a plain
 * browser WebSocket sending JSON.stringify(x) without a newline is understood.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type Server } from '@proj/core';
import { ws } from '@proj/ws';
import { freePort, until } from '@proj/testing';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// This machine has no internet: flags that stop Chromium's own background connections.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

type PageLog = { received: unknown[]; connects: number; disconnects: string[]; reconnecting: number; states: string[] };

describe('browser client in Chromium', () => {
  let browser: Browser;
  let web: http.Server;
  let pageUrl: string;
  let wsPort: number;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../fixtures/browser-page.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
    });
    const script = bundle.outputFiles[0]!.text;
    expect(script).not.toMatch(/from\s*["']node:/);
    web = http.createServer((req, res) => {
      if (req.url?.startsWith('/app.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>@proj browser test</title><script type="module" src="/app.js"></script>');
      }
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    wsPort = await freePort();
    pageUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/?ws=${encodeURIComponent(`ws://127.0.0.1:${wsPort}/`)}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => web?.close(resolve));
  });

  const pageLog = (page: Page): Promise<PageLog> => page.evaluate(() => (globalThis as unknown as { __proj: { log: PageLog } }).__proj.log);

  it('connects, exchanges messages, reconnects after a server restart, and reads JSON.stringify frames', async () => {
    const received: unknown[] = [];
    const handler = (msg: unknown, peer: { send(v: unknown): boolean }): void => {
      received.push(msg);
      peer.send({ echo: msg });
    };
    let server: Server = await serve(ws({ port: wsPort }), handler);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pageUrl);
    await page.waitForFunction(() => (globalThis as unknown as { __proj?: { log: PageLog } }).__proj?.log.connects === 1, undefined, { timeout: 15_000 });

    await page.evaluate(() => {
      const p = (globalThis as unknown as { __proj: { send(v: unknown): boolean } }).__proj;
      p.send({ from: 'browser', n: 1 });
      p.send({ from: 'browser', n: 2, text: 'héllo ✓' });
    });
    await until(() => received.length === 2, 15_000, 'two messages from the page');
    await page.waitForFunction(() => (globalThis as unknown as { __proj: { log: PageLog } }).__proj.log.received.length === 2);

    // Server restart: the page notices, retries with backoff, and reconnects by itself.
    await server.close({ grace: 0 });
    await page.waitForFunction(() => (globalThis as unknown as { __proj: { log: PageLog } }).__proj.log.reconnecting >= 2, undefined, { timeout: 15_000 });
    await page.evaluate(() => (globalThis as unknown as { __proj: { send(v: unknown): boolean } }).__proj.send({ from: 'browser', n: 3, queued: true }));
    server = await serve(ws({ port: wsPort }), handler);
    await page.waitForFunction(() => (globalThis as unknown as { __proj: { log: PageLog } }).__proj.log.connects === 2, undefined, { timeout: 15_000 });
    await until(() => received.length === 3, 15_000, 'the message queued during the outage');

    await page.evaluate(() => (globalThis as unknown as { __proj: { sendRaw(v: unknown): Promise<void> } }).__proj.sendRaw({ raw: 'JSON.stringify without newline' }));
    await until(() => received.length === 4, 15_000, 'the raw frame');

    const log = await pageLog(page);
    expect(received).toEqual([
      { from: 'browser', n: 1 },
      { from: 'browser', n: 2, text: 'héllo ✓' },
      { from: 'browser', n: 3, queued: true },
      { raw: 'JSON.stringify without newline' },
    ]);
    await page.waitForFunction(() => (globalThis as unknown as { __proj: { log: PageLog } }).__proj.log.received.length === 3);
    expect((await pageLog(page)).received).toEqual(received.slice(0, 3).map((m) => ({ echo: m })));
    expect(log.disconnects[0]).toMatch(/^remote-(end|reset)$/);
    expect(log.states).toContain('waiting');
    expect(errors).toEqual([]);
    await page.evaluate(() => (globalThis as unknown as { __proj: { end(): Promise<void> } }).__proj.end());
    await page.close();
    await server.close({ grace: 0 });
  });
});
