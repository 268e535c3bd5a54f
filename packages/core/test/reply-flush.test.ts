import { afterEach, describe, expect, it } from 'vitest';
import { connect, memory, serve, type Link, type LinkHandlers, type Server, type Transport } from '../src/index.js';

/** One scripted server link: the test delivers chunks itself and reads what was written. */
interface Scripted {
  link: Link;
  handlers(): LinkHandlers;
  writes: string[];
}

interface ScriptOptions {
  /** What the n-th write (from 0) returns: `false` is backpressure, until the test calls `onDrain`. */
  accepts?: (n: number) => boolean;
  /** Keeps the link open after `end()`, as a socket flushing its FIN does. */
  holdEnd?: boolean;
  /** `Link.asyncDelivery`: the scripted other end answers nothing inside `write()` unless `answer` is set. */
  asyncDelivery?: boolean;
  /** A line the other end answers each write with, synchronously, inside `write()` (an in-process pair). */
  answer?: (n: number) => string;
  /** `Link.messageFramed`. */
  messageFramed?: boolean;
  /** `Link.maxWriteBytes`. */
  maxWriteBytes?: number;
  /** `Link.lastFrameOfRead`, read when core reads it. */
  lastFrameOfRead?: () => boolean;
}

function scriptedLink({ accepts = () => true, holdEnd = false, asyncDelivery = true, answer, messageFramed = false, maxWriteBytes, lastFrameOfRead }: ScriptOptions = {}): Scripted {
  let handlers: LinkHandlers | undefined;
  const writes: string[] = [];
  let answering = false;
  const link: Link = {
    transport: 'scripted',
    remoteAddress: 'scripted-peer',
    bufferedAmount: 0,
    asyncDelivery,
    messageFramed,
    ...(maxWriteBytes === undefined ? {} : { maxWriteBytes }),
    attach: (h) => void (handlers = h),
    write(chunk, callback) {
      writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      callback?.();
      if (answer !== undefined && !answering) {
        // Not while it answers: a Node stream queues a write made during another.
        answering = true;
        try {
          handlers!.onData(Buffer.from(answer(writes.length - 1)));
        } finally {
          answering = false;
        }
      }
      return accepts(writes.length - 1);
    },
    end: () => (holdEnd ? undefined : handlers?.onClose({ graceful: true })),
    destroy: () => handlers?.onClose({ graceful: false }),
    pause: () => {},
    resume: () => {},
  };
  // A getter (a spread would copy its value once).
  if (lastFrameOfRead !== undefined) Object.defineProperty(link, 'lastFrameOfRead', { get: lastFrameOfRead });
  return { link, handlers: () => handlers!, writes };
}

/** A transport whose only link is `scripted`'s, accepted at once. */
function serving(scripted: Scripted): Transport {
  return {
    name: 'scripted',
    dial: () => Promise.reject(new Error('server-side only')),
    listen: (onLink) => {
      onLink(scripted.link);
      return Promise.resolve({ address: 'scripted:', close: () => Promise.resolve() });
    },
  };
}

let server: Server | undefined;
afterEach(async () => {
  await server?.close({ grace: 0 });
  server = undefined;
});

