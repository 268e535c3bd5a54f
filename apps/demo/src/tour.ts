/**
 * The guided tour, step by step: clients before their servers, a server restart, connections
 * cleared on a timer (gracefully, then abruptly), a raw peer sending garbage. Pauses exist only
 * so a person can read along; every wait is on an event or a condition, with a deadline.
 */
import { rawExchange, rawLines } from './raw-peer.js';
import { summarise, type TourSummary } from './summary.js';
import type { Timeline } from './timeline.js';
import { TourClient } from './tour-client.js';
import { MAX_LINE_BYTES, TourServers } from './tour-servers.js';
import { tourTransports, type TransportName } from './tour-transports.js';
import { pause, until } from './until.js';

/** Options of {@link runTour}. */
export interface TourOptions {
  /** Transports to run, at the same time. */
  transports: readonly TransportName[];
  log: Timeline;
  /** ms after which the server clears every connection (once with `end`, once with `destroy`). @default 2000 */
  clearAfter?: number;
  /** Messages each client sends in one tick while the clear timer runs. @default 200 */
  burst?: number;
}

/** Runs the tour and returns its summary; everything it opened is closed when it resolves or rejects. */
export async function runTour({ transports: names, log, clearAfter = 2000, burst = 200 }: TourOptions): Promise<TourSummary> {
  const transports = await tourTransports(names);
  const servers = new TourServers(transports, log);
  const clients: TourClient[] = [];
  const all = (fn: (client: TourClient) => Promise<void>): Promise<unknown> => Promise.all(clients.map(fn));
  let rawSent = 0;
  try {
    log.step('Clients start before their servers', 'Each client retries with backoff and queues what it sends until a server appears.');
    for (const transport of transports) {
      log.event(transport.name, 'client', `connecting to ${transport.address}: nothing listens there yet`);
      clients.push(new TourClient(transport, log));
    }
    for (const client of clients) client.send();
    await until(() => clients.every((c) => c.retries >= 3), 'three retries per client');
    log.event('', 'tour', `starting the servers: one handler, served over ${names.join(', ')} at the same time`);
    await servers.start();
    await all((c) => c.connected(1).then(() => c.caughtUp()));

    log.step('The servers stop and start again', 'Drain-and-close, then a new server on the same address; watch the retries and their backoff delays grow.');
    await servers.stop();
    for (const client of clients) client.send();
    await until(() => clients.every((c) => c.retries >= 5), 'five retries per client');
    await servers.start();
    await all((c) => c.connected(2).then(() => c.caughtUp()));

    log.step(`The server clears every connection after ${clearAfter / 1000} s, gracefully`, `setTimeout(() => server.peers.endAll(), ${clearAfter}): replies still queued go out first, then FIN.`);
    const ended = clearLater(servers, 'end', clearAfter, log);
    log.event('', 'tour', `meanwhile each client sends ${burst} messages at once`);
    await all((c) => c.burst(burst));
    await ended;
    await all((c) => c.connected(3).then(() => c.caughtUp()));

    log.step(`…and after ${clearAfter / 1000} s more, abruptly`, 'server.peers.destroyAll(): TCP sends a reset, a WebSocket is terminated (1006). Unix sockets have no reset.');
    const destroyed = clearLater(servers, 'destroy', clearAfter, log);
    await pause(300);
    for (const client of clients) client.send();
    await all((c) => c.caughtUp());
    await destroyed;
    await all((c) => c.connected(4));
    explainDestroy(clients, log);

    log.step('A raw peer sends garbage', `No @proj on its side: a line that is not JSON, a line over the server's ${MAX_LINE_BYTES}-byte limit, then a good line.`);
    for (const transport of transports) {
      log.event(transport.name, 'raw', `connecting with a plain ${transport.name === 'ws' ? 'WebSocket' : 'socket'} and writing 3 lines`);
      const reply = await rawExchange(transport.raw, rawLines(MAX_LINE_BYTES));
      rawSent++;
      log.event(transport.name, 'raw', `got back ${reply}`, 'good');
    }
    log.event('', 'tour', 'and everyone else is still served:');
    for (const client of clients) client.send();
    await all((c) => c.caughtUp());

    log.step('Closing', 'The clients end; the servers drain and close. Nothing is left open, so the process exits by itself.');
    await all((c) => c.client.end());
    await servers.stop();
    return summarise(clients, servers, rawSent / transports.length);
  } finally {
    // After a failure: close whatever is still open, so the process can exit and report it.
    await Promise.all(clients.map((c) => c.client.destroy()));
    await servers.stop(0);
  }
}

/** Clears every server's connections after `ms`, the way a service would on a timer. */
function clearLater(servers: TourServers, how: 'end' | 'destroy', ms: number, log: Timeline): Promise<unknown> {
  for (const name of servers.servers.keys()) log.event(name, 'server', `will ${how} every connection in ${(ms / 1000).toFixed(1)} s`);
  return new Promise((resolve) => setTimeout(() => {
    resolve(Promise.all([...servers.servers].map(([name, server]) => {
      log.event(name, 'server', `${how === 'end' ? 'ending' : 'destroying'} all ${server.peers.size} connection(s): peers.${how}All()`, 'warn');
      return how === 'end' ? server.peers.endAll() : server.peers.destroyAll();
    })));
  }, ms));
}

/** What each client saw of the abrupt close, with the unix caveat said out loud. */
function explainDestroy(clients: readonly TourClient[], log: Timeline): void {
  for (const client of clients) {
    const reason = client.disconnects.at(-1)?.reason;
    if (reason === 'remote-reset') log.event(client.name, 'tour', 'the client told the abrupt close from a graceful one: remote-reset', 'good');
    else if (client.name === 'unix') log.event(client.name, 'tour', `the client saw ${reason}: unix sockets have no reset, so an abrupt close reads as remote-end (resetVisible: false)`, 'note');
    else log.event(client.name, 'tour', `the client saw ${reason} for an abrupt close`, 'warn');
  }
}
