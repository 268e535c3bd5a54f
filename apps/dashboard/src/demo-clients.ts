/**
 * Demo clients for the dashboard: one reconnecting client per transport, saying hello on every
 * connection (so the server can tell a reconnect) and sending a varying trickle of messages.
 */
import { connect, type Client, type Transport } from '@proj/core';
import type { Hello } from './feed.js';

/** Options of {@link startDemoClients}. */
export interface DemoClientsOptions {
  /** ms between two rounds of messages. @default 100 */
  interval?: number;
  /** Largest reconnect delay, in ms. @default 2000 */
  maxDelay?: number;
}

/** Running demo clients. */
export interface DemoClients {
  clients: Map<string, Client>;
  /** Stops sending and ends every client. */
  close(): Promise<void>;
}

/** Starts one client per entry of `transports` (name → transport), named `<name>-client`. */
export function startDemoClients(transports: Record<string, Transport>, options: DemoClientsOptions = {}): DemoClients {
  const clients = new Map<string, Client>();
  const started = Date.now();
  for (const [name, transport] of Object.entries(transports)) {
    const client = connect(transport, { reconnect: { initialDelay: 100, maxDelay: options.maxDelay ?? 2000 } });
    let retries = 0;
    let longestDelay = 0;
    client.on('reconnecting', ({ attempt, delay }) => {
      retries = attempt;
      longestDelay = Math.max(longestDelay, delay);
    });
    client.on('connect', ({ connections }) => {
      const hello: Hello = { hello: `${name}-client`, connection: connections, retries, longestDelay };
      client.send(hello);
      retries = 0;
      longestDelay = 0;
    });
    clients.set(name, client);
  }
  let tick = 0;
  const timer = setInterval(() => {
    // A slow wave, different per transport, so the chart has something to show.
    let phase = 0;
    for (const client of clients.values()) {
      const count = 1 + Math.round(2 * (1 + Math.sin((Date.now() - started) / 3000 + phase)));
      phase += 2;
      // Sent only while connected: a client that is down queues, and the queue has a bound.
      if (client.state === 'open') for (let i = 0; i < count; i++) client.send({ tick: ++tick });
    }
  }, options.interval ?? 100);
  return {
    clients,
    async close() {
      clearInterval(timer);
      await Promise.all([...clients.values()].map((client) => client.end()));
    },
  };
}
