/** Command-line options of the benchmark (see `main.ts`). */
import type { Section } from './comparison.js';
import { CONTENDER_IDS, isContenderId, type ContenderId } from './contenders/index.js';

/**
 * Sections in the order they run, whatever order `--only` names them in. Memory runs last: its
 * ~100k closed loopback connections stay in TIME_WAIT for a minute, and reconnect run after it
 * measured @proj's added p90 at 2.29 and 2.69 ms against 1.71–1.82 ms on a quiet kernel.
 */
export const SECTIONS: readonly Section[] = ['decode', 'encode', 'reconnect', 'transport', 'memory'];

export interface Args {
  full: boolean;
  /** Also write bench/RESULTS.md (full runs of every section only). */
  publish: boolean;
  only: Section[];
  contenders: ContenderId[];
}

const USAGE = `usage: [--full] [--publish] [--only=${SECTIONS.join(',')}] [--contenders=${CONTENDER_IDS.join(',')}]`;

/** Parses the arguments; throws with the usage on anything unknown. */
export function parseArgs(args: readonly string[]): Args {
  let full = false;
  let publish = false;
  let only: Section[] = [...SECTIONS];
  let contenders: ContenderId[] = [...CONTENDER_IDS];
  for (const arg of args) {
    if (arg === '--full') full = true;
    else if (arg === '--quick') full = false;
    else if (arg === '--publish') publish = true;
    else if (arg.startsWith('--only=')) {
      const named = arg.slice('--only='.length).split(',') as Section[];
      const unknown = named.filter((s) => !SECTIONS.includes(s));
      if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
      only = SECTIONS.filter((s) => named.includes(s));
    } else if (arg.startsWith('--contenders=')) {
      const ids = arg.slice('--contenders='.length).split(',');
      const unknown = ids.filter((id) => !isContenderId(id));
      if (unknown.length > 0) throw new Error(`unknown contender(s) ${unknown.join(', ')}; ${USAGE}`);
      contenders = [...new Set(ids)] as ContenderId[];
    } else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  if (publish && (!full || only.length !== SECTIONS.length || contenders.length !== CONTENDER_IDS.length)) {
    throw new Error('--publish writes bench/RESULTS.md: only from a --full run of every section and contender');
  }
  return { full, publish, only, contenders };
}
