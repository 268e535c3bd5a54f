/**
 * Hostile input, line by line: whatever a peer sends, the server (a child process) stays up,
 * its memory stays bounded, and each bad line gets a typed `malformed` event (or, where the
 * input is valid JSON after all, a message), counted exactly against a model of the framing
 * rules. Run over TCP and over WebSocket frames. The peak RSS of each case is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, ErrorCode } from '@proj/core';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { nextEvent, until } from '@proj/testing';
import { report } from './figures.js';
import { HostileTarget, rssTable, type HostileStats, type Kind } from './hostile-target.js';
import { closeCodeOf, frame, OPCODE, parseFrames, type RawSocket } from './raw-peers.js';

/** The channel's default maxLineBytes. */
const MAX_LINE = 1024 * 1024;
const MiB = 1024 * 1024;
/** Peak RSS growth allowed in any line-level case: far below the 100 MiB one case sends. */
const RSS_BOUND_MIB = 64;

/** Deterministic pseudo-random bytes (xorshift32), so expected counts are exact and stable. */
function pseudoRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function garbage(next: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = next() & 0xff;
  return out;
}

/** Splits a byte stream at LF; `final` keeps an unterminated last piece as a line (a frame end). */
function splitLines(data: Buffer, final: boolean): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, from)) {
    lines.push(data.subarray(from, nl));
    from = nl + 1;
  }
  if (final && from < data.length) lines.push(data.subarray(from));
  return lines;
}

interface Expected {
  messages: number;
  malformed: Record<string, number>;
}

/** The framing rules, as documented: over the byte limit → too long; JSON → message; blank → skipped; else malformed. */
function model(lines: Buffer[]): Expected {
  const expected: Expected = { messages: 0, malformed: {} };
  const bump = (code: string): void => void (expected.malformed[code] = (expected.malformed[code] ?? 0) + 1);
  for (const line of lines) {
    const content = line.length > 0 && line[line.length - 1] === 13 ? line.length - 1 : line.length;
    if (content > MAX_LINE) {
      bump(ErrorCode.LINE_TOO_LONG);
      continue;
    }
    const text = line.toString('utf8');
    try {
      JSON.parse(text);
      expected.messages++;
    } catch {
      if (!/^[ \t\r]*$/.test(text)) bump(ErrorCode.MALFORMED_LINE);
    }
  }
  return expected;
}

const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

