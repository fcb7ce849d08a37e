// CPU that starting and supervising one deploy step costs, before (a Node supervisor per step) and after (a shell).
// Each variant runs a no-op command N times in a probe process; a cgroup of its own (cgroup v1 cpuacct, as root)
// counts every process involved, including the shell supervisor's watcher, which nobody reaps but init. Without a
// writable cgroup the probe's own count is used, which misses the watcher.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median } from './stats';

const PROBE = join(__dirname, 'deploy-step-probe.js');
const CPUACCT = '/sys/fs/cgroup/cpuacct';
export const VARIANTS = ['none', 'node-supervisor', 'shell-supervisor'] as const;
type Variant = (typeof VARIANTS)[number];

function cgroup(): string | undefined {
  const dir = join(CPUACCT, `deploy-step-bench-${process.pid}`);
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}

async function runProbe(variant: Variant, steps: number, group: string | undefined): Promise<number> {
  const probe = spawn(process.execPath, [PROBE, variant, String(steps)], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (group) writeFileSync(join(group, 'cgroup.procs'), String(probe.pid));
  const usageBefore = group ? Number(readFileSync(join(group, 'cpuacct.usage'), 'utf8')) : 0;
  const line = new Promise<string>((resolve) => createInterface({ input: probe.stdout }).once('line', resolve));
  probe.stdin.write('go\n');
  const report = JSON.parse(await line) as { selfAndReapedMs: number };
  await new Promise((resolve) => probe.once('close', resolve));
  if (!group) return report.selfAndReapedMs;
  // Orphaned watchers finish on their own within moments; wait until the group is empty.
  for (let i = 0; i < 100 && readFileSync(join(group, 'cgroup.procs'), 'utf8').trim() !== ''; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (Number(readFileSync(join(group, 'cpuacct.usage'), 'utf8')) - usageBefore) / 1e6;
}

export interface DeployStepCpu {
  counted: 'cgroup' | 'probe';
  steps: number;
  rounds: number;
  /** Median CPU milliseconds per step, each variant less the bare command's. */
  perStepMs: Record<Exclude<Variant, 'none'>, number>;
  bareMs: number;
}

export async function measureDeployStepCpu(steps = 40, rounds = 5): Promise<DeployStepCpu> {
  const group = existsSync(CPUACCT) ? cgroup() : undefined;
  const samples: Record<Variant, number[]> = { none: [], 'node-supervisor': [], 'shell-supervisor': [] };
  try {
    // Interleaved, so that the machine's noise falls on every variant alike.
    for (let round = 0; round < rounds; round++) {
      for (const variant of VARIANTS) samples[variant].push((await runProbe(variant, steps, group)) / steps);
    }
  } finally {
    if (group) rmdirSync(group);
  }
  const bare = median(samples.none);
  return {
    counted: group ? 'cgroup' : 'probe',
    steps,
    rounds,
    bareMs: bare,
    perStepMs: {
      'node-supervisor': median(samples['node-supervisor']) - bare,
      'shell-supervisor': median(samples['shell-supervisor']) - bare,
    },
  };
}

export function deployStepCpuReport(cpu: DeployStepCpu): string {
  const before = cpu.perStepMs['node-supervisor'];
  const after = cpu.perStepMs['shell-supervisor'];
  return `## Deploy step supervision
CPU to start and supervise one deploy step, beyond the command itself: a no-op command (\`/bin/true\`) run
${cpu.steps} times in a row under each supervisor, ${cpu.rounds} rounds interleaved, medians, less the same command run
without one (${cpu.bareMs.toFixed(1)} ms a step, the probe's own start-up shared out).
Counted by ${cpu.counted === 'cgroup' ? "a cgroup holding every process involved (the shell supervisor's watcher too)" : "the probe's own and reaped children's CPU (no writable cgroup: the shell supervisor's watcher is not counted)"}.

| supervisor | CPU per deploy step |
|---|---|
| before: a Node process per step (0.1.0) | ${before.toFixed(1)} ms |
| after: \`/bin/sh\` in a session of its own, watching the worker's pipe | ${after.toFixed(1)} ms |
| before ÷ after | ${(before / after).toFixed(0)}× |
`;
}
