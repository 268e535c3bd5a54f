import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { BenchChild, canPinCpus } from './child-process.js';

/** The CPUs each thread of a process may run on, from /proc. */
function threadCpus(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => /Cpus_allowed_list:\s+(\S+)/.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))![1]!);
}

const pinnable = canPinCpus() && os.availableParallelism() >= 2;

describe('BenchChild', () => {
  it.runIf(pinnable)('runs a child pinned to one CPU, every thread of it, and still talks to it', async () => {
    const child = await BenchChild.start('pinned echo server', new URL('./transport-server.ts', import.meta.url), { args: ['raw-net'], cpu: 1 });
    try {
      const cpus = threadCpus(child.pid!);
      expect(cpus.length).toBeGreaterThan(1); // V8's and libuv's threads too
      expect(new Set(cpus)).toEqual(new Set(['1']));
      expect(await child.request<{ port: number }>({ op: 'endpoint' })).toEqual({ port: expect.any(Number) });
    } finally {
      await child.stop();
    }
  });

  it.runIf(process.platform === 'linux')('leaves a child without a cpu where the kernel puts it', async () => {
    const child = await BenchChild.start('echo server', new URL('./transport-server.ts', import.meta.url), { args: ['raw-net'] });
    try {
      // Those of this process, which it inherits.
      const own = /Cpus_allowed_list:\s+(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]!;
      expect(new Set(threadCpus(child.pid!))).toEqual(new Set([own]));
    } finally {
      await child.stop();
    }
  });
});