for (const kind of ['tcp', 'ws'] as Kind[]) {
  describe(`reliability: hostile input over ${kind}`, () => {
    let target: HostileTarget;
    const sockets: RawSocket[] = [];
    const open = async (): Promise<RawSocket> => {
      const socket = await target.open();
      sockets.push(socket);
      return socket;
    };
    beforeAll(async () => {
      target = await HostileTarget.start(kind);
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      if (target !== undefined) {
        report(`hostile input over ${kind}: peak RSS of the server process per case`, { rows: target.rows });
        console.info(rssTable(target.rows));
        await target.server.kill();
      }
    });

    /** Runs one case between begin/end, then checks the server is healthy and its memory bounded. */
    async function hostileCase(name: string, body: () => Promise<void>, rssBoundMiB = RSS_BOUND_MIB): Promise<void> {
      await target.begin();
      await body();
      const row = await target.end(name);
      await target.health();
      expect(row.deltaMiB, `${name}: peak RSS growth`).toBeLessThan(rssBoundMiB);
    }

    function expectCounts(stats: HostileStats, expected: Expected): void {
      expect({ messages: stats.messages, malformed: stats.malformed }).toEqual(expected);
    }

    it('random garbage bytes: every line reported or (if it happens to be JSON) delivered, exactly as the model says', async () => {
      await hostileCase('random garbage (1 MiB)', async () => {
        const next = pseudoRandom(0x5eed);
        const socket = await open();
        let lines: Buffer[] = [];
        if (kind === 'tcp') {
          const data = Buffer.concat([garbage(next, MiB), Buffer.from('\n')]);
          for (let at = 0; at < data.length; at += 16 * 1024) await socket.write(data.subarray(at, at + 16 * 1024));
          lines = splitLines(data, false);
        } else {
          // Binary frames (a text frame must be valid UTF-8: see the frame-level tests).
          for (let sent = 0; sent < MiB; ) {
            const payload = garbage(next, 1 + (next() % 8192));
            sent += payload.length;
            await socket.write(frame(OPCODE.binary, payload));
            lines.push(...splitLines(payload, true));
          }
        }
        const expected = model(lines);
        const stats = await target.sync(socket);
        expectCounts(stats, expected);
        expect(Object.values(expected.malformed).reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
        expect(socket.isClosed).toBe(false); // reported and skipped, not a reason to close (closeOnMalformed is off)
      });
    });

    it('invalid UTF-8: replaced by U+FFFD inside strings (documented), reported elsewhere', async () => {
      await hostileCase('invalid UTF-8', async () => {
        const lines = [
          bytes('"', [0xff, 0xfe], '"'), // not UTF-8 at all
          bytes([0xff]), // outside a string: not JSON
          bytes('{"k', [0xc0, 0xaf], '":1}'), // overlong encoding of '/'
          bytes('"', [0xed, 0xa0, 0x80], '"'), // an encoded surrogate
          bytes('"', [0xe2, 0x82], '"'), // truncated sequence
          bytes('"', [0xf4, 0x90, 0x80, 0x80], '"'), // above U+10FFFF
        ];
        const socket = await open();
        // ws: binary frames; invalid UTF-8 in a text frame is a protocol error (frame-level tests).
        await target.sendLines(socket, lines, OPCODE.binary);
        const stats = await target.sync(socket);
        expectCounts(stats, model(lines));
        expect(stats.malformed).toEqual({ [ErrorCode.MALFORMED_LINE]: 1 });
        const strings = stats.recent.filter((r) => r.type === 'string').map((r) => (r as { head: string }).head);
        expect(strings).toEqual(['\uFFFD\uFFFD', '\uFFFD\uFFFD\uFFFD', '\uFFFD', '\uFFFD\uFFFD\uFFFD\uFFFD']);
        expect(stats.recent).toContainEqual({ type: 'object', keys: ['k\uFFFD\uFFFD'], ownProto: false });
      });
    });

    if (kind === 'tcp') {
      it('100 MB without a newline: one PROJ_ERR_LINE_TOO_LONG, nothing buffered, the next line delivered', async () => {
        await hostileCase('100 MiB without a newline', async () => {
          const socket = await open();
          const chunk = Buffer.alloc(MiB, 'a');
          for (let i = 0; i < 100; i++) expect(await socket.write(chunk)).toBe(true);
          await socket.write('\n{"after":1}\n');
          const stats = await target.sync(socket);
          expect(stats.malformed).toEqual({ [ErrorCode.LINE_TOO_LONG]: 1 });
          expect(stats.malformedLines).toEqual([1]);
          expect(stats.messages).toBe(1);
          expect(stats.recent).toEqual([{ type: 'object', keys: ['after'], ownProto: false }]);
        });
      }, 60_000);
    } else {
      it('100 MB without an end: one fragmented message, closed with 1009 once past maxPayload', async () => {
        await hostileCase('100 MiB fragmented message (no FIN)', async () => {
          const socket = await open();
          const chunk = Buffer.alloc(MiB, 'a');
          let sent = 0;
          let written = await socket.write(frame(OPCODE.text, chunk, { fin: false }));
          while (written && (sent += MiB) < 100 * MiB) written = await socket.write(frame(OPCODE.continuation, chunk, { fin: false }));
          await socket.closed;
          expect(closeCodeOf(socket.received())).toBe(1009);
          const stats = await target.until((s) => s.disconnects[`error:${ErrorCode.TRANSPORT}:1009`] === 1, 10_000, 'the 1009 disconnect');
          expect(stats.messages).toBe(0);
          report('hostile ws: bytes sent before the 1009 close', { MiB: Math.round(sent / MiB) });
        });
      }, 60_000);
    }

    it('one byte per write, at a slow pace: the line is reassembled exactly', async () => {
      await hostileCase('one byte per write', async () => {
        const message = { echo: `slow héllo wörld 😀 ${'x'.repeat(48)}` };
        const socket = await open();
        const data = target.encodeLine(JSON.stringify(message));
        for (const byte of data) {
          await socket.write(Buffer.from([byte]));
          // Pacing of the attack (one segment per byte, spread out), not synchronisation.
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await until(() => (kind === 'tcp' ? socket.received().includes(10) : parseFrames(socket.received()).length > 0), 10_000, 'the echo');
        const echoed = kind === 'tcp' ? socket.received().toString() : parseFrames(socket.received())[0]!.payload.toString();
        expect(JSON.parse(echoed)).toEqual(message);
      });
    });

    it('100,000 nested [ : malformed when unclosed, delivered when closed, an echo of it is a handlerError', async () => {
      await hostileCase('100,000 nested [', async () => {
        const nested = '['.repeat(100_000) + ']'.repeat(100_000);
        const lines = ['['.repeat(100_000), nested, `{"echo":${nested}}`];
        const socket = await open();
        await target.sendLines(socket, lines);
        const stats = await target.sync(socket);
        expectCounts(stats, { messages: 2, malformed: { [ErrorCode.MALFORMED_LINE]: 1 } });
        expect(stats.recent[0]).toEqual({ type: 'array', depth: 100_000 });
        // The handler's peer.send() of a value too deep for JSON.stringify throws PROJ_ERR_ENCODE.
        expect(stats.handlerErrors).toEqual({ [ErrorCode.ENCODE]: 1 });
      });
    });

    it('huge numbers and long strings: limits counted in UTF-8 bytes, exactly', async () => {
      await hostileCase('huge numbers, long strings', async () => {
        const lines = [
          '1e999999',
          '-1e999999',
          '1e-999999',
          '9'.repeat(100_000),
          `0.${'1'.repeat(100_000)}`,
          `"${'x'.repeat(MAX_LINE - 2)}"`, // exactly maxLineBytes
          `"${'x'.repeat(MAX_LINE - 1)}"`, // one byte over
          `"${'€'.repeat(349_524)}"`, // 1,048,574 bytes
          `"${'€'.repeat(349_525)}"`, // 1,048,577 bytes, though only 349,527 characters
        ];
        const socket = await open();
        for (const line of lines) await target.sendLines(socket, [line]);
        const stats = await target.sync(socket);
        expectCounts(stats, model(lines.map((l) => Buffer.from(l))));
        expect(stats.malformed).toEqual({ [ErrorCode.LINE_TOO_LONG]: 2 });
        expect(stats.recent.map((r) => (r.type === 'string' ? r.length : r.type === 'number' ? r.value : r.type))).toEqual([
          'Infinity',
          '-Infinity',
          0,
          'Infinity',
          0.1111111111111111,
          MAX_LINE - 2,
          349_524,
        ]);
      });
    });

    it('whitespace-only lines are skipped, NUL-filled lines reported with their line number', async () => {
      await hostileCase('whitespace and NUL lines', async () => {
        const lines = ['', ' ', '\t\t', '   \r', ...Array<string>(1000).fill(''), '\0', '\0'.repeat(100_000), '{"a":"\0"}', '\0{"a":1}', ' \u0000 '];
        const socket = await open();
        await target.sendLines(socket, lines);
        const stats = await target.sync(socket);
        expectCounts(stats, { messages: 0, malformed: { [ErrorCode.MALFORMED_LINE]: 5 } });
        // On TCP every line counts, blank ones included; a ws frame with nothing in it ends no line.
        const counted = kind === 'tcp' ? lines : lines.filter((l) => l !== '');
        const nul = counted.flatMap((l, i) => (l.includes('\0') ? [i + 1] : []));
        expect(stats.malformedLines).toEqual(nul);
        expect(socket.isClosed).toBe(false);
      });
    });

    it('__proto__ and constructor keys: own properties for the handler, no prototype pollution anywhere', async () => {
      await hostileCase('__proto__ / constructor keys', async () => {
        const lines = [
          '{"__proto__":{"polluted":1}}',
          '{"constructor":{"prototype":{"polluted":1}}}',
          '[{"__proto__":{"polluted":1}}]',
          '{"a":{"__proto__":{"polluted":1}},"__proto__":{"polluted":1}}',
        ];
        const socket = await open();
        await target.sendLines(socket, lines);
        let stats = await target.sync(socket);
        expect(stats.messages).toBe(4);
        expect(stats.ownProto).toBe(2);
        expect(stats.recent[0]).toEqual({ type: 'object', keys: ['__proto__'], ownProto: true });
        expect(stats.polluted).toBe(false);

        // Round trip through a @proj client: the echo keeps the own __proto__ key both ways, and
        // pollutes neither process.
        const client = connect(kind === 'tcp' ? tcp({ port: target.port }) : ws({ port: target.port }), { reconnect: false });
        try {
          const reply = nextEvent(client, 'message');
          const hostile = JSON.parse('{"echo":{"__proto__":{"polluted":1}},"__proto__":{"polluted":1}}') as object;
          client.send(hostile);
          const [echoed] = (await reply) as [Record<string, unknown>];
          expect(Object.hasOwn(echoed, '__proto__')).toBe(true);
          expect(Object.hasOwn(echoed.echo as object, '__proto__')).toBe(true);
          expect(Object.getPrototypeOf(echoed)).toBe(Object.prototype);
        } finally {
          await client.destroy();
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        stats = await target.stats();
        expect(stats.ownProto).toBe(3);
        expect(stats.polluted).toBe(false);
      });
    });
  });
}
