import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import nodePath from 'node:path';
import { ErrorCode, connect, serve, type Link, type Listener } from '@proj/core';
import { recordLink, until } from '@proj/testing';
import { unix } from './index.js';

const LIMIT = process.platform === 'linux' ? 107 : 103;

const dirs: string[] = [];
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A socket path in a fresh directory under os.tmpdir(). */
function socketPath(name = 's.sock'): string {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'proj-unix-'));
  dirs.push(dir);
  return nodePath.join(dir, name);
}

async function listen(path: string, onLink: (link: Link) => void = (link) => link.destroy(), mode?: number): Promise<Listener> {
  const listener = await unix({ path, ...(mode === undefined ? {} : { mode }) }).listen(onLink);
  cleanups.push(() => listener.close());
  return listener;
}

/** A raw net server on `path`, outside the adapter. */
async function rawServer(path: string): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

/** Leaves the socket file of a crashed server: a child process listens on `path` and is SIGKILLed. */
async function staleSocket(path: string): Promise<void> {
  const script = "require('net').createServer().listen(process.argv[1], () => process.stdout.write('ready'))";
  const child = spawn(process.execPath, ['-e', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  const exited = once(child, 'exit');
  process.kill(child.pid!, 'SIGKILL');
  await exited;
  expect(fs.statSync(path).isSocket()).toBe(true);
}

/** Listens on a fresh path and dials it; returns both ends, unattached. */
async function pair(): Promise<{ client: Link; server: Link; listener: Listener; path: string }> {
  const path = socketPath();
  const links: Link[] = [];
  const listener = await listen(path, (link) => links.push(link));
  const client = await unix({ path }).dial();
  await until(() => links.length === 1);
  return { client, server: links[0]!, listener, path };
}

const mode = (path: string): number => fs.statSync(path).mode & 0o777;
const invalid = expect.objectContaining({ code: ErrorCode.INVALID_OPTION });

describe('unix()', () => {
  it('validates its options', () => {
    expect(() => unix({ path: '' })).toThrow(invalid);
    expect(() => unix({ path: '/tmp/a\0b' })).toThrow(invalid);
    expect(() => unix({ path: undefined as unknown as string })).toThrow(invalid);
    expect(() => unix({ path: '/tmp/x.sock', mode: 0o1000 })).toThrow(invalid);
    expect(() => unix({ path: '/tmp/x.sock', mode: -1 })).toThrow(invalid);
    expect(() => unix({ path: '/tmp/x.sock', mode: 1.5 })).toThrow(invalid);
    expect(() => unix({ path: '/tmp/x.sock', connectTimeout: 0 })).toThrow(invalid);
    expect(() => unix({ path: '/tmp/x.sock', backlog: Number.NaN })).toThrow(invalid);
    expect(unix({ path: '/tmp/x.sock' }).name).toBe('unix');
  });

  it('refuses a path over the platform limit, counting UTF-8 bytes, and names both numbers', () => {
    const path = `/tmp/${'é'.repeat(60)}`; // 65 characters, 125 bytes
    expect(path.length).toBeLessThanOrEqual(LIMIT);
    const error = ((): unknown => {
      try {
        return unix({ path });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: ErrorCode.INVALID_OPTION, message: expect.stringContaining(`125 bytes (UTF-8), over the ${LIMIT}-byte limit`) });
  });

  it('listens and dials on a path of exactly the limit', async () => {
    const dir = nodePath.dirname(socketPath());
    const path = nodePath.join(dir, 'a'.repeat(LIMIT - Buffer.byteLength(dir) - 1));
    expect(Buffer.byteLength(path)).toBe(LIMIT);
    await listen(path);
    const link = await unix({ path }).dial();
    link.destroy();
  });

  it('wraps a dial to a missing path as PROJ_ERR_CONNECT with cause ENOENT', async () => {
    const err = await unix({ path: socketPath() }).dial().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ENOENT' } });
  });

  it('rejects with PROJ_ERR_ABORTED when the signal has aborted', async () => {
    const path = socketPath();
    await listen(path);
    const controller = new AbortController();
    controller.abort();
    await expect(unix({ path }).dial(controller.signal)).rejects.toMatchObject({ code: ErrorCode.ABORTED });
  });

  it('moves bytes both ways, describes both ends, and closes gracefully', async () => {
    const { client, server, listener, path } = await pair();
    expect(listener.address).toBe(`unix:${path}`);
    expect(listener.port).toBeUndefined();
    for (const link of [client, server]) expect(link).toMatchObject({ transport: 'unix', remoteAddress: path });
    const fromClient = recordLink(server);
    const fromServer = recordLink(client);
    client.write('ping\n');
    server.write(Buffer.from('pong\n'));
    await until(() => fromClient.data() === 'ping\n' && fromServer.data() === 'pong\n');
    client.end();
    expect(await fromServer.closed).toEqual({ graceful: true });
    expect(await fromClient.closed).toEqual({ graceful: true });
  });

  it('reports destroy() to a peer whose bytes are still unread as an abrupt close (ECONNRESET)', async () => {
    const { client, server } = await pair();
    const clientSide = recordLink(client);
    // The server end is not attached: the byte stays in its receive queue, which makes the
    // kernel hand the peer ECONNRESET when the socket is closed.
    await new Promise<void>((resolve, reject) => client.write('unread\n', (e) => (e ? reject(e) : resolve())));
    server.destroy();
    const info = await clientSide.closed;
    expect(info.graceful).toBe(false);
    expect(info.error).toMatchObject({ code: ErrorCode.CONNECTION_RESET, cause: { code: 'ECONNRESET' } });
  });

  // AF_UNIX has no RST: close() with an empty receive queue is an EOF, whatever the API called.
  it.runIf(process.platform === 'linux')('cannot tell a peer with nothing unread that destroy() was abrupt: it sees an orderly end', async () => {
    const { client, server } = await pair();
    const clientSide = recordLink(client);
    recordLink(server);
    server.destroy();
    expect(await clientSide.closed).toEqual({ graceful: true });
  });

  it('replaces the stale socket file of a crashed server', async () => {
    const path = socketPath();
    await staleSocket(path);
    expect(await unix({ path }).dial().catch((e: unknown) => e)).toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ECONNREFUSED' } });
    await listen(path);
    (await unix({ path }).dial()).destroy();
  });

  it('never takes over a socket a live server owns', async () => {
    const path = socketPath();
    await rawServer(path);
    const inode = fs.statSync(path).ino;
    const err = await unix({ path }).listen(() => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.LISTEN, cause: { code: 'EADDRINUSE' } });
    expect((err as Error).message).toContain('live server');
    expect(fs.statSync(path).ino).toBe(inode);
    (await unix({ path }).dial()).destroy(); // the owner still answers
  });

  it('never deletes a regular file or a directory at the path', async () => {
    const file = socketPath();
    fs.writeFileSync(file, 'keep me');
    expect(await unix({ path: file }).listen(() => {}).catch((e: unknown) => e)).toMatchObject({ code: ErrorCode.LISTEN, message: expect.stringContaining('not a socket') });
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    const dir = socketPath();
    fs.mkdirSync(dir);
    expect(await unix({ path: dir }).listen(() => {}).catch((e: unknown) => e)).toMatchObject({ code: ErrorCode.LISTEN });
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('wraps other listen failures (a missing directory) as PROJ_ERR_LISTEN with the native cause', async () => {
    const path = nodePath.join(socketPath('missing-dir'), 's.sock');
    // libuv reports a missing directory at bind as EACCES (a Windows-compatibility mapping).
    expect(await unix({ path }).listen(() => {}).catch((e: unknown) => e)).toMatchObject({ code: ErrorCode.LISTEN, cause: { code: 'EACCES' } });
  });

  it('creates the socket file with mode 0600 by default, restoring the umask', async () => {
    const umask = process.umask(0o022);
    try {
      const path = socketPath();
      await listen(path);
      expect(mode(path)).toBe(0o600);
      expect(process.umask(0o022)).toBe(0o022);
    } finally {
      process.umask(umask);
    }
  });

  it('creates the socket file with a custom mode, even one the umask would narrow', async () => {
    const path = socketPath();
    await listen(path, undefined, 0o666);
    expect(mode(path)).toBe(0o666);
  });

  it('removes the socket file on close', async () => {
    const path = socketPath();
    const listener = await unix({ path }).listen(() => {});
    expect(fs.existsSync(path)).toBe(true);
    await listener.close();
    expect(fs.existsSync(path)).toBe(false);
    await listener.close(); // idempotent
  });

  it('close() stops accepting at once and resolves once accepted links are gone', async () => {
    const { client, server, listener, path } = await pair();
    recordLink(client);
    recordLink(server);
    let closed = false;
    const closing = listener.close().then(() => (closed = true));
    expect(fs.existsSync(path)).toBe(false);
    await expect(unix({ path }).dial()).rejects.toMatchObject({ code: ErrorCode.CONNECT, cause: { code: 'ENOENT' } });
    expect(closed).toBe(false);
    server.destroy();
    await closing;
  });

  it('carries messages end to end with serve() and connect()', async () => {
    const path = socketPath();
    const transport = unix({ path });
    const server = await serve(transport, (msg, peer) => void peer.send({ echo: msg }));
    cleanups.push(() => server.close({ grace: 0 }));
    const client = connect(transport);
    cleanups.push(() => client.close());
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    const sent = [1, 'two', null, { three: [3] }];
    for (const m of sent) client.send(m);
    await until(() => got.length === sent.length);
    expect(got).toEqual(sent.map((echo) => ({ echo })));
    expect(server.address).toBe(`unix:${path}`);
  });
});
