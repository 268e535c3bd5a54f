import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedCpus, BenchChild, canPinTo, parseCpuList } from './child-process.js';

/** The CPUs each thread of a process may run on, one list per thread. */
function threadCpus(pid: number): number[][] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => allowedCpus(`/proc/${pid}/task/${tid}/status`));
}

const echo = new URL('./transport-server.ts', import.meta.url);
const isLinux = process.platform === 'linux';
const second = allowedCpus()[1];

describe('parseCpuList', () => {
  it('expands the ranges of a kernel CPU list', () => {
    expect(parseCpuList('0-1')).toEqual([0, 1]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(parseCpuList('0,2-4,8,10-11')).toEqual([0, 2, 3, 4, 8, 10, 11]);
  });
});

describe('allowedCpus', () => {
  it.runIf(isLinux)('lists the CPUs this process may run on, as many as it may use', () => {
    const cpus = allowedCpus();
    expect(cpus.length).toBe(os.availableParallelism());
    expect(new Set(cpus).size).toBe(cpus.length);
  });
});

describe('BenchChild', () => {
  it.runIf(second !== undefined && canPinTo(second))('runs a child pinned to one CPU, every thread of it, and still talks to it', async () => {
    const child = await BenchChild.start('pinned echo server', echo, { args: ['raw-net'], cpu: second! });
    try {
      const cpus = threadCpus(child.pid!);
      expect(cpus.length).toBeGreaterThan(1); // V8's threads, and what else node started
      for (const thread of cpus) expect(thread).toEqual([second]);
      expect(await child.request<{ port: number }>({ op: 'endpoint' })).toEqual({ port: expect.any(Number) });
    } finally {
      await child.stop();
    }
  });

  it.runIf(isLinux)('starts a child on this process’s CPUs when given no cpu', async () => {
    const child = await BenchChild.start('echo server', echo, { args: ['raw-net'] });
    try {
      for (const thread of threadCpus(child.pid!)) expect(thread).toEqual(allowedCpus());
    } finally {
      await child.stop();
    }
  });

  it.runIf(isLinux)('starts a child unpinned, where it would run anyway, for a CPU it cannot be pinned to', async () => {
    // No machine this runs on has CPU 4095; taskset refuses it, and the child starts as without a cpu.
    expect(canPinTo(4095)).toBe(false);
    const child = await BenchChild.start('echo server', echo, { args: ['raw-net'], cpu: 4095 });
    try {
      expect(await child.request<{ port: number }>({ op: 'endpoint' })).toEqual({ port: expect.any(Number) });
    } finally {
      await child.stop();
    }
  });

  it('refuses a cpu that is not an integer ≥ 0', async () => {
    await expect(BenchChild.start('echo server', echo, { cpu: -1 })).rejects.toThrow(/cpu must be an integer ≥ 0, got -1/);
    await expect(BenchChild.start('echo server', echo, { cpu: 0.5 })).rejects.toThrow(RangeError);
  });
});
