import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, memory, serve, ErrorCode } from '../src/index.js';
import { nextEvent, until } from '@proj/testing';

const fast = { initialDelay: 5, maxDelay: 20, jitter: 'none' as const, maxAttempts: 2 };
afterEach(() => vi.useRealTimers());

/** A memory transport whose server-side links carry a handshake, as ws (headers) and TLS (certificates) links do. */
const withHandshake = (handshake: Record<string, unknown>): ReturnType<typeof memory> => memory({ handshake });

describe('serve({ authenticate })', () => {
  it('admits on the handshake, merges the result into peer.data, and only then calls the handler', async () => {
    const t = withHandshake({ headers: { authorization: 'Bearer good' } });
    const seen: unknown[] = [];
    const server = await serve(t, (msg, peer) => void seen.push([msg, peer.data.user]), {
      authenticate: async ({ handshake }) => ((handshake.headers as Record<string, string>).authorization === 'Bearer good' ? { user: 'ann' } : false),
    });
    const client = connect(t, { reconnect: fast });
    client.send('hello');
    await until(() => seen.length === 1);
    expect(seen).toEqual([['hello', 'ann']]);
    expect(server.peers.size).toBe(1);
    await client.end();
    await server.close();
  });

  it('rejects with PROJ_ERR_UNAUTHORIZED, tells the client why, counts it, and never reaches the handler or the registry', async () => {
    const t = withHandshake({ headers: {} });
    const handled: unknown[] = [];
    const server = await serve(t, (m) => void handled.push(m), { authenticate: () => false });
    const connections: unknown[] = [];
    server.on('connection', (p) => connections.push(p));
    const unauthorized = nextEvent(server, 'unauthorized');
    const client = connect(t, { reconnect: fast });
    client.send('let me in');
    const disconnect = nextEvent(client, 'disconnect');
    const [error] = await unauthorized;
    expect(error.code).toBe(ErrorCode.UNAUTHORIZED);
    const [info] = await disconnect;
    expect(info).toMatchObject({ reason: 'refused', error: { code: ErrorCode.UNAUTHORIZED } });
    expect(handled).toEqual([]);
    expect(connections).toEqual([]);
    expect(server.peers.size).toBe(0);
    expect(server.stats.unauthorized).toBeGreaterThanOrEqual(1);
    await client.destroy();
    await server.close();
  });

  it('authenticates on the first message, which the handler does not see; later messages keep their order', async () => {
    const t = memory();
    const seen: unknown[] = [];
    let release!: (ok: boolean) => void;
    const server = await serve(t, (msg) => void seen.push(msg), {
      authenticateOn: 'first-message',
      authenticate: ({ message }) => new Promise<boolean>((resolve) => (release = (ok) => resolve(ok && (message as { token: string }).token === 's3cret'))),
    });
    const client = connect(t, { reconnect: fast });
    client.send({ token: 's3cret' });
    for (let i = 0; i < 5; i++) client.send(i);
    await until(() => release !== undefined);
    release(true);
    await until(() => seen.length === 5);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    await client.end();
    await server.close();
  });

  it('rejects a peer whose hook throws, and one that never answers within authTimeout', async () => {
    const t = memory();
    const errors: unknown[] = [];
    const throwing = await serve(t, () => {}, { authenticate: () => { throw new Error('db down'); } });
    throwing.on('unauthorized', (e) => errors.push(e.cause instanceof Error ? e.cause.message : e.code));
    const c1 = connect(t, { reconnect: false });
    await until(() => errors.length === 1);
    expect(errors).toEqual(['db down']);
    await c1.closed;
    await throwing.close();

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t2 = memory();
    const silent = await serve(t2, () => {}, { authenticateOn: 'first-message', authenticate: () => true, authTimeout: 500 });
    const timeouts: string[] = [];
    silent.on('unauthorized', (e) => timeouts.push(e.message));
    const quiet = connect(t2, { reconnect: false }); // never sends its first message
    await vi.advanceTimersByTimeAsync(499);
    expect(timeouts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toContain('timed out');
    await vi.advanceTimersByTimeAsync(10);
    expect(quiet.state).toBe('closed');
    await silent.close();
  });

  it('keeps an own __proto__ key of the hook result as data, never as a prototype', async () => {
    const t = memory();
    const server = await serve(t, () => {}, { authenticate: () => JSON.parse('{"__proto__": {"admin": true}, "user": "eve"}') as Record<string, unknown> });
    const client = connect(t, { reconnect: false });
    await until(() => server.peers.size === 1);
    const peer = server.peers.list()[0]!;
    expect(peer.data.user).toBe('eve');
    expect(Object.getPrototypeOf(peer.data)).toBe(Object.prototype);
    expect((peer.data as { admin?: boolean }).admin).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(peer.data, '__proto__')).toBe(true);
    await client.end();
    await server.close();
  });

  it('counts connections waiting at the gate against maxConnections', async () => {
    const t = memory();
    const server = await serve(t, () => {}, { maxConnections: 1, authenticateOn: 'first-message', authenticate: () => true });
    const waiting = connect(t, { reconnect: false }); // at the gate: sends nothing yet
    await until(() => server.stats.accepted === 0 && server.peers.size === 0);
    const refused = nextEvent(server, 'refused');
    const second = connect(t, { reconnect: false });
    expect((await refused)[0].code).toBe(ErrorCode.MAX_CONNECTIONS);
    await second.closed;
    await waiting.destroy();
    await server.close();
  });

  it('validates authenticateOn and authTimeout', async () => {
    await expect(serve(memory(), () => {}, { authenticate: () => true, authTimeout: 0 })).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTION });
    await expect(serve(memory(), () => {}, { authenticate: () => true, authenticateOn: 'cookie' as 'handshake' })).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTION });
  });
});
