/** A readable timeline for a person: elapsed time, who speaks, what happened. Colours only on a terminal. */
const colours: Record<string, string> = { server: '\x1b[36m', client: '\x1b[33m', summary: '\x1b[32m' };

export function timeline(out: NodeJS.WriteStream = process.stdout): (who: string, what: string) => void {
  const start = performance.now();
  const colour = out.isTTY === true && process.env.NO_COLOR === undefined;
  return (who, what) => {
    const t = `${((performance.now() - start) / 1000).toFixed(2).padStart(6)}s`;
    const label = who.padEnd(7);
    out.write(colour ? `\x1b[2m${t}\x1b[0m ${colours[who] ?? ''}${label}\x1b[0m ${what}\n` : `${t} ${label} ${what}\n`);
  };
}
