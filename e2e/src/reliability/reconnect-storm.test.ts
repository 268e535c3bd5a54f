/**
 * Reconnect storm: 1,000 clients connected to one server (a child process); the server
 * restarts. Without jitter
 * every client retries at the same instant (a thundering herd on the restarted server); with
 * jitter the attempts spread out. Attempts are counted at the source: a transport wrapper
 * records each dial the clients make, and the peak is the most attempts in any 100 ms window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { connect, type Client, type Jitter, type Transport } from '@proj/core';
import { tcp } from '@proj/tcp';
import { freePort, until } from '@proj/testing';
import { ChildServer, fixture } from './child-server.js';
import { bucketPeak, report, slidingPeak } from './figures.js';

const CLIENTS = 1_000;
const WINDOW_MS = 100;
/** Long against the window, for jitter to matter: the first retry falls in [0, 2000] ms with full jitter. */
const INITIAL_DELAY = 2_000;

interface StormFigures {
  jitter: Jitter;
  attempts: number;
  peakAttemptsPer100ms: number;
  peakAttemptsPerBucket: number;
  peakAcceptsPer100ms: number;
  allBackMs: number;
}

describe('reliability: reconnect storm', () => {
  const open: Array<Client | ChildServer> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => ('pid' in x ? x.kill() : x.destroy())));
  });

  const now = (): number => performance.timeOrigin + performance.now();

  /** Polls the child until its registry holds `count` peers (a client may see its connection before the server's accept ran). */
  async function serverHas(server: ChildServer, count: number): Promise<{ peers: number; accepts: number[] }> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const stats = await server.request<{ peers: number; accepts: number[] }>('stats');
      if (stats.peers === count) return stats;
      if (Date.now() > deadline) throw new Error(`server has ${stats.peers} peers, expected ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function storm(jitter: Jitter): Promise<StormFigures> {
    const port = await freePort();
    const start = async (): Promise<ChildServer> => {
      const server = await ChildServer.start(fixture('storm-server.mjs'), [String(port)]);
      open.push(server);
      return server;
    };
    const first = await start();
    const inner = tcp({ port });
    const attempts: number[] = [];
    let counting = false;
    const counted: Transport = {
      name: inner.name,
      dial: (signal) => {
        if (counting) attempts.push(now());
        return inner.dial(signal);
      },
      listen: (onLink) => inner.listen(onLink),
    };
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i += 100) {
      const batch = Array.from({ length: 100 }, () => connect(counted, { reconnect: { initialDelay: INITIAL_DELAY, maxDelay: 10_000, jitter } }));
      clients.push(...batch);
      open.push(...batch);
      await Promise.all(batch.map((c) => c.connected()));
    }
    await serverHas(first, CLIENTS);

    // The restart: the server process dies (the kernel drops all 1,000 connections at once) and a
    // new one starts on the same port straight away.
    counting = true;
    const t0 = now();
    await first.kill('SIGKILL');
    const second = await start();
    await until(() => clients.every((c) => c.state === 'open'), 60_000, `${CLIENTS} clients back`);
    const allBackMs = now() - t0;
    counting = false;
    const { accepts } = await serverHas(second, CLIENTS);
    await Promise.all(clients.map((c) => c.destroy()));
    return {
      jitter,
      attempts: attempts.length,
      peakAttemptsPer100ms: slidingPeak(attempts, WINDOW_MS),
      peakAttemptsPerBucket: bucketPeak(attempts, WINDOW_MS, t0),
      peakAcceptsPer100ms: slidingPeak(accepts, WINDOW_MS),
      allBackMs: Math.round(allBackMs),
    };
  }

  it(`spreads the reconnect attempts of ${CLIENTS} clients after a server restart: peak per ${WINDOW_MS} ms much lower with jitter`, async () => {
    const none = await storm('none');
    const equal = await storm('equal'); // the default
    const full = await storm('full');
    for (const figures of [none, equal, full]) report(`reconnect storm (jitter ${figures.jitter})`, figures);

    // Without jitter the herd keeps the shape of the drop: all within the ~200 ms this one
    // process takes to notice 1,000 closed connections (on separate machines it would be one
    // instant), and the restarted server accepts it in a burst.
    expect(none.peakAttemptsPer100ms).toBeGreaterThanOrEqual(CLIENTS / 3);
    expect(none.peakAcceptsPer100ms).toBeGreaterThanOrEqual(CLIENTS / 3);
    // Equal jitter (the default) spreads the first retry over [INITIAL_DELAY/2, INITIAL_DELAY],
    // full jitter over [0, INITIAL_DELAY]: about 1/10 and 1/20 of the clients per window.
    expect(equal.peakAttemptsPer100ms).toBeLessThan(none.peakAttemptsPer100ms / 2);
    expect(full.peakAttemptsPer100ms).toBeLessThan(none.peakAttemptsPer100ms / 2);
    expect(full.peakAcceptsPer100ms).toBeLessThan(none.peakAcceptsPer100ms / 2);
    // At least one attempt per client.
    for (const figures of [none, equal, full]) expect(figures.attempts).toBeGreaterThanOrEqual(CLIENTS);
  }, 120_000);
});
