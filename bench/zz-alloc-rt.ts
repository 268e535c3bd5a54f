import inspector from 'node:inspector/promises';
import { loadContender, type ContenderId } from './src/contenders/index.js';
import { tick } from './src/corpus.js';
interface SamplingNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: SamplingNode[] }
const id = process.argv[2] as ContenderId;
const N = 20000;
const contender = await loadContender(id);
const server = await contender.startServer({ port: 0 });
let onReply = (): void => {};
const client = await contender.connect(server.endpoint, () => onReply());
const run = (n: number): Promise<void> => new Promise((resolve) => {
  let sent = 0;
  onReply = () => { if (sent === n) resolve(); else client.send(tick(sent++)); };
  client.send(tick(sent++)); client.flush();
});
await run(10000);
const session = new inspector.Session(); session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', { samplingInterval: 16, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
await run(N);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
const bytes = new Map<string, number>();
const walk = (node: SamplingNode, stack: string[]): void => {
  const { functionName, url, lineNumber } = node.callFrame;
  const frames = [...stack, `${functionName || '(anon)'} ${url.split('/').pop() ?? ''}:${lineNumber + 1}`];
  if (node.selfSize > 0) { const key = frames.slice(-3).join(' > '); bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize); }
  for (const c of node.children) walk(c, frames);
};
walk(profile.head, []);
const total = [...bytes.values()].reduce((a, b) => a + b, 0);
console.log(`${id}: ${(total / N).toFixed(0)} B allocated per round trip`);
for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 25)) if (v / N >= 4) console.log(`${(v / N).toFixed(0).padStart(6)} B  ${k}`);
await client.close(); await server.close(); process.exit(0);
