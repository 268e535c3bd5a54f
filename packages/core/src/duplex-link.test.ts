import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DuplexLink, type DuplexLike, type DuplexLinkOptions } from './duplex-link.js';
import { ErrorCode } from './errors.js';

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
});
