/**
 * The servers of the tour: the same handler served over every transport at once, with their
 * events on the timeline and counters kept across restarts.
 */
import { serve, type MessageHandler, type Peer, type Server, type ServerStats } from '@proj/core';
import type { Timeline } from './timeline.js';
import type { TourTransport, TransportName } from './tour-transports.js';

/** The one handler every server runs, whatever the transport: each message comes back as `{ echo }`. */
export const echoHandler: MessageHandler = (message, peer) => {
  peer.send({ echo: message });
};

/** Longest line the tour's servers accept, so an oversize line is cheap to show. */
export const MAX_LINE_BYTES = 4096;

/** Starts, stops and clears one server per transport. */
export class TourServers {
  readonly #transports: readonly TourTransport[];
  readonly #log: Timeline;
  readonly #live = new Map<TransportName, Server>();
  readonly #closedTotals = new Map<TransportName, ServerStats>();

  constructor(transports: readonly TourTransport[], log: Timeline) {
    this.#transports = transports;
    this.#log = log;
  }

  /** Serves {@link echoHandler} on every transport. */
  async start(): Promise<void> {
    await Promise.all(this.#transports.map(async ({ name, transport }) => {
      const server = await serve(transport, echoHandler, { maxLineBytes: MAX_LINE_BYTES, closeGrace: 500 });
      this.#watch(name, server);
      this.#live.set(name, server);
      this.#log.event(name, 'server', `listening on ${server.address}`);
    }));
  }

  /** Drain-and-close every server; their counters are kept for the summary. */
  async stop(grace = 200): Promise<void> {
    await Promise.all([...this.#live].map(async ([name, server]) => {
      await server.close({ grace });
      this.#closedTotals.set(name, add(this.#closedTotals.get(name), server.stats));
      this.#log.event(name, 'server', 'stopped');
    }));
    this.#live.clear();
  }

  /** Every live server, by transport. */
  get servers(): ReadonlyMap<TransportName, Server> {
    return this.#live;
  }

  /** Counters over every server this transport has had, the live one included (none before the first start). */
  stats(name: TransportName): ServerStats | undefined {
    const live = this.#live.get(name);
    const closed = this.#closedTotals.get(name);
    return live === undefined ? closed : add(closed, live.stats);
  }

  #watch(name: TransportName, server: Server): void {
    const log = this.#log;
    const from = (peer: Peer): string => (name === 'unix' ? '' : ` from ${peer.remoteAddress}`);
    server.on('connection', (peer) => log.event(name, 'server', `accepted ${peer.id}${from(peer)} (${server.peers.size} live)`));
    server.on('disconnect', (peer, info) => log.event(name, 'server', `${peer.id} gone: ${info.reason}`));
    server.on('malformed', (error, peer) => log.event(name, 'server', `${peer.id} sent a bad line: ${error.code} (${error.message}); still serving`, 'warn'));
    server.on('dropped', (info, peer) => log.event(name, 'server', `${peer.id}: ${info.messages} message(s) dropped: ${info.error.message}`, 'bad'));
    server.on('handlerError', (error) => log.event(name, 'server', `handler failed: ${error.message}`, 'bad'));
  }
}

function add(a: ServerStats | undefined, b: ServerStats): ServerStats {
  const sum = { ...b };
  if (a !== undefined) for (const key of Object.keys(sum) as Array<keyof ServerStats>) sum[key] += a[key];
  return sum;
}
