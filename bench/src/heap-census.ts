/**
 * Heap census: what one idle connection keeps alive, object type by object type. Not part of the
 * benchmark run; the tool behind the "memory per idle connection" row's changes.
 *
 *   node --expose-gc --import tsx bench/src/heap-census.ts proj-tcp [connections] [--alloc]
 *
 * Starts a memory-benchmark server of the given kind (`raw-net`, `proj-tcp`, `bare-ws`,
 * `proj-ws`) in this process, opens `connections` (default 2000) idle connections from a child
 * process, and takes a V8 heap snapshot before and after. Prints, per object type (constructor
 * name, or the kind of string/array/code), the count and bytes each connection added, largest
 * first. Snapshots are written under the temp directory and deleted.
 *
 * With `--alloc`, it prints instead what accepting one connection allocates, garbage included,
 * by the last frames of the allocating stack (V8's sampling heap profiler, every 32 B on
 * average, collected objects kept). V8 grows its young generation from the bytes that survive
 * its scavenges, so garbage made while connections are accepted moves the default-heap rows too.
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchChild } from './child-process.js';
import { MEMORY_KINDS, type MemoryKind } from './memory-kinds.js';
import { heldExactly, startMemoryServer } from './memory-servers.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Object types folded into one line each, however their instances are named. */
const FOLDED = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code']);

/** Count and self size per object type in a heap snapshot file. */
function census(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byType = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const key = FOLDED.has(type) ? type : `${type} ${snap.strings[snap.nodes[i + nameAt]!]!.slice(0, 60)}`;
    const entry = byType.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt]!;
    byType.set(key, entry);
  }
  return byType;
}

async function snapshotCensus(name: string): Promise<Map<string, { count: number; bytes: number }>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('heap-census needs node --expose-gc');
  gc();
  await sleep(50);
  gc();
  const file = v8.writeHeapSnapshot(path.join(os.tmpdir(), `proj-heap-census-${process.pid}-${name}.heapsnapshot`));
  try {
    return census(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** A node of V8's sampling heap profile. */
interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** Starts V8's sampling heap profiler, keeping the samples of objects that were collected since. */
async function startAllocationSampling(): Promise<() => Promise<SamplingNode>> {
  const session = new inspector.Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The two include… flags are V8's (Node 20's typings lack them): without them only survivors count.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
  return async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
    session.disconnect();
    return profile.head;
  };
}

/** Bytes allocated per stack (its last `depth` frames), largest first. */
function allocationsByStack(head: SamplingNode, depth: number): Array<[string, number]> {
  const bytes = new Map<string, number>();
  const walk = (node: SamplingNode, stack: string[]): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const frames = [...stack, `${functionName || '(anonymous)'} ${url.split('/').pop() ?? ''}:${lineNumber + 1}`];
    if (node.selfSize > 0) {
      const key = frames.slice(-depth).join(' > ');
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, frames);
  };
  walk(head, []);
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

const [kindArg, countArg] = process.argv.slice(2).filter((arg) => arg !== '--alloc');
const allocMode = process.argv.includes('--alloc');
if (!(MEMORY_KINDS as readonly string[]).includes(kindArg ?? '')) {
  throw new Error(`usage: node --expose-gc --import tsx bench/src/heap-census.ts <${MEMORY_KINDS.join('|')}> [connections] [--alloc]`);
}
const kind = kindArg as MemoryKind;
const connections = Number(countArg ?? 2000);
const held = await startMemoryServer(kind);
const client = await BenchChild.start('census client', new URL('./memory-client.ts', import.meta.url), { openFiles: connections + 256 });
try {
  const protocol = kind.endsWith('ws') ? 'ws' : 'tcp';
  const open = (n: number): Promise<unknown> => client.request({ op: 'open', protocol, port: held.port, connections: n, concurrency: 200, timeoutMs: 120_000 }, 125_000);
  const until = (n: number): Promise<number> => heldExactly(held, n, 30_000);
  // A warm-up first, so that one-time costs (compiled code, lazily loaded modules) are in both snapshots.
  await open(200);
  await until(200);
  await client.request({ op: 'closeAll' });
  await until(0);
  if (allocMode) {
    // The window also holds this process's side of the open request and of the polling for the
    // count, a few bytes per connection at most (raw-net's own stacks show what a server adds).
    const stop = await startAllocationSampling();
    await open(connections);
    await until(connections);
    const stacks = allocationsByStack(await stop(), 4);
    const total = stacks.reduce((sum, [, bytes]) => sum + bytes, 0);
    process.stdout.write(`${kind}: ${connections} connections accepted, ${(total / connections).toFixed(0)} B allocated per connection in all; stacks adding >= 8 B:\n`);
    for (const [stack, bytes] of stacks) if (bytes / connections >= 8) process.stdout.write(`${(bytes / connections).toFixed(0).padStart(7)} B  ${stack}\n`);
  } else {
    const before = await snapshotCensus('before');
    await open(connections);
    await until(connections);
    const after = await snapshotCensus('after');
    const rows = [...after]
      .map(([type, { count, bytes }]) => ({ type, count: (count - (before.get(type)?.count ?? 0)) / connections, bytes: (bytes - (before.get(type)?.bytes ?? 0)) / connections }))
      .filter((row) => row.bytes >= 8)
      .sort((a, b) => b.bytes - a.bytes);
    const total = rows.reduce((sum, row) => sum + row.bytes, 0);
    process.stdout.write(`${kind}: ${connections} idle connections, ${total.toFixed(0)} B of heap objects per connection (types adding >= 8 B)\n`);
    for (const row of rows) process.stdout.write(`${row.bytes.toFixed(0).padStart(7)} B  ${row.count.toFixed(2).padStart(6)} x  ${row.type}\n`);
  }
} finally {
  await client.stop();
  process.exit(0);
}
