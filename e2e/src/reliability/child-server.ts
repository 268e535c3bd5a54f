/**
 * `ChildServer`: a fixture server in a child process (e2e/fixtures/*.mjs), driven over IPC. A
 * child can be SIGKILLed like a crashing service, and its memory measured without the test
 * runner's own allocations in the way. Only the child this object started is ever signalled,
 * by its PID.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of a fixture script in e2e/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
}

interface Reply {
  id: number;
  [key: string]: unknown;
}

export class ChildServer {
  readonly #child: ChildProcess;
  readonly #exited: Promise<NodeJS.Signals | number | null>;
  #exitedWith: NodeJS.Signals | number | null | undefined;
  #nextId = 0;
  #pending = new Map<number, { resolve: (reply: Reply) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  /** The port (or path) the child listens on, from its `ready` message. */
  readonly port: number;
  readonly pid: number;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.pid = child.pid!;
    this.port = port;
    this.#exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    void this.#exited.then((how) => {
      this.#exitedWith = how;
      for (const [, waiter] of this.#pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`child ${this.pid} exited (${String(how)}) before replying`));
      }
      this.#pending.clear();
    });
    child.on('message', (message: Reply) => {
      const waiter = this.#pending.get(message.id);
      if (waiter === undefined) return;
      this.#pending.delete(message.id);
      clearTimeout(waiter.timer);
      waiter.resolve(message);
    });
  }

  /** Forks `script` with `args` and resolves once it reported `{ ready: port }`. */
  static start(script: string, args: string[], options: { execArgv?: string[]; timeout?: number } = {}): Promise<ChildServer> {
    // An explicit execArgv: the runner's own loader flags must not leak into the fixture.
    const child = fork(script, args, { execArgv: options.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`fixture ${script} not ready within ${options.timeout ?? 15_000} ms`));
      }, options.timeout ?? 15_000);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        reject(new Error(`fixture ${script} exited (${signal ?? code}) before it was ready`));
      };
      child.once('exit', onExit);
      child.once('message', (message: { ready?: number }) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        if (typeof message.ready !== 'number') reject(new Error(`unexpected first message from fixture: ${JSON.stringify(message)}`));
        else resolve(new ChildServer(child, message.ready));
      });
    });
  }

  /** Whether the child is still running. */
  get alive(): boolean {
    return this.#exitedWith === undefined;
  }

  /** Resolves with the exit signal or code. */
  get exited(): Promise<NodeJS.Signals | number | null> {
    return this.#exited;
  }

  /** Sends `{ id, cmd, ...args }` and resolves with the child's reply. */
  request<T extends object>(cmd: string, args: Record<string, unknown> = {}, ms = 30_000): Promise<T & Reply> {
    if (!this.alive) return Promise.reject(new Error(`child ${this.pid} is not running`));
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`no reply to '${cmd}' from child ${this.pid} within ${ms} ms`));
      }, ms);
      this.#pending.set(id, { resolve: resolve as (reply: Reply) => void, reject, timer });
      this.#child.send({ id, cmd, ...args });
    });
  }

  /** Signals this child (by its PID, through its handle) and resolves once it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) this.#child.kill(signal);
    await this.#exited;
  }
}
