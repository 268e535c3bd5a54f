/**
 * `HostileTarget`: the server under attack (e2e/fixtures/hostile-server.mjs, a child process)
 * plus what a hostile-input case needs around it: raw connections, a sentinel that proves the
 * server processed everything sent before it, a health check, and the memory figures of the case.
 */
import { connect, type ServeOptions } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { nextEvent } from '@proj/testing';
import { expect } from 'vitest';
import { ChildServer, fixture } from './child-server.js';
import { frame, OPCODE, rawTcp, rawWs, type RawSocket } from './raw-peers.js';

export type Kind = 'tcp' | 'ws';

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  peakRss: number;
}

export type Summary =
  | { type: 'string'; length: number; head: string }
  | { type: 'number'; value: number | string }
  | { type: 'array'; depth: number }
  | { type: 'object'; keys: string[]; ownProto: boolean }
  | { type: 'null' | 'boolean' };

export interface HostileStats {
  /** The last sentinel handled (not counted in `messages`). */
  sentinel: number;
  messages: number;
  malformed: Record<string, number>;
  malformedLines: number[];
  refused: number;
  handlerErrors: Record<string, number>;
  /** `reason[:code[:closeCode]]` → count. */
  disconnects: Record<string, number>;
  connections: number;
  ownProto: number;
  recent: Summary[];
  peers: number;
  polluted: boolean;
  memory: Memory;
}

/** One row of the memory report: peak RSS of the server process during a case. */
export interface RssRow {
  transport: Kind;
  case: string;
  baselineMiB: number;
  peakMiB: number;
  deltaMiB: number;
}

const MiB = 1024 * 1024;
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;

export class HostileTarget {
  readonly rows: RssRow[] = [];
  #sentinel = 0;
  #baseline = 0;

  private constructor(
    readonly kind: Kind,
    readonly server: ChildServer,
  ) {}

  static async start(kind: Kind, options: { serve?: ServeOptions; exposeGc?: boolean } = {}): Promise<HostileTarget> {
    const config = { transport: kind, serve: options.serve ?? {} };
    const server = await ChildServer.start(fixture('hostile-server.mjs'), [JSON.stringify(config)], { execArgv: options.exposeGc === true ? ['--expose-gc'] : [] });
    return new HostileTarget(kind, server);
  }

  get port(): number {
    return this.server.port;
  }

  /** Starts a case: counters cleared, RSS peak restarted from the current RSS. */
  async begin(): Promise<void> {
    const memory = await this.server.request<Memory>('reset');
    this.#baseline = memory.rss;
  }

  /** Ends a case: records and returns its peak RSS figures. */
  async end(name: string): Promise<RssRow> {
    const { memory } = await this.stats();
    const row: RssRow = { transport: this.kind, case: name, baselineMiB: mib(this.#baseline), peakMiB: mib(memory.peakRss), deltaMiB: mib(memory.peakRss - this.#baseline) };
    this.rows.push(row);
    return row;
  }

  stats(): Promise<HostileStats> {
    return this.server.request<HostileStats>('stats');
  }

  gc(): Promise<Memory> {
    return this.server.request<Memory>('gc');
  }

  /** Polls the server's counters until `predicate` holds. */
  async until(predicate: (stats: HostileStats) => boolean, ms = 30_000, what = 'server condition'): Promise<HostileStats> {
    const deadline = Date.now() + ms;
    for (;;) {
      const stats = await this.stats();
      if (predicate(stats)) return stats;
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; server stats ${JSON.stringify(stats)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** A raw connection: a TCP socket, or a WebSocket after its handshake. */
  open(): Promise<RawSocket> {
    return this.kind === 'tcp' ? rawTcp(this.port) : rawWs(this.port);
  }

  /** The bytes that carry one line: `content\n` on TCP, one frame (text by default) on ws. */
  encodeLine(content: Buffer | string, opcode: number = OPCODE.text): Buffer {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    return this.kind === 'tcp' ? Buffer.concat([bytes, Buffer.from('\n')]) : frame(opcode, bytes);
  }

  /** Sends lines on `socket`: one write on TCP, one frame each on ws. */
  async sendLines(socket: RawSocket, lines: Array<Buffer | string>, opcode: number = OPCODE.text): Promise<void> {
    await socket.write(Buffer.concat(lines.map((line) => this.encodeLine(line, opcode))));
  }

  /** Sends a sentinel message and waits until the server handled it, hence everything before it on `socket`. */
  async sync(socket: RawSocket, ms = 60_000): Promise<HostileStats> {
    const id = ++this.#sentinel;
    await socket.write(this.encodeLine(JSON.stringify({ sentinel: id })));
    return this.until((s) => s.sentinel === id, ms, `sentinel ${id}`);
  }

  /** The server is alive and serves a fresh @proj client. */
  async health(): Promise<void> {
    expect(this.server.alive).toBe(true);
    const transport = this.kind === 'tcp' ? tcp({ port: this.port }) : ws({ port: this.port });
    const client = connect(transport, { reconnect: false });
    try {
      const reply = nextEvent(client, 'message', 10_000);
      client.send({ echo: 'health' });
      expect((await reply)[0]).toEqual({ echo: 'health' });
    } finally {
      await client.destroy();
    }
  }
}

/** Prints the memory table of a file's cases. */
export function rssTable(rows: RssRow[]): string {
  return rows.map((r) => `${r.transport.padEnd(4)} ${r.case.padEnd(44)} baseline ${String(r.baselineMiB).padStart(6)} MiB  peak ${String(r.peakMiB).padStart(6)} MiB  Δ ${String(r.deltaMiB).padStart(6)} MiB`).join('\n');
}
