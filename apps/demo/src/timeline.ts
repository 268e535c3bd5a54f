/**
 * A readable timeline for a person: elapsed time, transport, who speaks, what happened.
 * Colours only when a terminal is attached (or `FORCE_COLOR` asks for them); `NO_COLOR` wins.
 */

/** Who speaks on a timeline line. */
export type Actor = 'server' | 'client' | 'raw' | 'tour';

/** How a line should stand out. */
export type Tone = 'plain' | 'good' | 'warn' | 'bad' | 'note';

/** Prints the tour. */
export interface Timeline {
  /** Whether ANSI colours are in use. */
  readonly colour: boolean;
  /** A numbered section header. */
  step(title: string, explanation?: string): void;
  /** One event: `transport` may be `''` for lines about every transport. */
  event(transport: string, actor: Actor, text: string, tone?: Tone): void;
  /** A line printed as is (tables, banners), optionally styled. */
  raw(text: string, tone?: Tone | 'bold'): void;
}

const RESET = '\x1b[0m';
const STYLE: Record<string, string> = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  good: '\x1b[32m',
  warn: '\x1b[33m',
  bad: '\x1b[31m',
  note: '\x1b[2;3m',
  plain: '',
  tcp: '\x1b[34m',
  unix: '\x1b[35m',
  ws: '\x1b[36m',
  server: '\x1b[1;36m',
  client: '\x1b[1;33m',
  raw: '\x1b[1;31m',
  tour: '\x1b[1m',
};

/** Colours on a terminal, unless `NO_COLOR` is set; `FORCE_COLOR` (not `0`/`false`) forces them. */
export function wantsColour(out: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  // nx sets FORCE_COLOR=true in every task unless the user set it, terminal or not, so there it
  // says nothing. On a terminal nx runs the task in a pseudo-terminal: isTTY tells the truth.
  const setByNx = env.NX_TASK_TARGET_PROJECT !== undefined && force === 'true';
  if (force !== undefined && force !== '' && !setByNx) return force !== '0' && force !== 'false';
  return out.isTTY === true;
}

/** Creates a timeline writing to `out`; time counts from the call. */
export function timeline(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout, colour = wantsColour(out)): Timeline {
  const start = performance.now();
  let steps = 0;
  const paint = (style: string, text: string): string => {
    const code = STYLE[style] ?? '';
    return colour && code !== '' ? `${code}${text}${RESET}` : text;
  };
  const write = (line: string): void => {
    if ((out as { destroyed?: boolean }).destroyed !== true) out.write(`${line}\n`);
  };
  return {
    colour,
    step(title, explanation) {
      // A rule, not only a blank line: nx drops blank lines from a task's output when it is not on a terminal.
      const header = `── ${++steps}. ${title} `;
      write('');
      write(paint('bold', header.padEnd(Math.max(header.length + 2, 96), '─')));
      if (explanation !== undefined) write(paint('note', `   ${explanation}`));
    },
    event(transport, actor, text, tone = 'plain') {
      const t = paint('dim', `${((performance.now() - start) / 1000).toFixed(2).padStart(6)}s`);
      write(`${t}  ${paint(transport, transport.padEnd(4))}  ${paint(actor, actor.padEnd(6))}  ${paint(tone, text)}`);
    },
    raw(text, tone = 'plain') {
      write(paint(tone, text));
    },
  };
}
