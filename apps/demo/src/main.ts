/**
 * `npm run demo`: a guided tour of @proj that runs by itself and exits 0 when nothing was lost.
 *
 *   npx tsx apps/demo/src/main.ts [--transport tcp|unix|ws]… [--clear-after ms] [--no-color]
 *
 * Runs on the built packages (`npm run demo` builds them first).
 */
import { parseArgs } from 'node:util';
import { printSummary } from './summary.js';
import { timeline, wantsColour } from './timeline.js';
import { runTour } from './tour.js';
import { TRANSPORT_NAMES, type TransportName } from './tour-transports.js';

const USAGE = `Usage: npm run demo -- [options]

  --transport <name>   tcp, unix or ws; repeat it or use a comma list (default: all three at once)
  --clear-after <ms>   when the server clears every connection (default: 2000)
  --no-color           plain output (also NO_COLOR=1); --color forces colours
  --help               this text`;

function options(): { transports: TransportName[]; clearAfter: number; colour: boolean } | undefined {
  const { values } = parseArgs({
    options: {
      transport: { type: 'string', multiple: true },
      'clear-after': { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return undefined;
  const names = (values.transport ?? [...TRANSPORT_NAMES]).flatMap((value) => value.split(',')).map((name) => name.trim());
  const unknown = names.filter((name) => !(TRANSPORT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown transport ${unknown.join(', ')}: use ${TRANSPORT_NAMES.join(', ')}`);
  const clearAfter = Number(values['clear-after'] ?? 2000);
  if (!Number.isInteger(clearAfter) || clearAfter < 500) throw new Error('--clear-after takes a number of ms, at least 500');
  const colour = values['no-color'] === true ? false : values.color === true ? true : wantsColour(process.stdout);
  return { transports: [...new Set(names)] as TransportName[], clearAfter, colour };
}

let chosen: ReturnType<typeof options>;
try {
  chosen = options();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
// The reader went away (`npm run demo | head`): print nothing more, but finish, so that
// everything still closes and the exit code still tells whether anything was lost.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
if (chosen === undefined) {
  process.stdout.write(`${USAGE}\n`);
} else {
  const log = timeline(process.stdout, chosen.colour);
  const started = performance.now();
  log.raw(`@proj guided tour: one echo handler served over ${chosen.transports.join(', ')}`, 'bold');
  if (chosen.transports.length > 1) log.raw('(one transport at a time: npm run demo -- --transport tcp|unix|ws)', 'note');
  try {
    const summary = await runTour({ transports: chosen.transports, log, clearAfter: chosen.clearAfter });
    printSummary(summary, log);
    log.raw(`   tour took ${((performance.now() - started) / 1000).toFixed(1)} s`, 'note');
    // No process.exit(): the process ends by itself only if the tour closed everything it opened.
    process.exitCode = summary.ok ? 0 : 1;
  } catch (error) {
    log.raw(`\nthe tour failed: ${(error as Error).stack ?? String(error)}`, 'bad');
    process.exitCode = 1;
  }
}
