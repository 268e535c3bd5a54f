import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, memory, serve, ErrorCode, type Link, type LinkHandlers, type Peer, type Transport } from '../src/index.js';

/**
 * Wraps a link so a test can make it go silent both ways without closing: a half-open
 * connection. While silent, nothing crosses, not even the other side's close: like a real
 * half-open socket, this side stays open until it closes itself.
 */
function silenceable(link: Link, state: { silent: boolean }): Link {
  let handlers: LinkHandlers | undefined;
  let closed = false;
  let remoteGone = false;
  let closeRequested = false;
  const closeLocally = (close: () => void): void => {
    closeRequested = true;
    if (remoteGone && !closed) {
      closed = true;
      handlers?.onClose({ graceful: false });
    } else close();
  };
  return {
    transport: link.transport,
    remoteAddress: link.remoteAddress,
    get bufferedAmount() {
      return link.bufferedAmount;
    },
    attach: (h) => {
      handlers = h;
      link.attach({
        onData: (c) => (state.silent ? undefined : h.onData(c)),
        onDrain: () => h.onDrain(),
        onClose: (info) => {
          if (state.silent && !closed && !closeRequested) remoteGone = true;
          else if (!closed) {
            closed = true;
            h.onClose(info);
          }
        },
      });
    },
    write: (chunk, cb) => (state.silent ? (cb?.(), true) : link.write(chunk, cb)),
    end: () => closeLocally(() => link.end()),
    destroy: () => closeLocally(() => link.destroy()),
    pause: () => link.pause(),
    resume: () => link.resume(),
  };
}

function halfOpenable(): { transport: Transport; cut: () => void } {
  const inner = memory();
  const states: Array<{ silent: boolean }> = [];
  const wrap = (link: Link): Link => {
    const state = { silent: false };
    states.push(state);
    return silenceable(link, state);
  };
  return {
    transport: { name: 'memory', listen: (onLink) => inner.listen((l) => onLink(wrap(l))), dial: async (s) => wrap(await inner.dial(s)) },
    cut: () => states.forEach((s) => (s.silent = true)),
  };
}

afterEach(() => vi.useRealTimers());

describe('heartbeat (heartbeatInterval / heartbeatTimeout)', () => {
  it('detects a half-open connection on both sides within the timeout, and the client reconnects', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { transport, cut } = halfOpenable();
    const liveness = { heartbeatInterval: 1000, heartbeatTimeout: 3000 };
    const server = await serve(transport, () => {}, liveness);
    const client = connect(transport, { ...liveness, reconnect: { initialDelay: 100, jitter: 'none' } });
    await vi.advanceTimersByTimeAsync(10);
    expect(client.state).toBe('open');
    // Idle but alive: heartbeats keep both sides up well past the timeout.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.state).toBe('open');
    expect(server.peers.size).toBe(1);

    const clientReasons: Array<[string, string | undefined]> = [];
    const serverReasons: Array<[string, string | undefined]> = [];
    client.on('disconnect', (i) => clientReasons.push([i.reason, i.error?.code]));
    server.on('disconnect', (_p, i) => serverReasons.push([i.reason, i.error?.code]));
    const cutAt = Date.now();
    cut();
    await vi.advanceTimersByTimeAsync(3000 + 500); // timeout + one check period (half the interval)
    expect(clientReasons).toEqual([['heartbeat-timeout', ErrorCode.HEARTBEAT_TIMEOUT]]);
    expect(serverReasons).toEqual([['heartbeat-timeout', ErrorCode.HEARTBEAT_TIMEOUT]]);
    expect(Date.now() - cutAt).toBeLessThanOrEqual(3500);
    await vi.advanceTimersByTimeAsync(200);
    expect(client.state).toBe('open');
    expect(client.reconnects).toBe(1);
    await client.end();
    await server.close();
  });

  it('writes blank lines that plain NDJSON readers skip, and never with data pending', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const t = memory();
    const server = await serve(t, () => {});
    const raw = await t.dial();
    let received = '';
    raw.attach({ onData: (c) => (received += c.toString()), onDrain: () => {}, onClose: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    const client = connect(t, { heartbeatInterval: 500, heartbeatTimeout: 0, reconnect: false });
    await vi.advanceTimersByTimeAsync(10);
    const peer = server.peers.list()[1]!; // [0] is the raw peer
    // The raw peer receives nothing from a server without heartbeat; the heartbeat client's blank lines reach the server as data, not messages.
    await vi.advanceTimersByTimeAsync(2000);
    expect(received).toBe('');
    expect(server.stats.messagesIn).toBe(0);
    expect(peer.lastActivity).toBeGreaterThan(peer.lastMessageAt);
    expect(client.stats.bytesOut).toBeGreaterThanOrEqual(3);
    expect(client.stats.messagesOut).toBe(0);
    await client.end();
    raw.destroy();
    await server.close();
  });

  it('does not keep an idle peer alive: idleTimeout counts messages, not heartbeats', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const t = memory();
    const server = await serve(t, () => {}, { idleTimeout: 5000 });
    const client = connect(t, { heartbeatInterval: 1000, heartbeatTimeout: 0, reconnect: false });
    const reasons: string[] = [];
    server.on('disconnect', (_p, i) => reasons.push(i.reason));
    await vi.advanceTimersByTimeAsync(6000);
    expect(reasons).toEqual(['idle-timeout']);
    await client.closed;
    await server.close();
  });

  it('does not cut off a quiet peer unless heartbeatTimeout is set', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const t = memory();
    const server = await serve(t, () => {}); // sends nothing, ever
    const client = connect(t, { heartbeatInterval: 100, reconnect: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.state).toBe('open');
    await client.end();
    await server.close();
  });

  it('gives no verdict while a lagging iterator holds reading, and counts the silence from the resume', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const t = memory();
    const server = await serve(t, () => {}); // sends no heartbeats
    const peers: Peer[] = [];
    server.on('connection', (peer) => peers.push(peer));
    const client = connect(t, { heartbeatTimeout: 1000, readHighWaterMark: 2, reconnect: false });
    const reasons: string[] = [];
    client.on('disconnect', (info) => reasons.push(info.reason));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    const iterator = client[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) peers[0]!.send(i);
    await vi.advanceTimersByTimeAsync(0);
    // Five unread messages hold reading: ten silent seconds are the reader's doing, not the peer's.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reasons).toEqual([]);
    for (let i = 0; i < 5; i++) expect((await iterator.next()).value).toBe(i);
    await vi.advanceTimersByTimeAsync(900);
    expect(reasons).toEqual([]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(reasons).toEqual(['heartbeat-timeout']);
    await server.close();
  });

  it('validates the options', () => {
    expect(() => connect(memory(), { heartbeatInterval: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION }));
  });
});
