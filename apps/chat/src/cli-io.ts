/** Terminal plumbing shared by the chat's command-line programs. */

/** Prints `message` and the usage to stderr, then exits 2 (a command-line error). */
export function usageError(message: string, usage: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

/** Output piped into a reader that went away (`| head`): print nothing more rather than crash. */
export function quietOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
