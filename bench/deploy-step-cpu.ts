// CPU that starting and supervising one deploy step costs, before (a Node supervisor per step) and after (a shell).
// Each variant runs a no-op command N times in a probe process; a cgroup of its own (cgroup v1 cpuacct, as root)
// counts every process involved, including the shell supervisor's watcher, which nobody reaps but init. Without a
// writable cgroup the probe's own count is used, which misses the watcher.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CpuAccount } from './process-usage';
import { median } from './stats';

const PROBE = join(__dirname, 'deploy-step-probe.js');
export const VARIANTS = ['none', 'node-supervisor', 'shell-supervisor'] as const;
type Variant = (typeof VARIANTS)[number];

async function runProbe(variant: Variant, steps: number, account: CpuAccount | undefined): Promise<number> {
  const probe = spawn(process.execPath, [PROBE, variant, String(steps)], { stdio: ['pipe', 'pipe', 'inherit'] });
  account?.add(probe.pid ?? 0);
  const usageBefore = account?.usageMs() ?? 0;
  const line = new Promise<string>((resolve) => createInterface({ input: probe.stdout }).once('line', resolve));
  probe.stdin.write('go\n');
  const report = JSON.parse(await line) as { selfAndReapedMs: number };
  await new Promise((resolve) => probe.once('close', resolve));
  if (!account) return report.selfAndReapedMs;
  // Orphaned watchers finish on their own within moments; wait until the account is empty.
  for (let i = 0; i < 100 && account.occupied(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return account.usageMs() - usageBefore;
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
  const account = CpuAccount.open('deploy-step-bench');
  const samples: Record<Variant, number[]> = { none: [], 'node-supervisor': [], 'shell-supervisor': [] };
  try {
    // Interleaved, so that the machine's noise falls on every variant alike.
    for (let round = 0; round < rounds; round++) {
      for (const variant of VARIANTS) samples[variant].push((await runProbe(variant, steps, account)) / steps);
    }
  } finally {
    account?.close();
  }
  const bare = median(samples.none);
  return {
    counted: account ? 'cgroup' : 'probe',
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
  const counted =
    cpu.counted === 'cgroup'
      ? "a cgroup holding every process involved (the shell supervisor's watcher too)"
      : "the probe's own and reaped children's CPU (no writable cgroup: the shell supervisor's watcher is not counted)";
  return `## Deploy step supervision
CPU to start and supervise one deploy step, beyond the command itself: a no-op command (\`/bin/true\`) run
${cpu.steps} times in a row under each supervisor, ${cpu.rounds} rounds interleaved, medians, less the same command run
without one (${cpu.bareMs.toFixed(1)} ms a step, the probe's own start-up shared out).
Counted by ${counted}.

| supervisor | CPU per deploy step |
|---|---|
| before: a Node process per step (0.1.0) | ${before.toFixed(1)} ms |
| after: \`/bin/sh\` in a session of its own, watching the worker's pipe | ${after.toFixed(1)} ms |
| before ÷ after | ${(before / after).toFixed(0)}× |
`;
}
