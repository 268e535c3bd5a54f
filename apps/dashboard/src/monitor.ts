/**
 * The monitor: watches the servers' registries and events, samples the message rate, and pushes
 * the feed to every page watching (a page is just another peer, marked in `peer.data`).
 */
import type { Peer, Server } from '@proj/core';
import type { EventFeed, FeedEvent, Hello, HelloFeed, PeerRow, RateSample, SnapshotFeed } from './feed.js';

/** Options of a {@link Monitor}. */
export interface MonitorOptions {
  /** ms between two snapshots (and rate samples). @default 500 */
  interval?: number;
  /** Events kept for a page that connects later. @default 50 */
  keepEvents?: number;
  /** Rate samples kept (the chart's width). @default 120 */
  keepRates?: number;
}

/** What the monitor keeps about a peer, in `peer.data`. */
interface PeerInfo {
  name?: string;
  dashboard?: boolean;
}

const info = (peer: Peer): PeerInfo => peer.data as PeerInfo;
const isDashboard = (peer: Peer): boolean => info(peer).dashboard === true;

/** Collects what the dashboard shows and feeds it to the pages. */
export class Monitor {
  readonly boot = `${Date.now().toString(36)}`;
  readonly #servers: Server[] = [];
  readonly #events: FeedEvent[] = [];
  readonly #rates: RateSample[] = [];
  readonly #keepEvents: number;
  readonly #keepRates: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #seq = 0;
  #messages = 0;
  #sampled = 0;
  #sampledAt = Date.now();

  constructor(options: MonitorOptions = {}) {
    this.#keepEvents = options.keepEvents ?? 50;
    this.#keepRates = options.keepRates ?? 120;
    this.#timer = setInterval(() => this.#tick(), options.interval ?? 500);
  }

  /** Follows a server's connections, disconnects and bad lines. */
  attach(server: Server): void {
    this.#servers.push(server);
    // A unix peer's remote address is the socket path itself: nothing to add.
    server.on('connection', (peer) => this.#event('connect', peer.transport, `${peer.id} connected${peer.transport === 'unix' ? '' : ` from ${peer.remoteAddress}`}`));
    server.on('disconnect', (peer, { reason }) => this.#event('disconnect', peer.transport, `${label(peer)} disconnected: ${reason}`));
    server.on('malformed', (error, peer) => this.#event('malformed', peer.transport, `${label(peer)}: ${error.code}`));
  }

  /** Counts application messages (both directions) for the rate chart. */
  count(messages: number): void {
    this.#messages += messages;
  }

  /** A page asked for the feed: mark it and send it the recent past. */
  watch(peer: Peer): void {
    info(peer).dashboard = true;
    const addresses = this.#servers.map((server) => server.address);
    const hello: HelloFeed = { type: 'hello', boot: this.boot, you: peer.id, addresses, events: this.#events, rates: this.#rates };
    peer.send(hello);
    peer.send(this.#snapshot(this.#rates.at(-1) ?? { at: Date.now(), perSecond: 0 }));
  }

  /** A demo client said who it is; from its second connection on, that is a reconnect. */
  hello(peer: Peer, hello: Hello): void {
    info(peer).name = hello.hello;
    if (hello.connection <= 1) return;
    const retries = hello.retries === 1 ? '1 retry' : `${hello.retries} retries`;
    this.#event('reconnect', peer.transport, `${hello.hello} is back as ${peer.id}: connection #${hello.connection} after ${retries} (longest backoff ${hello.longestDelay} ms)`);
  }

  /** Stops sampling. The servers are closed by their owner. */
  close(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const now = Date.now();
    const rate: RateSample = { at: now, perSecond: Math.round(((this.#messages - this.#sampled) * 1000) / Math.max(1, now - this.#sampledAt)) };
    this.#sampled = this.#messages;
    this.#sampledAt = now;
    push(this.#rates, rate, this.#keepRates);
    this.#toPages(this.#snapshot(rate));
  }

  #snapshot(rate: RateSample): SnapshotFeed {
    const now = Date.now();
    const peers: PeerRow[] = [];
    for (const server of this.#servers) {
      for (const peer of server.peers) {
        const { name } = info(peer);
        peers.push({
          id: peer.id,
          transport: peer.transport,
          remote: peer.remoteAddress,
          ...(name === undefined ? {} : { name }),
          role: isDashboard(peer) ? 'dashboard' : 'client',
          age: now - peer.connectedAt,
          messagesIn: peer.stats.messagesIn,
          messagesOut: peer.stats.messagesOut,
        });
      }
    }
    return { type: 'snapshot', peers, rate, total: this.#messages };
  }

  #event(kind: FeedEvent['kind'], transport: string, text: string): void {
    const event: FeedEvent = { seq: ++this.#seq, at: Date.now(), kind, transport, text };
    push(this.#events, event, this.#keepEvents);
    const feed: EventFeed = { type: 'event', boot: this.boot, event };
    this.#toPages(feed);
  }

  #toPages(feed: SnapshotFeed | EventFeed): void {
    for (const server of this.#servers) server.broadcast(feed, { filter: isDashboard });
  }
}

function label(peer: Peer): string {
  const { name, dashboard } = info(peer);
  if (dashboard === true) return `a dashboard page (${peer.id})`;
  return name === undefined ? peer.id : `${name} (${peer.id})`;
}

function push<T>(list: T[], item: T, keep: number): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}
