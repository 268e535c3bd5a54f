/**
 * Child side of the IPC protocol of `child-process.ts`: answer the parent's requests one by one,
 * and exit as soon as the parent is gone, so no benchmark process can outlive the run.
 */

interface Request {
  id: number;
  body: unknown;
}

/** Serves the parent's requests with `handler` and reports ready. Call once, after set-up. */
export function serveParent(handler: (body: unknown) => unknown): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('this file is a benchmark child process: start it through BenchChild');
  process.on('message', (message: Request) => {
    void (async () => {
      try {
        const result = await handler(message.body);
        send({ id: message.id, ok: true, result });
      } catch (error) {
        send({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
  // The parent closed the channel (stop(), or it died): leave now, whatever is still open.
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

/** The positional arguments after the entry file. */
export function childArgs(): string[] {
  return process.argv.slice(2);
}
