import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DuplexLink, type DuplexLike, type DuplexLinkOptions } from './duplex-link.js';
import { ErrorCode } from './errors.js';
import type { LinkCloseInfo, LinkHandlers } from './transport.js';

const TEST_LINK: DuplexLinkOptions = Object.freeze({ transport: 'test' });

function recording(): LinkHandlers & { closes: LinkCloseInfo[]; chunks: unknown[] } {
  const closes: LinkCloseInfo[] = [];
  const chunks: unknown[] = [];
  return { closes, chunks, onData: (chunk) => void chunks.push(chunk), onDrain: () => {}, onClose: (info) => void closes.push(info) };
}

/** Resolves on 'close' (`events.once` would reject on the 'error' before it). */
function closed(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function errno(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code });
}

describe('DuplexLink', () => {
  it('reads transport, handshake and abort from options shared by its links, and keeps its own remote address', () => {
    const aborted: DuplexLike[] = [];
    const options: DuplexLinkOptions = Object.freeze({ transport: 'test', handshake: { kind: 'shared' }, abort: (stream: DuplexLike) => void aborted.push(stream) });
    const streams = [new PassThrough(), new PassThrough()];
    const links = streams.map((stream, i) => new DuplexLink(stream, `peer-${i}`, options));
    expect(links.map((l) => [l.transport, l.remoteAddress, l.handshake])).toEqual([
      ['test', 'peer-0', { kind: 'shared' }],
      ['test', 'peer-1', { kind: 'shared' }],
    ]);
    links[1]!.destroy();
    expect(aborted).toEqual([streams[1]]);
    for (const stream of streams) stream.destroy();
  });

  it('refuses the (stream, { transport, remoteAddress }) form with PROJ_ERR_INVALID_OPTION', () => {
    const stream = new PassThrough();
    const legacy = DuplexLink as unknown as new (stream: DuplexLike, options: object) => DuplexLink;
    expect(() => new legacy(stream, { transport: 'tcp', remoteAddress: '127.0.0.1:1' })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    expect(() => new DuplexLink(stream, '127.0.0.1:1', {} as DuplexLinkOptions)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
    stream.destroy();
  });

  it.each([
    ['ECONNRESET', ErrorCode.CONNECTION_RESET],
    ['EHOSTUNREACH', ErrorCode.TRANSPORT],
  ])('reports the first stream error (%s) through onClose, wrapped with the native one as its cause', async (code, wrapped) => {
    const stream = new PassThrough();
    const link = new DuplexLink(stream, 'peer-9', TEST_LINK);
    const handlers = recording();
    link.attach(handlers);
    const first = errno(code);
    stream.destroy(first);
    await closed(stream);
    expect(handlers.closes).toEqual([{ graceful: false, error: expect.objectContaining({ code: wrapped, cause: first, message: expect.stringContaining('peer-9') }) }]);
  });

  it('keeps the first of several errors', async () => {
    const stream = new PassThrough();
    const link = new DuplexLink(stream, 'peer-9', TEST_LINK);
    const handlers = recording();
    link.attach(handlers);
    const first = errno('ECONNRESET');
    stream.emit('error', first);
    stream.destroy(errno('EPIPE'));
    await closed(stream);
    expect(handlers.closes).toHaveLength(1);
    expect(handlers.closes[0]!.error).toMatchObject({ cause: first });
  });

  it('reports a close that came before attach() at attach, graceful or not, and listens for no data then', async () => {
    for (const [fail, expected] of [
      [undefined, { graceful: true }],
      [errno('ECONNRESET'), { graceful: false, error: expect.objectContaining({ code: ErrorCode.CONNECTION_RESET }) }],
    ] as const) {
      const stream = new PassThrough();
      const link = new DuplexLink(stream, 'peer-9', TEST_LINK);
      stream.destroy(fail);
      await closed(stream);
      const handlers = recording();
      link.attach(handlers);
      expect(handlers.closes).toEqual([expected]);
      expect(stream.listenerCount('data')).toBe(0);
    }
  });

  it('attaches normally to a stream that has errored but not yet closed, and reports the error at the close', async () => {
    const stream = new PassThrough();
    const link = new DuplexLink(stream, 'peer-9', TEST_LINK);
    const first = errno('ECONNRESET');
    stream.emit('error', first);
    const handlers = recording();
    link.attach(handlers);
    expect(handlers.closes).toEqual([]);
    expect(stream.listenerCount('data')).toBe(1);
    stream.destroy();
    await closed(stream);
    expect(handlers.closes).toEqual([{ graceful: false, error: expect.objectContaining({ code: ErrorCode.CONNECTION_RESET, cause: first }) }]);
  });
});