describe('replies to an incoming chunk', () => {
  it('go out in one write as soon as the chunk is decoded, before the tick queue runs', async () => {
    const scripted = scriptedLink();
    let writesAtTick = -1;
    server = await serve(serving(scripted), (message, peer) => {
      if ((message as { n: number }).n === 1) process.nextTick(() => (writesAtTick = scripted.writes.length));
      peer.send({ echo: message });
    });
    scripted.handlers().onData(Buffer.from('{"n":1}\n{"n":2}\n{"n":3}\n'));
    // Written inside onData: a tick queued before the first reply sees it written already.
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n{"echo":{"n":3}}\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writesAtTick).toBe(1);
    expect(scripted.writes).toHaveLength(1);
  });

  it('join a flush already due at the next tick instead of writing twice', async () => {
    const scripted = scriptedLink();
    server = await serve(serving(scripted), (message, peer) => void peer.send({ echo: message }));
    const [peer] = server.peers.list();
    peer!.send({ first: true });
    scripted.handlers().onData(Buffer.from('{"n":1}\n'));
    expect(scripted.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scripted.writes).toEqual(['{"first":true}\n{"echo":{"n":1}}\n']);
  });

  it('still go out, on the next tick, when a listener throws in the middle of the chunk', async () => {
    const scripted = scriptedLink();
    server = await serve(serving(scripted), (message, peer) => void peer.send({ echo: message }));
    const [peer] = server.peers.list();
    peer!.on('message', (message) => {
      if ((message as { n: number }).n === 2) throw new Error('listener bug');
    });
    expect(() => scripted.handlers().onData(Buffer.from('{"n":1}\n{"n":2}\n{"n":3}\n'))).toThrow('listener bug');
    expect(scripted.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    // The rest of the chunk is dropped with the exception (the decoder resyncs at the next line).
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n']);
    // Nothing is left stuck: later chunks are answered as before.
    scripted.handlers().onData(Buffer.from('{"n":4}\n'));
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n', '{"echo":{"n":4}}\n']);
  });
});

