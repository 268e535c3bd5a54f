/**
 * Parent side of a benchmark child process: started with the same TypeScript loader (tsx) as the
 * parent, driven by request/response messages over the IPC channel, and stopped by its PID —
 * never by name. A child exits by itself when the parent goes away (see `child-ipc.ts`).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
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
   * {@link canPinTo} says it can; ignored elsewhere. An integer ≥ 0.
   * @default undefined (wherever the kernel puts it, within this process's CPUs)
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

/**
 * The CPUs a process or thread may run on (its affinity: a `taskset` around the run, a
 * container's cpuset), ascending, from its `status` file under /proc (this process's by
 * default); empty where that cannot be read (not Linux).
 */
export function allowedCpus(statusFile = '/proc/self/status'): number[] {
  let status: string;
  try {
    status = fs.readFileSync(statusFile, 'utf8');
  } catch {
    return [];
  }
  const list = /Cpus_allowed_list:\s+(\S+)/.exec(status)?.[1];
  return list === undefined ? [] : parseCpuList(list);
}

/** A kernel CPU list (`0-3,8,10-11`) as the CPUs it names. */
export function parseCpuList(list: string): number[] {
  return list.split(',').flatMap((range) => {
    const [first, last = first] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  });
}

const pinnable = new Map<number, boolean>();
/**
 * Whether a child can be pinned to `cpu`: `taskset` (util-linux) is there and the kernel lets a
 * process of ours set that affinity, tried once per CPU with `taskset -c <cpu> true`.
 */
export function canPinTo(cpu: number): boolean {
  let can = pinnable.get(cpu);
  if (can === undefined) {
    can = process.platform === 'linux' && spawnSync('taskset', ['-c', String(cpu), 'true'], { stdio: 'ignore' }).status === 0;
    pinnable.set(cpu, can);
  }
  return can;
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
    const cpu = options.cpu;
    if (cpu !== undefined && !(Number.isInteger(cpu) && cpu >= 0)) throw new RangeError(`${name}: cpu must be an integer ≥ 0, got ${cpu}`);
    // `taskset` and `exec` keep the PID and the IPC descriptor: each only sets something up first.
    const pin = cpu !== undefined && canPinTo(cpu) ? ['taskset', '-c', String(cpu)] : [];
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
