/**
 * The dashboard in real Chromium (Debian's, driven by playwright-core, as the e2e browser test
 * does): the page shows clients on tcp, unix and ws live, and recovers by itself when the
 * server restarts. Leaves a screenshot in artifacts/dashboard.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';
import { startDashboard, type Dashboard } from './dashboard-server.js';
import { startDemoClients } from './demo-clients.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// This machine has no internet: flags that stop Chromium's own background connections.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const TRANSPORTS = ['tcp', 'unix', 'ws'];

/** A predicate run in the page: the chart holds `samples` samples, and traffic was seen. */
const chartHas = (samples: number): string =>
  `Number(document.getElementById('chart').dataset.samples) >= ${samples} && Number(document.getElementById('chart').dataset.peak) > 0`;

/** Peer ids of the demo clients' rows. */
const clientRows = (page: Page): Promise<string[]> =>
  page.$$eval('tr[data-role="client"]', (rows) => rows.map((row) => row.getAttribute('data-id') ?? ''));

describe('dashboard page in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows clients on tcp, unix and ws live, and recovers after a server restart', { timeout: 60_000 }, async () => {
    const socketPath = path.join(os.tmpdir(), `proj-dashboard-test-${process.pid}.sock`);
    const options = { port: 0, tcpPort: 0, socketPath, interval: 100 };
    let dashboard: Dashboard = await startDashboard(options);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const clients = startDemoClients({ tcp: tcp({ port: dashboard.tcpPort }), unix: unix({ path: socketPath }), ws: ws({ url: dashboard.wsUrl }) }, { interval: 50, maxDelay: 500 });
    try {
      await page.goto(dashboard.url);
      await page.waitForSelector('#status[data-state="open"]');
      for (const t of TRANSPORTS) await page.waitForSelector(`tr[data-transport="${t}"][data-name="${t}-client"]`);
      await page.waitForSelector('tr[data-role="dashboard"] .you'); // the page sees itself in the registry
      await page.waitForFunction(chartHas(30));
      expect(await page.textContent('#cards')).toMatch(/tcp1.*unix1.*ws2/s);
      const before = await clientRows(page);

      // Restart: everything closes, the page and the clients retry, a new server takes the same addresses.
      await dashboard.close();
      await page.waitForSelector('#status[data-state="waiting"]');
      await page.waitForSelector('li[data-kind="page"]:has-text("retry 2")');
      dashboard = await startDashboard({ ...options, port: dashboard.port, tcpPort: dashboard.tcpPort });
      await page.waitForSelector('#status[data-state="open"]:has-text("reconnected")');
      expect(await page.getAttribute('body', 'data-connections')).toBe('2');

      // The clients are back as new connections, and their reconnects are in the event list.
      await expect.poll(async () => (await clientRows(page)).filter((id) => !before.includes(id)).length, { timeout: 15_000 }).toBe(3);
      for (const t of TRANSPORTS) await page.waitForSelector(`li[data-kind="reconnect"]:has-text("${t}-client is back")`);
      await page.waitForSelector('li[data-kind="page"]:has-text("this page: reconnected")');
      await page.waitForSelector('body:not([data-stale])');
      await page.waitForFunction(chartHas(60));

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await clients.close();
      await page.close();
      await dashboard.close();
    }
  });
});