describe('replies to a frame of a message-framed link', () => {
  /** A frame-by-frame link: `last` says whether the frame being delivered ends its read. */
  function framed(options: ScriptOptions = {}): Scripted & { deliver(frame: string, last: boolean): void } {
    let last = false;
    const scripted = scriptedLink({ messageFramed: true, lastFrameOfRead: () => last, ...options });
    return {
      ...scripted,
      deliver(frame, isLast) {
        last = isLast;
        scripted.handlers().onData(Buffer.from(frame));
      },
    };
  }

  it('go out before onData returns when the frame is the last of its read, in one write', async () => {
    const scripted = framed();
    let writesAtTick = -1;
    server = await serve(serving(scripted), (message, peer) => {
      if ((message as { n: number }).n === 1) process.nextTick(() => (writesAtTick = scripted.writes.length));
      peer.send({ echo: message });
    });
    // Its last line has no newline: the frame's end ends it, and its reply goes with the first.
    scripted.deliver('{"n":1}\n{"n":2}', true);
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writesAtTick).toBe(1);
    expect(scripted.writes).toHaveLength(1);
  });

  it('wait for the tick on the earlier frames of a read, and the last one joins them in one write', async () => {
    const scripted = framed();
    server = await serve(serving(scripted), (message, peer) => void peer.send({ echo: message }));
    scripted.deliver('{"n":1}', false);
    scripted.deliver('{"n":2}', false);
    scripted.deliver('{"n":3}', true);
    expect(scripted.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n{"echo":{"n":3}}\n']);
    // The next read's only frame is answered at once again.
    scripted.deliver('{"n":4}', true);
    expect(scripted.writes).toHaveLength(2);
  });

  it('go out at once from the last frame of a read when its earlier frames sent nothing', async () => {
    const scripted = framed();
    server = await serve(serving(scripted), (message, peer) => {
      if ((message as { n: number }).n === 3) peer.send({ echo: message });
    });
    scripted.deliver('{"n":1}', false);
    scripted.deliver('{"n":2}', false);
    scripted.deliver('{"n":3}', true);
    expect(scripted.writes).toEqual(['{"echo":{"n":3}}\n']);
  });

  it('wait for the tick when the link has no asyncDelivery, even on the last frame of a read', async () => {
    // Its other end may answer inside write(): written at the frame's end, the answer would come back into it.
    const scripted = framed({ asyncDelivery: false });
    server = await serve(serving(scripted), (message, peer) => void peer.send({ echo: message }));
    scripted.deliver('{"n":1}', true);
    expect(scripted.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n']);
  });

  it('still go out, on the next tick, when a listener throws on the last frame; the frame end still ends its line', async () => {
    const scripted = framed();
    server = await serve(serving(scripted), (message, peer) => void peer.send({ echo: message }));
    const [peer] = server.peers.list();
    peer!.on('message', (message) => {
      if ((message as { n: number }).n === 2) throw new Error('listener bug');
    });
    expect(() => scripted.deliver('{"n":1}\n{"n":2}\n{"n":3}', true)).toThrow('listener bug');
    expect(scripted.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n']);
    // The next frame starts a line of its own: nothing of it is discarded with the rest of the one that threw.
    scripted.deliver('{"n":4}', true);
    expect(scripted.writes).toEqual(['{"echo":{"n":1}}\n{"echo":{"n":2}}\n', '{"echo":{"n":4}}\n']);
  });
});

describe('replies that fill a third of highWaterMark', () => {
  const pad = 'x'.repeat(1000);
  const reply = (n: number): string => `${JSON.stringify({ pad, n })}\n`;
  const chunkOf = (count: number): Buffer => Buffer.from(Array.from({ length: count }, (_, n) => `{"n":${n}}\n`).join(''));

  /** How many replies each write carries, when a part is written once it holds `part` UTF-16 units. */
  function parts(count: number, part: number): number[] {
    const out: number[] = [];
    let units = 0;
    let lines = 0;
    for (let n = 0; n < count; n++) {
      units += reply(n).length;
      lines++;
      if (units >= part) {
        out.push(lines);
        units = lines = 0;
      }
    }
    if (lines > 0) out.push(lines);
    return out;
  }

  /** How many lines each write carries (the writes' text is checked whole, once, by `allReplies`). */
  const shape = (writes: string[]): number[] => writes.map((w) => w.split('\n').length - 1);
  const allReplies = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => reply(from + i)).join('');

  it('are written as each part fills, while the chunk is still being handled, and send() stays true', async () => {
    const scripted = scriptedLink();
    const results: boolean[] = [];
    const writesSeen: number[] = [];
    server = await serve(serving(scripted), (message, peer) => {
      results.push(peer.send({ pad, n: (message as { n: number }).n }));
      writesSeen.push(scripted.writes.length);
    });
    scripted.handlers().onData(chunkOf(50));
    // 64 KiB may be reached at 21,846 units (3 bytes each): ~22 replies of 1,019 units a part.
    const expected = parts(50, Math.ceil(65536 / 3));
    expect(expected).toEqual([22, 22, 6]);
    expect(shape(scripted.writes)).toEqual(expected);
    expect(scripted.writes.join('') === allReplies(0, 50)).toBe(true);
    // The first part left while the handler was at the chunk's 22nd message, the second at its 44th.
    expect(writesSeen.indexOf(1)).toBe(21);
    expect(writesSeen.indexOf(2)).toBe(43);
    expect(results.every((r) => r)).toBe(true);
    const [peer] = server.peers.list();
    expect(peer!.stats.writes).toBe(3);
    expect(peer!.stats.messagesOut).toBe(50);
  });

  it('are not written early while the link applies backpressure: they wait for drain', async () => {
    const scripted = scriptedLink({ accepts: (n) => n !== 0 });
    const results: boolean[] = [];
    server = await serve(serving(scripted), (message, peer) => void results.push(peer.send({ pad, n: (message as { n: number }).n })));
    const [peer] = server.peers.list();
    let drains = 0;
    peer!.on('drain', () => drains++);
    scripted.handlers().onData(chunkOf(50));
    expect(shape(scripted.writes)).toEqual([22]);
    // The write of the first part was refused: from the send that made it on, every send answers false.
    expect(results.slice(0, 21).every((r) => r)).toBe(true);
    expect(results.slice(21).some((r) => r)).toBe(false);
    expect(peer!.queuedMessages).toBe(28);
    scripted.handlers().onDrain();
    expect(shape(scripted.writes)).toEqual([22, 28]);
    expect(scripted.writes.join('') === allReplies(0, 50)).toBe(true);
    expect(drains).toBe(1);
  });

  it('are written in parts of 8 KiB at least under a small highWaterMark', async () => {
    const scripted = scriptedLink();
    const results: boolean[] = [];
    server = await serve(serving(scripted), (message, peer) => void results.push(peer.send({ pad, n: (message as { n: number }).n })), { highWaterMark: 1024 });
    scripted.handlers().onData(chunkOf(20));
    expect(parts(20, 8192)).toEqual([9, 9, 2]);
    expect(shape(scripted.writes)).toEqual([9, 9, 2]);
    expect(scripted.writes.join('') === allReplies(0, 20)).toBe(true);
    // true only while the queue holds less than 1,024 bytes: a part just left, or one reply is queued.
    expect(results.map((r, i) => (r ? i : -1)).filter((i) => i >= 0)).toEqual([0, 8, 9, 17, 18]);
  });

  it('are not written once the peer is ending: what is sent after end() stays queued', async () => {
    const scripted = scriptedLink({ holdEnd: true });
    server = await serve(serving(scripted), () => {});
    const [peer] = server.peers.list();
    peer!.end();
    for (let n = 0; n < 30; n++) peer!.send({ pad, n });
    expect(scripted.writes).toEqual([]);
    expect(peer!.queuedMessages).toBe(30);
  });

  it('wait for the end of the chunk on a link without asyncDelivery, whose other end may answer inside write()', async () => {
    // An in-process pair: each write is answered with an ack, handed back inside write().
    const scripted = scriptedLink({ asyncDelivery: false, answer: (n) => `{"ack":${n}}\n` });
    const seen: unknown[] = [];
    server = await serve(serving(scripted), (message, peer) => {
      seen.push(message);
      const n = (message as { n?: number }).n;
      if (n !== undefined) for (let i = 0; i < 15; i++) peer.send({ pad, n: 15 * n + i });
    });
    scripted.handlers().onData(chunkOf(3));
    // The chunk's three messages first, then the answer to its one write: nothing in between.
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { ack: 0 }]);
    expect(shape(scripted.writes)).toEqual([45]);
    expect(scripted.writes.join('') === allReplies(0, 45)).toBe(true);
  });

  it('wait for the tick on a message-framed link without asyncDelivery, whose other end may answer inside write()', async () => {
    const scripted = scriptedLink({ asyncDelivery: false, messageFramed: true, answer: (n) => `{"ack":${n}}` });
    const seen: unknown[] = [];
    server = await serve(serving(scripted), (message, peer) => {
      seen.push(message);
      const n = (message as { n?: number }).n;
      if (n !== undefined) for (let i = 0; i < 15; i++) peer.send({ pad, n: 15 * n + i });
    });
    scripted.handlers().onData(chunkOf(3)); // one frame of three lines
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { ack: 0 }]);
    expect(shape(scripted.writes)).toEqual([45]);
  });

  it('are written in parts from send() outside any received chunk too (a timer, a for-await loop)', async () => {
    const scripted = scriptedLink();
    server = await serve(serving(scripted), () => {});
    const [peer] = server.peers.list();
    for (let n = 0; n < 50; n++) peer!.send({ pad, n });
    expect(shape(scripted.writes)).toEqual([22, 22]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(shape(scripted.writes)).toEqual([22, 22, 6]);
    expect(scripted.writes.join('') === allReplies(0, 50)).toBe(true);
  });

  it('wait for the tick on a link without asyncDelivery when sent outside a received chunk too', async () => {
    // Its other end answers inside write(): written from send(), the answer would run this side's
    // handlers inside send() (and inside any chunk being decoded elsewhere).
    const scripted = scriptedLink({ asyncDelivery: false, answer: (n) => `{"ack":${n}}\n` });
    const seen: unknown[] = [];
    server = await serve(serving(scripted), (message) => void seen.push(message));
    const [peer] = server.peers.list();
    for (let n = 0; n < 50; n++) expect(peer!.send({ pad, n })).toBe(true); // 50 KiB: under highWaterMark
    expect(scripted.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(shape(scripted.writes)).toEqual([50]);
    expect(seen).toEqual([{ ack: 0 }]);
  });

  it('are not written to a link that reported its close, from the handlers of its last line', async () => {
    const scripted = scriptedLink();
    const results: boolean[] = [];
    server = await serve(serving(scripted), (message, peer) => {
      for (let i = 0; i < 30; i++) results.push(peer.send({ pad, n: i }));
    });
    const [peer] = server.peers.list();
    let dropped = 0;
    peer!.on('dropped', (info) => (dropped += info.messages));
    // A last line without its newline, then a graceful close: the line is still delivered.
    scripted.handlers().onData(Buffer.from('{"last":true}'));
    scripted.handlers().onClose({ graceful: true });
    expect(results).toHaveLength(30);
    expect(scripted.writes).toEqual([]);
    expect(dropped).toBe(30); // reported, as any message a closed peer never sent
  });

  it('do not end a link that reported its close: end() from the last line is a no-op, the reason stays remote-end', async () => {
    const scripted = scriptedLink();
    server = await serve(serving(scripted), (message, peer) => {
      for (let i = 0; i < 5; i++) peer.send({ pad, n: i });
      peer.end();
    });
    const [peer] = server.peers.list();
    let ends = 0;
    const end = scripted.link.end.bind(scripted.link);
    scripted.link.end = () => void (ends++, end());
    let dropped = 0;
    peer!.on('dropped', (info) => (dropped += info.messages));
    const reasons: string[] = [];
    server.on('disconnect', (_peer, info) => void reasons.push(info.reason));
    scripted.handlers().onData(Buffer.from('{"last":true}'));
    scripted.handlers().onClose({ graceful: true });
    expect(scripted.writes).toEqual([]);
    expect(ends).toBe(0);
    expect(reasons).toEqual(['remote-end']);
    expect(dropped).toBe(5);
  });

  it('let go of a closed link even when a message listener throws on its last line', async () => {
    const scripted = scriptedLink();
    server = await serve(serving(scripted), () => {});
    const [peer] = server.peers.list();
    peer!.on('message', () => {
      throw new Error('listener bug');
    });
    scripted.handlers().onData(Buffer.from('{"last":true}'));
    expect(() => scripted.handlers().onClose({ graceful: true })).toThrow('listener bug');
    expect(server.peers.size).toBe(0);
    await expect(peer!.closed).resolves.toMatchObject({ reason: 'remote-end' });
  });
});

