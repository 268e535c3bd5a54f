/**
 * Child process (started with `--expose-gc`): a server of one kind (see `memory-servers.ts`)
 * holding idle connections, which reports its memory after forced full collections. Argument:
 * `raw-net`, `proj-tcp`, `bare-ws` or `proj-ws`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { childArgs, serveParent } from './child-ipc.js';
import { MEMORY_KINDS, type MemoryKind, type MemorySnapshot } from './memory-kinds.js';
import { heldExactly, startMemoryServer } from './memory-servers.js';

/** Full collections until the heap stops shrinking (at most 5), with pauses for the allocator to return pages. */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('memory-server needs --expose-gc');
  let last = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(50);
    const used = process.memoryUsage().heapUsed;
    if (used >= last) break;
    last = used;
  }
}

const [kind] = childArgs();
if (!(MEMORY_KINDS as readonly string[]).includes(kind ?? '')) throw new Error(`unknown memory kind ${String(kind)}`);
const held = await startMemoryServer(kind as MemoryKind);

type Request = { op: 'port' } | { op: 'snapshot' } | { op: 'await'; connections: number; timeoutMs: number };

serveParent(async (body) => {
  const request = body as Request;
  switch (request.op) {
    case 'port':
      return held.port;
    case 'snapshot': {
      await settle();
      const usage = process.memoryUsage();
      const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
      if (young === undefined) throw new Error('V8 reports no new_space: the young-generation rows would be meaningless');
      return {
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        external: usage.external,
        newSpace: young.space_size,
        newSpaceResident: young.physical_space_size,
        connections: held.count(),
      } satisfies MemorySnapshot;
    }
    case 'await':
      return heldExactly(held, request.connections, request.timeoutMs);
  }
});
