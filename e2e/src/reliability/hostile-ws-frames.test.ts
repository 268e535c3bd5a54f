/**
 * Hostile WebSocket frames against a @proj ws server (a child process): oversized frames, invalid
 * UTF-8 in a text frame, unmasked frames and other protocol violations. Each closes only the
 * offending connection, with the RFC 6455 close code the client sees and a typed `disconnect`
 * on the server (`PROJ_ERR_TRANSPORT`, `details.closeCode`); the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode } from '@proj/core';
import { DEFAULT_MAX_PAYLOAD } from '@proj/ws';
import { report } from './figures.js';
import { HostileTarget, rssTable } from './hostile-target.js';
import { closeCodeOf, frame, OPCODE } from './raw-peers.js';

const violations: Array<[name: string, bytes: () => Buffer, closeCode: number]> = [
  ['a frame header declaring 2^40 bytes', () => frame(OPCODE.binary, Buffer.alloc(0), { declaredLength: 2 ** 40 }), 1009],
  ['invalid UTF-8 in a text frame', () => frame(OPCODE.text, Buffer.from([0x22, 0xff, 0xfe, 0x22])), 1007],
  ['a text frame cut inside a UTF-8 character', () => frame(OPCODE.text, Buffer.from([0x22, 0xe2, 0x82])), 1007],
  ['an unmasked client frame', () => frame(OPCODE.text, '{"a":1}', { mask: false }), 1002],
  ['a reserved opcode (0x3)', () => frame(0x3, 'x'), 1002],
  ['RSV1 set without a negotiated extension', () => frame(OPCODE.text, '1', { rsv: 4 }), 1002],
  ['a control frame over 125 bytes', () => frame(OPCODE.ping, Buffer.alloc(126)), 1002],
  ['a fragmented control frame', () => frame(OPCODE.ping, 'p', { fin: false }), 1002],
  ['a continuation frame with nothing to continue', () => frame(OPCODE.continuation, '1'), 1002],
  ['a new data frame inside a fragmented message', () => Buffer.concat([frame(OPCODE.text, '[1,', { fin: false }), frame(OPCODE.text, '2]')]), 1002],
];

describe('reliability: hostile WebSocket frames', () => {
  let target: HostileTarget;
  beforeAll(async () => {
    target = await HostileTarget.start('ws');
  });
  afterAll(async () => {
    if (target === undefined) return;
    report('hostile ws frames: peak RSS of the server process per case', { rows: target.rows });
    console.info(rssTable(target.rows));
    await target.server.kill();
  });

  it(`an oversized frame from a \`ws\` client (maxPayload ${DEFAULT_MAX_PAYLOAD} + 1 bytes): closed with 1009`, async () => {
    await target.begin();
    const client = new WebSocket(`ws://127.0.0.1:${target.port}/`);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    client.on('error', () => {}); // the server's close is the outcome under test
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    client.send(Buffer.alloc(DEFAULT_MAX_PAYLOAD + 1, 0x61));
    expect(await closed).toBe(1009);
    const stats = await target.until((s) => s.disconnects[`error:${ErrorCode.TRANSPORT}:1009`] === 1, 10_000, 'the 1009 disconnect');
    expect(stats.messages).toBe(0);
    const row = await target.end('oversized frame (ws client)');
    await target.health();
    expect(row.deltaMiB).toBeLessThan(64);
  });

  for (const [name, bytes, closeCode] of violations) {
    it(`${name}: closed with ${closeCode}, the server unmoved`, async () => {
      await target.begin();
      const socket = await target.open();
      await socket.write(bytes());
      await socket.closed;
      expect(closeCodeOf(socket.received())).toBe(closeCode);
      const stats = await target.until((s) => s.disconnects[`error:${ErrorCode.TRANSPORT}:${closeCode}`] === 1, 10_000, `the ${closeCode} disconnect`);
      expect(stats.messages).toBe(0);
      expect(stats.peers).toBe(0);
      const row = await target.end(name);
      await target.health();
      expect(row.deltaMiB).toBeLessThan(64);
    });
  }
});