describe('writes on a link with maxWriteBytes (a WebSocket peer refuses frames above its maxPayload)', () => {
  const line = (n: number): string => `${JSON.stringify({ n, text: 'é'.repeat(n % 7), pad: 'x'.repeat(40) })}\n`;
  const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => line(from + i)).join('');

  it('cut the lines queued during backpressure into chunks within the limit, whole lines each, in order', async () => {
    const scripted = scriptedLink({ accepts: (n) => n !== 0, maxWriteBytes: 1000 });
    server = await serve(serving(scripted), () => {});
    const [peer] = server.peers.list();
    peer!.send({ n: 0, text: '', pad: 'x'.repeat(40) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(scripted.writes).toHaveLength(1); // refused: the link pushes back
    for (let n = 1; n < 200; n++) peer!.send(JSON.parse(line(n)));
    expect(peer!.queuedBytes).toBeGreaterThan(10 * 1000);
    scripted.handlers().onDrain();
    const after = scripted.writes.slice(1);
    expect(after.length).toBeGreaterThan(10);
    for (const chunk of after) {
      expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(1000);
      expect(chunk.endsWith('\n')).toBe(true);
    }
    expect(scripted.writes.join('') === lines(0, 200)).toBe(true);
    expect(peer!.stats.writes).toBe(scripted.writes.length);
    expect(peer!.stats.messagesOut).toBe(200);
    expect(peer!.stats.bytesOut).toBe(Buffer.byteLength(lines(0, 200)));
  });

  it('drop a line bigger than the limit, reported, and write the others around it within the limit', async () => {
    const scripted = scriptedLink({ maxWriteBytes: 300 });
    server = await serve(serving(scripted), () => {});
    const [peer] = server.peers.list();
    const dropped: Array<{ messages: number; bytes: number; code: string; maxWriteBytes: unknown }> = [];
    server.on('dropped', (info) => dropped.push({ messages: info.messages, bytes: info.bytes, code: info.error.code, maxWriteBytes: info.error.details.maxWriteBytes }));
    for (let n = 0; n < 30; n++) peer!.send({ n });
    peer!.send({ big: 'y'.repeat(500) });
    for (let n = 30; n < 60; n++) peer!.send({ n });
    await new Promise((resolve) => setImmediate(resolve));
    // 10 lines of 8 bytes and 20 of 9, then the 511-byte line (not written), then 30 of 9.
    expect(scripted.writes.map((w) => Buffer.byteLength(w))).toEqual([260, 270]);
    expect(scripted.writes.join('')).toBe(Array.from({ length: 60 }, (_, n) => `{"n":${n}}\n`).join(''));
    expect(dropped).toEqual([{ messages: 1, bytes: 511, code: 'PROJ_ERR_DROPPED', maxWriteBytes: 300 }]);
    expect(peer!.stats).toMatchObject({ messagesOut: 60, dropped: 1, writes: 2 });
  });

  it('coalesce at most 1 MiB + 64 KiB into one write under a higher limit, and write a line up to the limit alone', async () => {
    const scripted = scriptedLink({ maxWriteBytes: 4 * 1024 * 1024 });
    server = await serve(serving(scripted), () => {}, { maxQueueBytes: 16 * 1024 * 1024, highWaterMark: 64 * 1024 * 1024 }); // no early writes
    const [peer] = server.peers.list();
    const small = { pad: 'x'.repeat(1000) }; // 1,011 bytes a line
    for (let n = 0; n < 1500; n++) peer!.send(small);
    peer!.send({ big: 'y'.repeat(2 * 1024 * 1024) });
    for (let n = 0; n < 10; n++) peer!.send(small);
    await new Promise((resolve) => setImmediate(resolve));
    const sizes = scripted.writes.map((w) => Buffer.byteLength(w));
    // 1,500 lines of 1,011 bytes: 1,101 lines (1,113,111 bytes) at most per write, so two writes.
    expect(sizes).toEqual([1101 * 1011, 399 * 1011, 2 * 1024 * 1024 + 11, 10 * 1011]);
    expect(peer!.stats.dropped).toBe(0);
  });

  it('reach a client\'s server whole after a disconnection, in chunks within the limit', async () => {
    const transport = memory({ messageFramed: true, maxWriteBytes: 2048 });
    const sizes: number[] = [];
    const recording: Transport = {
      name: 'recording',
      listen: (onLink) => transport.listen(onLink),
      dial: async (signal) => {
        const link = await transport.dial(signal);
        const recorded: Link = {
          transport: link.transport,
          remoteAddress: link.remoteAddress,
          messageFramed: true,
          asyncDelivery: true,
          maxWriteBytes: link.maxWriteBytes!,
          get bufferedAmount() {
            return link.bufferedAmount;
          },
          attach: (handlers) => link.attach(handlers),
          write: (chunk, callback) => {
            sizes.push(Buffer.byteLength(chunk as string));
            return link.write(chunk, callback);
          },
          end: () => link.end(),
          destroy: (error) => link.destroy(error),
          pause: () => link.pause(),
          resume: () => link.resume(),
        };
        return recorded;
      },
    };
    const client = connect(recording, { reconnect: { initialDelay: 1, maxDelay: 5, jitter: 'none' } });
    // Queued while no server listens: one batch of ~30 KiB once connected.
    for (let n = 0; n < 500; n++) client.send(JSON.parse(line(n)));
    const received: number[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    server = await serve(recording, (message) => {
      received.push((message as { n: number }).n);
      if (received.length === 500) done();
    });
    await all;
    expect(received).toEqual(Array.from({ length: 500 }, (_, n) => n));
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
    expect(client.stats.writes).toBe(sizes.length);
    await client.close();
  });
});
