/**
 * Parent side of a benchmark child process: started with the same TypeScript loader (tsx) as the
 * parent, driven by request/response messages over the IPC channel, and stopped by its PID —
 * never by name. A child exits by itself when the parent goes away (see `child-ipc.ts`).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Options of {@link BenchChild.start}. */
export interface ChildOptions {
  /** Arguments after the entry file. */
  args?: string[];
  /** Start with `--expose-gc` so the child can force a full collection. */
  exposeGc?: boolean;
  /** More Node/V8 flags. */
  nodeFlags?: string[];
  /** Open files the child needs; its soft `RLIMIT_NOFILE` is raised (up to the hard limit) when lower. */
  openFiles?: number;
  /** ms to wait for the child's `ready` message. @default 20000 */
  startTimeoutMs?: number;
  /**
   * Runs the child, and every thread it starts, on this CPU only (`taskset -c`), where
   * {@link canPinCpus} says so; ignored elsewhere. @default undefined (wherever the kernel puts it)
   */
  cpu?: number;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const tsxLoader = import.meta.resolve('tsx');

/** `--cpu-prof` for children when `BENCH_CPU_PROF=<dir>` is set: how a missed target gets its profile. */
function profileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** The shell's `ulimit -n` (soft) or `ulimit -Hn` (hard); `Infinity` for `unlimited`. */
function fileLimit(hard: boolean): number {
  const out = spawnSync('sh', ['-c', hard ? 'ulimit -Hn' : 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

let pinnable: boolean | undefined;
/** Whether children can be pinned to a CPU: Linux's `taskset` is present (util-linux). */
export function canPinCpus(): boolean {
  pinnable ??= process.platform === 'linux' && spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }).status === 0;
  return pinnable;
}

/** The limit a child needing `openFiles` descriptors should run with, or undefined when the current one suffices. */
export function raisedFileLimit(openFiles: number): number | undefined {
  const soft = fileLimit(false);
  if (soft >= openFiles) return undefined;
  const hard = fileLimit(true);
  if (hard < openFiles) throw new Error(`this benchmark needs ${openFiles} open files but the hard limit (ulimit -Hn) is ${hard}: raise it, or lower the connection count`);
  return openFiles;
}

export class BenchChild {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  #nextId = 0;
  #exited: Promise<void>;
  #exitCode: number | null | undefined;

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.#exitCode = code;
        for (const { reject, timer } of this.#pending.values()) {
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}) before answering`));
        }
        this.#pending.clear();
        resolve();
      }),
    );
    child.on('message', (message: Reply) => {
      const waiter = this.#pending.get(message.id);
      if (waiter === undefined) return;
      this.#pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
  }

  /** PID of the child (the benchmark only ever signals its own children, by this PID). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Starts `entry` (a module URL relative to this file's directory, e.g. `new URL('./x.ts', import.meta.url)`)
   * and resolves once it reported ready.
   */
  static async start(name: string, entry: URL, options: ChildOptions = {}): Promise<BenchChild> {
    const execArgv = ['--import', tsxLoader, ...(options.exposeGc === true ? ['--expose-gc'] : []), ...(options.nodeFlags ?? []), ...profileFlags()];
    const file = fileURLToPath(entry);
    const args = options.args ?? [];
    const limit = options.openFiles === undefined ? undefined : raisedFileLimit(options.openFiles);
    // `taskset` and `exec` keep the PID and the IPC descriptor: each only sets something up first.
    const pin = options.cpu !== undefined && canPinCpus() ? ['taskset', '-c', String(options.cpu)] : [];
    const command = [...pin, process.execPath, ...execArgv, file, ...args];
    const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
    const child =
      limit !== undefined
        ? spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, ...command], { stdio })
        : pin.length > 0
          ? spawn(command[0]!, command.slice(1), { stdio })
          : fork(file, args, { execArgv, stdio });
    const handle = new BenchChild(name, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${options.startTimeoutMs ?? 20_000} ms`)), options.startTimeoutMs ?? 20_000);
      const onMessage = (message: { ready?: boolean }): void => {
        if (message.ready !== true) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      void handle.#exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with code ${handle.#exitCode} while starting`));
      });
    }).catch(async (error: unknown) => {
      await handle.stop();
      throw error;
    });
    return handle;
  }

  /** Sends one request; resolves with the child's answer, rejects on its error or after `timeoutMs`. */
  request<T>(body: object, timeoutMs = 60_000): Promise<T> {
    if (this.#exitCode !== undefined) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${JSON.stringify(body)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.#child.send({ id, body });
    });
  }

  /** Asks the child to exit; kills it by PID if it has not within `graceMs`. Resolves once it is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    if (this.#child.connected) this.#child.disconnect(); // the child exits when its IPC channel closes
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
