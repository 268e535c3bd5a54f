import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unix } from '@proj/unix';
import { nextEvent, until } from '@proj/testing';
import { rawLinesOf, startRoom, user } from './test-helpers.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs one of the CLIs on the TypeScript sources, as `npm run server|client` would on the build. */
function cli(script: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--conditions=@proj/source', '--import', 'tsx', `src/${script}`, ...args], { cwd: appDir, stdio: 'pipe' });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('chat CLIs', () => {
  it('client: says what is typed, leaves at the end of input, and exits by itself', async () => {
    const { chat, dial } = await startRoom('tcp');
    const bob = user(dial(), 'bob');
    await nextEvent(bob.chat, 'welcome');
    const client = cli('client-main.ts', ['--transport', 'tcp', '--port', String(chat.servers[0]!.port), '--name', 'cli-user']);
    client.child.stdin!.end('hello from the cli\n/who\n');
    await until(() => bob.seen.includes('left cli-user (left)'), 15_000, `cli-user to leave; bob saw ${bob.seen.join(' | ')}`);
    expect(bob.seen).toEqual(['welcome', 'joined cli-user', '<cli-user> hello from the cli', 'left cli-user (left)']);
    expect(await client.exited).toBe(0);
    expect(client.output()).toContain('you are in the room as cli-user; here: bob');
    expect(client.output()).toContain('in the room: bob, cli-user');
    await bob.chat.end();
    await chat.close();
  });

  it('server: serves the room, then closes on SIGINT and exits by itself', async () => {
    const socketPath = path.join(os.tmpdir(), `proj-chat-cli-${process.pid}.sock`);
    const server = cli('server-main.ts', ['--transport', 'unix', '--path', socketPath, '--idle', '60']);
    await until(() => server.output().includes(`listening on unix:${socketPath}`), 15_000, `the server to listen; it printed ${server.output()}`);
    const alice = user(unix({ path: socketPath }), 'alice');
    await nextEvent(alice.chat, 'welcome');
    alice.chat.say('hi');
    await until(() => server.output().includes('<alice> hi'));

    const disconnected = nextEvent(alice.chat, 'disconnected');
    server.child.kill('SIGINT');
    expect(await disconnected).toEqual(['remote-end']);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('closing: disconnecting everyone');
    expect(server.output()).toMatch(/ closed\n$/);
    await alice.chat.end();
  });

  it('server: a line typed with nc gets a hint, not a crash', async () => {
    const socketPath = path.join(os.tmpdir(), `proj-chat-cli-nc-${process.pid}.sock`);
    const server = cli('server-main.ts', ['--transport', 'unix', '--path', socketPath]);
    await until(() => server.output().includes('listening'), 15_000, 'the server to listen');
    const nc = await rawLinesOf({ path: socketPath });
    nc.socket.write('hello?\n');
    expect(await nc.next()).toMatchObject({ error: expect.stringContaining('try {"say":"hello"}') });
    nc.socket.end();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
