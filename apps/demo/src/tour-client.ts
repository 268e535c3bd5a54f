/**
 * A client of the tour: `connect()` on one transport with its events on the timeline, plus the
 * bookkeeping that proves nothing was lost (every message numbered, every echo checked in order).
 */
import { connect, type Client, type DisconnectInfo, type ProjError } from '@proj/core';
import type { Timeline } from './timeline.js';
import type { TourTransport, TransportName } from './tour-transports.js';
import { until } from './until.js';

/** Counters for the summary. */
export interface TourClientCounts {
  sent: number;
  echoed: number;
  outOfOrder: number;
  failedDials: number;
  dropped: number;
  reconnects: number;
}

/** One reconnecting client with numbered messages. */
export class TourClient {
  readonly name: TransportName;
  readonly client: Client;
  /** Retries since the last connection (reset on connect). */
  retries = 0;
  /** Disconnects seen, most recent last. */
  readonly disconnects: DisconnectInfo[] = [];
  readonly #log: Timeline;
  readonly #counts = { sent: 0, echoed: 0, outOfOrder: 0, failedDials: 0, dropped: 0 };
  #quiet = false;
  #connections = 0;

  constructor({ name, transport }: TourTransport, log: Timeline) {
    this.name = name;
    this.#log = log;
    this.client = connect(transport, { reconnect: { initialDelay: 100, maxDelay: 1000 } });
    this.#watch();
  }

  /** Counters so far. */
  get counts(): TourClientCounts {
    return { ...this.#counts, reconnects: this.client.reconnects };
  }

  /** Sends the next numbered message and says so. */
  send(): void {
    const seq = ++this.#counts.sent;
    this.client.send({ seq });
    const state = this.client.state;
    this.#log.event(this.name, 'client', `sent #${seq}${state === 'open' ? '' : ` (queued: the client is ${state})`}`);
  }

  /** Sends `count` numbered messages in one tick (one write) and resolves when all are echoed. */
  async burst(count: number): Promise<void> {
    const first = this.#counts.sent + 1;
    const writes = this.client.stats.writes;
    this.#quiet = true;
    for (let i = 0; i < count; i++) this.client.send({ seq: ++this.#counts.sent });
    await this.caughtUp();
    this.#quiet = false;
    const batches = this.client.stats.writes - writes;
    this.#log.event(this.name, 'client', `sent #${first}–#${this.#counts.sent} in one tick (${batches} write${batches === 1 ? '' : 's'}); all ${count} echoes back, in order`, 'good');
  }

  /** Resolves once every message sent so far has come back. */
  caughtUp(): Promise<void> {
    return until(() => this.#counts.echoed >= this.#counts.sent, `the ${this.name} client's echoes`);
  }

  /** Connections opened so far. */
  get connections(): number {
    return this.#connections;
  }

  /** Resolves once the client is open on its connection number `n` or later. */
  connected(n: number): Promise<void> {
    return until(() => this.#connections >= n && this.client.state === 'open', `${this.name} connection #${n}`);
  }

  #watch(): void {
    const { client, name } = this;
    const log = (text: string, tone?: Parameters<Timeline['event']>[3]): void => this.#log.event(name, 'client', text, tone);
    client.on('connect', ({ remoteAddress, connections }) => {
      const retries = this.retries === 0 ? '' : ` after ${this.retries} retr${this.retries === 1 ? 'y' : 'ies'}`;
      const queued = client.queuedMessages === 0 ? '' : `; flushing ${client.queuedMessages} queued message(s)`;
      this.#connections = connections;
      log(`connected to ${remoteAddress} (connection #${connections})${retries}${queued}`, 'good');
      this.retries = 0;
    });
    client.on('disconnect', (info) => {
      this.disconnects.push(info);
      log(`disconnected: ${info.reason}`, 'warn');
    });
    client.on('reconnecting', ({ attempt, delay, error }) => {
      this.retries = attempt;
      if (error?.code === 'PROJ_ERR_CONNECT') this.#counts.failedDials++;
      log(`retry ${attempt} in ${delay} ms${error === undefined ? '' : ` (${describe(error)})`}`);
    });
    client.on('message', (value) => this.#onEcho(value));
    client.on('dropped', ({ messages, error }) => {
      this.#counts.dropped += messages;
      log(`${messages} message(s) dropped: ${error.message}`, 'bad');
    });
  }

  #onEcho(value: unknown): void {
    const seq = (value as { echo?: { seq?: unknown } } | null)?.echo?.seq;
    if (seq !== this.#counts.echoed + 1) {
      this.#counts.outOfOrder++;
      this.#log.event(this.name, 'client', `unexpected reply ${JSON.stringify(value)} (wanted the echo of #${this.#counts.echoed + 1})`, 'bad');
      return;
    }
    this.#counts.echoed++;
    if (!this.#quiet) this.#log.event(this.name, 'client', `echo of #${seq} received`);
  }
}

/** `ECONNREFUSED`, `ENOENT`, or the error's code when there is no native one. */
function describe(error: ProjError): string {
  const native = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof native === 'string' ? `${native}` : error.code;
}
