import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { expectNothingLeft, leakCheck, nextEvent, until } from '@proj/testing';
import { startChatServer, type ChatServer } from './chat-server.js';
import { TRANSPORTS } from './transport-args.js';
import { rawLines, startRoom, user } from './test-helpers.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const closeLater = (chat: ChatServer): ChatServer => (cleanups.push(() => chat.close()), chat);

describe.each(TRANSPORTS)('chat over %s', (kind) => {
  it('lets two users chat; a broadcast skips its sender; leaving is announced; nothing stays open', async () => {
    const check = leakCheck();
    const { chat, dial } = await startRoom(kind);
    const alice = user(dial(), 'alice');
    await nextEvent(alice.chat, 'welcome');
    const bob = user(dial(), 'bob');
    const [welcome] = await nextEvent(bob.chat, 'welcome');
    expect(welcome).toMatchObject({ welcome: 'bob', users: ['alice'] });
    await until(() => alice.seen.includes('joined bob'));

    alice.chat.say('hi bob');
    await until(() => bob.seen.includes('<alice> hi bob'));
    bob.chat.say('hi alice');
    await until(() => alice.seen.includes('<bob> hi alice'));
    // Bob answered after receiving alice's line: had the server echoed it to alice, it would be here first.
    expect(alice.seen).toEqual(['welcome', 'joined bob', '<bob> hi alice']);
    expect(bob.seen).toEqual(['welcome', '<alice> hi bob']);

    await bob.chat.leave();
    await until(() => alice.seen.includes('left bob (left)'));
    expect(chat.room.users).toEqual(['alice']);
    await alice.chat.end();
    await chat.close();
    await expectNothingLeft(check);
  });
});

describe('chat room', () => {
  it('lets a raw net socket join and talk like nc, with JSON lines typed by hand', async () => {
    const { chat, dial } = await startRoom('tcp');
    closeLater(chat);
    const socket = net.connect({ port: chat.servers[0]!.port!, host: '127.0.0.1' });
    cleanups.push(async () => void socket.destroy());
    const nc = rawLines(socket);
    socket.write('{"say":"too early"}\n');
    expect(await nc.next()).toEqual({ error: 'join first: {"join":"your name"}' });
    socket.write('{"join":"nc-user"}\r\n'); // some terminals send CRLF
    expect(await nc.next()).toMatchObject({ welcome: 'nc-user', users: [] });

    const alice = user(dial(), 'alice');
    cleanups.push(() => alice.chat.end());
    await nextEvent(alice.chat, 'welcome');
    expect(await nc.next()).toEqual({ joined: 'alice' });
    alice.chat.say('hello nc');
    expect(await nc.next()).toEqual({ from: 'alice', text: 'hello nc' });

    socket.write('"a bare JSON string is a chat line"\n');
    await until(() => alice.seen.includes('<nc-user> a bare JSON string is a chat line'));
    socket.write('this is not JSON\n');
    expect(await nc.next()).toMatchObject({ error: expect.stringContaining('not JSON') });
    socket.write('{"who":true}\n');
    expect(await nc.next()).toEqual({ users: ['nc-user', 'alice'] });

    socket.end();
    await until(() => alice.seen.includes('left nc-user (disconnected)'));
  });

  it('kicks a user who stays silent for idleTimeout, keeps one who talks, and the kicked client stops', async () => {
    const { chat, dial } = await startRoom('tcp', { idleTimeout: 300 });
    closeLater(chat);
    const left: string[] = [];
    chat.room.on('left', (name, reason) => left.push(`${name} ${reason}`));
    const alice = user(dial(), 'alice');
    const bob = user(dial(), 'bob');
    await Promise.all([nextEvent(alice.chat, 'welcome'), nextEvent(bob.chat, 'welcome')]);
    // Bob keeps talking (traffic, not synchronisation); alice stays silent.
    const chatter = setInterval(() => bob.chat.say('still here'), 50);
    cleanups.push(async () => clearInterval(chatter));

    await nextEvent(alice.chat, 'close');
    expect(alice.seen).toContain('kicked');
    expect(alice.chat.client.state).toBe('closed'); // it does not reconnect and rejoin
    await until(() => bob.seen.includes('left alice (idle)'));
    expect(bob.chat.joined).toBe(true);
    expect(chat.room.users).toEqual(['bob']);

    clearInterval(chatter);
    await nextEvent(bob.chat, 'close');
    expect(bob.seen).toContain('kicked');
    await until(() => left.length === 2, 5000, 'the server to see bob go');
    expect(left).toEqual(['alice idle', 'bob idle']);
    expect(chat.room.users).toEqual([]);
  });

  it('tells a server restart from an idle kick: the client rejoins by itself', async () => {
    const { chat, dial } = await startRoom('unix', { idleTimeout: 60_000 });
    const alice = user(dial(), 'alice');
    cleanups.push(() => alice.chat.end());
    await nextEvent(alice.chat, 'welcome');
    const disconnected = nextEvent(alice.chat, 'disconnected');
    await chat.close();
    const [reason] = await disconnected;
    expect(reason).toBe('remote-end');
    expect(alice.seen).not.toContain('kicked');
    closeLater(await startChatServer([dial()], { idleTimeout: 60_000 }));
    await nextEvent(alice.chat, 'welcome'); // rejoined by itself
  });

  it('refuses a taken name, and that client closes instead of retrying', async () => {
    const { chat, dial } = await startRoom('ws');
    closeLater(chat);
    const first = user(dial(), 'sam');
    cleanups.push(() => first.chat.end());
    await nextEvent(first.chat, 'welcome');
    const second = user(dial(), 'sam');
    await nextEvent(second.chat, 'close');
    expect(second.seen).toEqual(['problem the name sam is taken']);
  });

  it('spans transports: a TCP user and a WebSocket user share one room', async () => {
    const chat = closeLater(await startChatServer([tcp({ port: 0 }), ws({ port: 0 })]));
    const [tcpServer, wsServer] = chat.servers;
    const alice = user(tcp({ port: tcpServer!.port! }), 'alice');
    const bob = user(ws({ port: wsServer!.port! }), 'bob');
    cleanups.push(() => alice.chat.end(), () => bob.chat.end());
    await Promise.all([nextEvent(alice.chat, 'welcome'), nextEvent(bob.chat, 'welcome')]);
    alice.chat.say('over tcp');
    await until(() => bob.seen.includes('<alice> over tcp'));
    bob.chat.say('over ws');
    await until(() => alice.seen.includes('<bob> over ws'));
  });
});
