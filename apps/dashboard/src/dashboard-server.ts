/**
 * `startDashboard()`: a demo server on tcp, unix and ws with one handler, whose http server
 * also serves the dashboard page on the same port as its WebSocket endpoint (`/ws`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve, type Server } from '@proj/core';
import { tcp } from '@proj/tcp';
import { unix } from '@proj/unix';
import { ws } from '@proj/ws';
import { appHandler } from './app-handler.js';
import { Monitor } from './monitor.js';
import { PAGE_HTML, pageScript } from './page-assets.js';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Port of the page and of the WebSocket endpoint; 0 picks a free one. @default 8080 */
  port?: number;
  /** TCP port of the same service; 0 picks a free one. @default 8081 */
  tcpPort?: number;
  /** Unix socket path of the same service. @default `<tmpdir>/proj-dashboard.sock` */
  socketPath?: string;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** ms between two snapshots pushed to the pages. @default 500 */
  interval?: number;
}

/** A running dashboard server. */
export interface Dashboard {
  /** The page: `http://127.0.0.1:8080/`. */
  url: string;
  /** The WebSocket endpoint: `ws://127.0.0.1:8080/ws`. */
  wsUrl: string;
  port: number;
  tcpPort: number;
  socketPath: string;
  monitor: Monitor;
  servers: Server[];
  /** Closes everything: servers drained, page connections closed, http server released. */
  close(): Promise<void>;
}

/** Bundles the page, then listens on http(+ws), tcp and unix. */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const socketPath = options.socketPath ?? path.join(os.tmpdir(), 'proj-dashboard.sock');
  const script = await pageScript();
  const web = http.createServer((request, response) => {
    const route = (request.url ?? '/').split('?')[0];
    if (route === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE_HTML);
    else if (route === '/app.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject).listen(options.port ?? 8080, host, () => {
      web.off('error', reject);
      resolve();
    });
  });
  const port = (web.address() as AddressInfo).port;
  const monitor = new Monitor(options.interval === undefined ? {} : { interval: options.interval });
  const handler = appHandler(monitor);
  const servers: Server[] = [];
  const close = async (): Promise<void> => {
    monitor.close();
    const webClosed = new Promise<void>((resolve) => web.close(() => resolve()));
    web.closeAllConnections(); // idle keep-alive connections of the page's HTTP requests
    await Promise.all(servers.map((server) => server.close({ grace: 500 })));
    await webClosed; // upgraded WebSockets count as the http server's connections until they end
  };
  try {
    for (const transport of [ws({ server: web, path: '/ws' }), tcp({ port: options.tcpPort ?? 8081, host }), unix({ path: socketPath })]) {
      const server = await serve(transport, handler);
      monitor.attach(server);
      servers.push(server);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: `http://${host}:${port}/`,
    wsUrl: `ws://${host}:${port}/ws`,
    port,
    tcpPort: servers[1]!.port!,
    socketPath,
    monitor,
    servers,
    close,
  };
}
