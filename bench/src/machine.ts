/** The machine, runtime and command a result comes from, for the report header. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  date: string;
  /** `nproc`. */
  cpus: number;
  cpuModel: string;
  /** `free -h`, verbatim (empty where `free` is missing). */
  free: string;
  totalMemoryGiB: number;
  node: string;
  platform: string;
  /** Soft `ulimit -n` of the run. */
  openFilesLimit: string;
  /** How the run was started. */
  command: string;
}

/** A command's output without its trailing newline (leading spaces kept: `free -h` aligns its header with them). */
function sh(command: string): string {
  const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trimEnd() : '';
}

/** `npx nx run bench:<target> -- <args>` when nx started us, else the direct command. */
function commandLine(args: readonly string[]): string {
  const project = process.env.NX_TASK_TARGET_PROJECT;
  const target = process.env.NX_TASK_TARGET_TARGET;
  const rest = args.length === 0 ? '' : ` -- ${args.join(' ')}`;
  if (project !== undefined && target !== undefined) return `npx nx run ${project}:${target}${rest}`;
  return `tsx src/main.ts${args.length === 0 ? '' : ` ${args.join(' ')}`} (in bench/)`;
}

export function machineInfo(args: readonly string[]): MachineInfo {
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    free: sh('free -h'),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    openFilesLimit: sh('ulimit -n'),
    command: commandLine(args),
  };
}
