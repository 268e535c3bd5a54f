/**
 * The closing summary: per transport, what was sent and received, reconnects, errors, and the
 * check that nothing was lost (every numbered message echoed once, in order; counts agree on
 * both sides; nothing dropped).
 */
import type { Timeline } from './timeline.js';
import type { TourClient } from './tour-client.js';
import type { TourServers } from './tour-servers.js';
import type { TransportName } from './tour-transports.js';

/** The numbers of one transport. */
export interface TransportSummary {
  name: TransportName;
  /** Messages the client sent. */
  sent: number;
  /** Echoes the client received, in order. */
  received: number;
  /** Messages the servers handled: the client's plus the raw peer's good line. */
  serverReceived: number;
  /** Good lines the raw peer sent. */
  rawSent: number;
  reconnects: number;
  /** Connection attempts that failed while no server listened. */
  failedDials: number;
  /** Malformed or oversize lines the servers reported. */
  badLines: number;
  /** Messages dropped on either side. */
  dropped: number;
  /** Replies that were not the next expected echo. */
  outOfOrder: number;
  /** Messages sent and never echoed. */
  lost: number;
  /** Every count agrees and nothing was lost. */
  ok: boolean;
}

/** The summary of a whole tour. */
export interface TourSummary {
  transports: TransportSummary[];
  /** True when every transport is `ok`. */
  ok: boolean;
}

/** Collects the counts of every client and server. */
export function summarise(clients: readonly TourClient[], servers: TourServers, rawSent: number): TourSummary {
  const transports = clients.map((client): TransportSummary => {
    const counts = client.counts;
    const server = servers.stats(client.name) ?? { messagesIn: 0, malformed: 0, dropped: 0 };
    const lost = counts.sent - counts.echoed;
    const dropped = counts.dropped + server.dropped;
    const ok = lost === 0 && counts.outOfOrder === 0 && dropped === 0 && server.messagesIn === counts.sent + rawSent;
    return {
      name: client.name,
      sent: counts.sent,
      received: counts.echoed,
      serverReceived: server.messagesIn,
      rawSent,
      reconnects: counts.reconnects,
      failedDials: counts.failedDials,
      badLines: server.malformed,
      dropped,
      outOfOrder: counts.outOfOrder,
      lost,
      ok,
    };
  });
  return { transports, ok: transports.every((t) => t.ok) };
}

const ROWS: Array<[label: string, pick: (t: TransportSummary) => number, note: string]> = [
  ['messages sent', (t) => t.sent, 'by the client, numbered'],
  ['echoes received', (t) => t.received, 'by the client, each checked in order'],
  ['server received', (t) => t.serverReceived, "the client's messages + the raw peer's good line"],
  ['reconnects', (t) => t.reconnects, 'restart, end, destroy'],
  ['errors: failed dials', (t) => t.failedDials, 'while no server listened'],
  ['errors: bad lines', (t) => t.badLines, 'reported by the server, which kept serving'],
  ['dropped', (t) => t.dropped, 'on either side'],
  ['out of order', (t) => t.outOfOrder, ''],
  ['lost', (t) => t.lost, 'sent and never echoed'],
];

/** Prints the summary table and the verdict. */
export function printSummary(summary: TourSummary, log: Timeline): void {
  log.step('Summary');
  log.raw(`   ${''.padEnd(22)}${summary.transports.map((t) => t.name.padStart(7)).join('')}`, 'bold');
  for (const [label, pick, note] of ROWS) {
    const cells = summary.transports.map((t) => String(pick(t)).padStart(7)).join('');
    log.raw(`   ${label.padEnd(22)}${cells}${note === '' ? '' : `   ${note}`}`);
  }
  log.raw('');
  for (const t of summary.transports) {
    if (t.ok) continue;
    log.raw(`   ✗ ${t.name}: ${t.lost} lost, ${t.outOfOrder} out of order, ${t.dropped} dropped, server received ${t.serverReceived} of ${t.sent + t.rawSent}`, 'bad');
  }
  if (summary.ok) log.raw('   ✓ nothing lost: every message came back exactly once, in order, and both sides counted the same', 'good');
}
