import { afterEach, describe, expect, it } from 'vitest';
import { serve, type Link, type LinkHandlers, type Server, type Transport } from '../src/index.js';

/** One scripted server link: the test delivers chunks itself and reads what was written. */
interface Scripted {
  link: Link;
  handlers(): LinkHandlers;
  writes: string[];
}

function scriptedLink(): Scripted {
  let handlers: LinkHandlers | undefined;
  const writes: string[] = [];
  const link: Link = {
    transport: 'scripted',
    remoteAddress: 'scripted-peer',
    bufferedAmount: 0,
    attach: (h) => void (handlers = h),
    write(chunk, callback) {
      writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      callback?.();
      return true;
    },
    end: () => handlers?.onClose({ graceful: true }),
    destroy: () => handlers?.onClose({ graceful: false }),
    pause: () => {},
    resume: () => {},
  };
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
