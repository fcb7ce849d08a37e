// CPU and memory of the processes a benchmark starts, read from Linux: /proc, and cgroup v1 cpuacct (as root) to count
// a process with everything it starts, orphans included (a deploy step's supervisor watcher is reaped by init).
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CPUACCT = '/sys/fs/cgroup/cpuacct';

/** A cgroup of its own that counts the CPU of the processes put in it and of all they start. */
export class CpuAccount {
  private constructor(private readonly dir: string) {}

  /** A new account, or undefined where no cgroup can be made (not root, no cgroup v1 cpuacct). */
  static open(name: string): CpuAccount | undefined {
    const dir = join(CPUACCT, `${name}-${process.pid}-${Date.now()}`);
    try {
      mkdirSync(dir);
      return new CpuAccount(dir);
    } catch {
      return undefined;
    }
  }

  /** Moves a running process (all its threads) into the account; what it starts from now on is counted too. */
  add(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** CPU used so far by every process ever in the account, in milliseconds. */
  usageMs(): number {
    return Number(readFileSync(join(this.dir, 'cpuacct.usage'), 'utf8')) / 1e6;
  }

  /** Whether any process is still in the account. */
  occupied(): boolean {
    return readFileSync(join(this.dir, 'cgroup.procs'), 'utf8').trim() !== '';
  }

  /** Removes the account, once the processes in it have ended (they are moved to the root group first). */
  close(): void {
    for (const pid of readFileSync(join(this.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        writeFileSync(join(CPUACCT, 'cgroup.procs'), pid);
      } catch {
        // It ended meanwhile.
      }
    }
    rmdirSync(this.dir);
  }
}

function statFields(pid: number): string[] {
  // The fields after the command name (which may hold spaces), so that field N of proc(5) is at N - 3.
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** The process's own user + system CPU and that of the children it has reaped, in milliseconds (100 ticks a second). */
export function processCpuMs(pid: number): { own: number; reaped: number } {
  const fields = statFields(pid);
  const ticks = (index: number) => Number(fields[index]);
  return { own: (ticks(11) + ticks(12)) * 10, reaped: (ticks(13) + ticks(14)) * 10 };
}

/** A memory figure of the process's status (VmHWM, VmRSS), in MiB. */
function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** The process's peak resident memory (VmHWM), in MiB. */
export const peakRssMb = (pid: number): number => statusMb(pid, 'VmHWM');

/** The process's resident memory now (VmRSS), in MiB. */
export const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');

/** The children of a process whose command name (comm) is `name`. */
export function childrenNamed(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === name && Number(statFields(Number(entry))[1]) === parent) pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

/** CPU milliseconds each part spent between a meter's start and its reading. */
export interface PartsCpu {
  /** The worker process itself: workflows, activities, the SDK's core. */
  worker: number;
  /** The deploy steps: supervisors, commands, watchers (everything the worker started). */
  steps: number;
  /** The Temporal server (undefined when not known). */
  server?: number;
  /** The benchmark's own client: starting workflows, awaiting their results. */
  client: number;
  /** How the steps were counted: a cgroup holds every process; else only those the worker reaped. */
  counted: 'cgroup' | 'reaped';
}

/** Counts the CPU of a worker (with everything it starts), of the server, and of this process, from now on. */
export class CpuMeter {
  private readonly account = CpuAccount.open('bench-worker');
  private readonly workerBefore: { own: number; reaped: number };
  private readonly accountBefore: number;
  private readonly serverBefore: number | undefined;
  private readonly clientBefore = process.cpuUsage();

  constructor(
    private readonly workerPid: number,
    private readonly serverPid?: number,
  ) {
    this.account?.add(workerPid);
    this.workerBefore = processCpuMs(workerPid);
    this.accountBefore = this.account?.usageMs() ?? 0;
    this.serverBefore = serverPid === undefined ? undefined : processCpuMs(serverPid).own;
  }

  read(): PartsCpu {
    const client = process.cpuUsage(this.clientBefore);
    const worker = processCpuMs(this.workerPid);
    const workerOwn = worker.own - this.workerBefore.own;
    return {
      worker: workerOwn,
      steps: this.account
        ? this.account.usageMs() - this.accountBefore - workerOwn
        : worker.reaped - this.workerBefore.reaped,
      ...(this.serverPid === undefined || this.serverBefore === undefined
        ? {}
        : { server: processCpuMs(this.serverPid).own - this.serverBefore }),
      client: (client.user + client.system) / 1000,
      counted: this.account ? 'cgroup' : 'reaped',
    };
  }

  /** Gives the cgroup back; call once the worker has exited. */
  close(): void {
    this.account?.close();
  }
}
