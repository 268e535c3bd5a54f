import { afterEach, describe, expect, it, vi } from 'vitest';
import type net from 'node:net';
import { ErrorCode, type ProjError } from '@proj/core';
import { WebSocket, WebSocketServer } from 'ws';
import { Heartbeat } from './heartbeat.js';
import { ws } from './index.js';
import { until } from '@proj/testing';
import { attach, listen, once, watchPings } from './test-helpers.js';

/** What a test link reports to: its verdicts in `dead`, and `paused` and `bytesRead` as the test sets them. */
interface Owner {
  paused: boolean;
  bytesRead?: number;
  destroy(error: ProjError): void;
}

/** A test link's owner: records its verdicts in `dead` (the link pings through the socket {@link beat} gives it). */
function owner(dead: ProjError[]): Owner {
  return { paused: false, destroy: (error) => dead.push(error) };
}

/** A link as a WsLink is one: a heartbeat that pings through `socket` and reads the rest from its owner. */
class TestLink extends Heartbeat {
  constructor(
    private readonly socket: FakeSocket,
    private readonly owner: Owner,
  ) {
    super();
  }
  get readyState(): number {
    return this.socket.readyState;
  }
  get paused(): boolean {
    return this.owner.paused;
  }
  get bytesRead(): number | undefined {
    return this.owner.bytesRead;
  }
  ping(): void {
    this.socket.ping();
  }
  destroy(error: ProjError): void {
    this.owner.destroy(error);
  }
}

/** A started heartbeat, with the calls its link makes: `alive()` for a frame, `stop()` at close. */
function beat(socket: FakeSocket, interval: number, role: 'server' | 'client', link: Owner): { alive(): void; stop(): void } {
  const watched = new TestLink(socket, link);
  watched.startHeartbeat(interval, role);
  return { alive: () => watched.heartbeatAlive(), stop: () => watched.stopHeartbeat() };
}

type FakeSocket = ReturnType<typeof fakeSocket>;

function fakeSocket(): { readyState: number; pings: number; ping(): void } {
  return {
    readyState: 1,
    pings: 0,
    ping() {
      this.pings++;
    },
  };
}

/** Advances fake time, then 1 ms more: the fake clock runs immediates scheduled by a tick (the verdict) only then. */
function elapse(ms: number): void {
  vi.advanceTimersByTime(ms);
  vi.advanceTimersByTime(1);
}

