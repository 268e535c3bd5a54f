import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { expectNothingLeft, leakCheck } from './leak-check.js';

describe('leakCheck', () => {
  it('is clean when what was opened since the checkpoint was closed, fired or cleared', async () => {
    const check = leakCheck();
    await new Promise((resolve) => setTimeout(resolve, 2));
    clearTimeout(setTimeout(() => {}, 60_000));
    clearInterval(setInterval(() => {}, 60_000));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
    await expectNothingLeft(check, 1000);
  });

  it('names a timer created since the checkpoint that is still pending, ref or unref', async () => {
    const check = leakCheck();
    const timer = setTimeout(function lingering() {}, 60_000);
    const interval = setInterval(function ticking() {}, 30_000).unref();
    try {
      await expect(expectNothingLeft(check, 20)).rejects.toThrow(/60000 ms lingering.*30000 ms ticking/);
    } finally {
      clearTimeout(timer);
      clearInterval(interval);
    }
  });

  it('ignores a timer that was already pending at the checkpoint, even when it fires meanwhile', async () => {
    let fire!: () => void;
    const fired = new Promise<void>((resolve) => (fire = resolve));
    setTimeout(() => fire(), 5);
    const check = leakCheck();
    await fired;
    expect(check.leftovers()).toEqual({ handles: {}, timers: [] });
    await expectNothingLeft(check, 1000);
  });

  it('counts a server still listening since the checkpoint', async () => {
    const check = leakCheck();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await expect(expectNothingLeft(check, 20)).rejects.toThrow(/"handles":\{"Server":1\}/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is not fooled by an older server closing while a new one stays open', async () => {
    const listen = async (): Promise<net.Server> => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    const older = await listen();
    const check = leakCheck();
    const leaked = await listen();
    await new Promise((resolve) => older.close(resolve));
    try {
      // The counts are back to the checkpoint's (one server), but it is not the same server.
      await expect(expectNothingLeft(check, 20)).rejects.toThrow(/"handles":\{"Server":1\}/);
    } finally {
      await new Promise((resolve) => leaked.close(resolve));
    }
  });
});