describe('Heartbeat', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('server role: pings every interval and gives up on a ping left unanswered', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    const heartbeat = beat(socket, 1000, 'server', owner(dead));
    elapse(1000);
    expect(socket.pings).toBe(1);
    heartbeat.alive();
    elapse(1000);
    expect(socket.pings).toBe(2);
    expect(dead).toHaveLength(0);
    elapse(1000);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: ErrorCode.HEARTBEAT_TIMEOUT, details: { heartbeat: 1000 } });
    elapse(5000);
    expect(socket.pings).toBe(2); // stopped
  });

  it('spares a peer whose pong is read just after the tick (an event-loop stall)', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    const heartbeat = beat(socket, 1000, 'server', owner(dead));
    vi.advanceTimersByTime(1000); // ping
    vi.advanceTimersByTime(1000); // the tick that would condemn the peer: its verdict waits for an immediate
    expect(socket.pings).toBe(1);
    heartbeat.alive(); // the pong that piled up during the stall
    vi.advanceTimersByTime(1);
    expect(dead).toHaveLength(0);
    elapse(1000);
    expect(socket.pings).toBe(2); // still alive: pinged again
    heartbeat.stop();
  });

  it('reads liveness from a link that counts bytes read, with no heartbeatAlive() calls', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    const link = { ...owner(dead), bytesRead: 100 };
    beat(socket, 1000, 'server', link);
    vi.advanceTimersByTime(1000);
    expect(socket.pings).toBe(1);
    link.bytesRead += 6; // a pong
    vi.advanceTimersByTime(1000);
    expect(socket.pings).toBe(2);
    vi.advanceTimersByTime(1000); // nothing read since: the verdict waits for an immediate
    link.bytesRead += 6; // a pong read in that poll phase
    vi.advanceTimersByTime(1);
    expect(dead).toHaveLength(0);
    vi.advanceTimersByTime(1000);
    expect(socket.pings).toBe(3);
    elapse(1000); // nothing read since that ping
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: ErrorCode.HEARTBEAT_TIMEOUT });
  });

  it('client role: probes only after a silent interval, gives up after a second one', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    beat(socket, 1000, 'client', owner(dead)).alive();
    elapse(1000);
    expect(socket.pings).toBe(0); // something arrived: no probe needed
    elapse(1000);
    expect(socket.pings).toBe(1); // a silent interval: probe
    elapse(1000);
    expect(dead).toHaveLength(1);
  });

  it('takes no verdict while this side is paused (it cannot read pongs)', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    const link = owner(dead);
    const heartbeat = beat(socket, 1000, 'server', link);
    elapse(1000);
    link.paused = true;
    elapse(10_000);
    expect(dead).toHaveLength(0);
    link.paused = false;
    elapse(2000);
    expect(dead).toHaveLength(1);
    heartbeat.stop();
  });

  it('takes no verdict once stopped, even with a verdict pending', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    const heartbeat = beat(socket, 1000, 'server', owner(dead));
    vi.advanceTimersByTime(1000); // ping
    vi.advanceTimersByTime(1000); // no answer: the verdict waits for an immediate
    heartbeat.stop(); // the link closed meanwhile (its socket still reads OPEN here)
    elapse(5000);
    expect(dead).toHaveLength(0);
    expect(socket.pings).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores a second start: the link stays in its first group, whose timer goes with it', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const socket = fakeSocket();
    const dead: ProjError[] = [];
    const link = new TestLink(socket, owner(dead));
    link.startHeartbeat(1000, 'server');
    link.startHeartbeat(500, 'server');
    expect(vi.getTimerCount()).toBe(1);
    elapse(1000);
    expect(socket.pings).toBe(1);
    link.stopHeartbeat();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('Heartbeat (shared timer)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one timer per interval for all its heartbeats and clears it when the last one stops', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const dead: ProjError[] = [];
    const [a, b, c] = [fakeSocket(), fakeSocket(), fakeSocket()];
    const first = beat(a, 1000, 'server', owner(dead));
    const second = beat(b, 1000, 'server', owner(dead));
    const other = beat(c, 500, 'server', owner(dead));
    expect(vi.getTimerCount()).toBe(2);
    other.stop();
    first.stop();
    first.stop(); // idempotent: the group keeps its remaining member
    expect(vi.getTimerCount()).toBe(1);
    elapse(1000);
    expect([a.pings, b.pings, c.pings]).toEqual([0, 1, 0]);
    second.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(dead).toHaveLength(0);
  });

  it('gives a heartbeat that joins a running timer a whole interval before each probe and verdict', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate'] });
    const dead: ProjError[] = [];
    const running = beat(fakeSocket(), 1000, 'server', owner(dead));
    vi.advanceTimersByTime(600);
    const client = fakeSocket();
    const server = fakeSocket();
    const clientDead: ProjError[] = [];
    const serverDead: ProjError[] = [];
    beat(client, 1000, 'client', owner(clientDead));
    beat(server, 1000, 'server', owner(serverDead));
    elapse(400); // the shared tick, 400 ms after joining
    expect(client.pings).toBe(0); // the handshake counts as traffic: no probe yet
    expect(server.pings).toBe(1); // an early ping, never a verdict
    elapse(1000);
    expect(client.pings).toBe(1); // a whole silent interval: probe
    expect(serverDead).toHaveLength(1); // a whole interval after its ping
    elapse(1000);
    expect(clientDead).toHaveLength(1);
    running.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ws({ heartbeat })', () => {
  it('terminates a client that stops answering pings', async () => {
    const { listener, links, port } = await listen({ heartbeat: 50 });
    const raw = new WebSocket(`ws://127.0.0.1:${port}/`, { autoPong: false });
    raw.on('error', () => {});
    await until(() => links.length === 1);
    const server = attach(links[0]!);
    const [code] = await once<[number]>(raw, 'close');
    expect(code).toBe(1006);
    expect(await server.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.HEARTBEAT_TIMEOUT, details: { heartbeat: 50 } } });
    await listener.close();
  });

  it('keeps a client that answers pings', async () => {
    const { listener, links, port } = await listen({ heartbeat: 50 });
    const raw = new WebSocket(`ws://127.0.0.1:${port}/`);
    await until(() => links.length === 1);
    const watch = watchPings(raw, links[0]!);
    await until(() => watch.pings() >= 5 || !watch.open());
    expect(watch.open()).toBe(true);
    raw.terminate();
    await listener.close();
  });

  it('client side: probes a server that never pings, and terminates one that stays silent', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
    await once(wss, 'listening');
    const port = (wss.address() as net.AddressInfo).port;
    let probes = 0;
    wss.on('connection', (socket) => socket.on('ping', () => probes++));
    const client = attach(await ws({ port, heartbeat: 50 }).dial());
    expect(await client.closed).toMatchObject({ graceful: false, error: { code: ErrorCode.HEARTBEAT_TIMEOUT, details: { heartbeat: 50 } } });
    expect(probes).toBeGreaterThanOrEqual(1);

    // The same client against a server that answers pings (ws's default) stays connected.
    wss.options.autoPong = true;
    const healthy = attach(await ws({ port, heartbeat: 50 }).dial());
    let closed = false;
    void healthy.closed.then(() => (closed = true));
    probes = 0;
    await until(() => probes >= 5);
    expect(closed).toBe(false);
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
});
