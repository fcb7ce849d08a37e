// Scale: thousands of deployments through one environment, a thousand environments at once, and the 50 x 10
// fan-out, each with the deploy steps under the shell supervisor (now) and under the former Node supervisor (before
// issue 5's change), interleaved so that the machine's noise falls on both alike. The figures go to bench/results.md.
import { cpus } from 'node:os';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../src/worker/launch-settings';
import { measureEngineFloor } from './engine-floor';
import { type FanOutResult, measureFanOut } from './fan-out';
import { measureOneEnvironment, type OneEnvironmentResult } from './one-environment';
import type { PartsCpu } from './process-usage';
import { median } from './stats';

export interface ScaleSettings {
  /** Deployments through one environment (now), and with the former supervisor (before). */
  oneEnvironment: number;
  oneEnvironmentBefore: number;
  /** Environments with one deployment each, all requested at once. */
  manyEnvironments: number;
  /** Rounds of the 50 x 10 fan-out, each now, before, now with metrics, and the engine's floor. */
  fanOutRounds: number;
  metricsAddress: string;
}

export interface ScaleResult {
  settings: ScaleSettings;
  oneEnvironment: OneEnvironmentResult;
  oneEnvironmentBefore?: OneEnvironmentResult;
  many: FanOutResult;
  manyBefore: FanOutResult;
  fanOut: FanOutResult[];
  fanOutBefore: FanOutResult[];
  fanOutMetrics: FanOutResult[];
  /** The same fan-out of bench/engine-floor's trivial workflows: wall times, in milliseconds. */
  fanOutFloorMs: number[];
}

const WAVE = 500;
const REFILL_BELOW = 100;

export async function measureScale(
  env: TestWorkflowEnvironment,
  bundle: string,
  settings: ScaleSettings,
  serverPid: number | undefined,
  progress: (line: string) => void,
): Promise<ScaleResult> {
  const server = serverPid === undefined ? {} : { serverPid };
  const fanOut: FanOutResult[] = [];
  const fanOutBefore: FanOutResult[] = [];
  const fanOutMetrics: FanOutResult[] = [];
  const fanOutFloorMs: number[] = [];
  for (let round = 0; round < settings.fanOutRounds; round++) {
    progress(`fan-out round ${round + 1}/${settings.fanOutRounds}, the engine's floor...`);
    const floor = await measureEngineFloor(env, { environments: 50, perEnvironment: 10, tag: `r${round}` });
    fanOutFloorMs.push(floor.totalMs);
    progress(`  ${seconds(floor.totalMs)}`);
    for (const variant of ['now', 'before', 'metrics'] as const) {
      progress(`fan-out round ${round + 1}/${settings.fanOutRounds}, ${variant}: 50 environments x 10 deployments...`);
      const result = await measureFanOut(env, bundle, {
        environments: 50,
        perEnvironment: 10,
        tag: `r${round}-${variant}`,
        nodeSupervisor: variant === 'before',
        ...(variant === 'metrics' ? { metricsAddress: settings.metricsAddress } : {}),
        ...server,
      });
      ({ now: fanOut, before: fanOutBefore, metrics: fanOutMetrics })[variant].push(result);
      progress(`  ${summary(result.totalMs, result.deployments, result.workerPeakRssMb)}`);
    }
  }
  const many: FanOutResult[] = [];
  for (const before of [false, true]) {
    progress(`many environments${before ? ', before' : ''}: ${settings.manyEnvironments} x 1...`);
    const result = await measureFanOut(env, bundle, {
      environments: settings.manyEnvironments,
      perEnvironment: 1,
      tag: `many${before ? '-before' : ''}`,
      nodeSupervisor: before,
      ...server,
    });
    many.push(result);
    progress(`  ${summary(result.totalMs, result.deployments, result.workerPeakRssMb)}`);
  }
  let oneEnvironmentBefore: OneEnvironmentResult | undefined;
  if (settings.oneEnvironmentBefore > 0) {
    progress(`one environment, before: ${settings.oneEnvironmentBefore} deployments in waves of ${WAVE}...`);
    oneEnvironmentBefore = await measureOneEnvironment(env, bundle, {
      deployments: settings.oneEnvironmentBefore,
      wave: WAVE,
      refillBelow: REFILL_BELOW,
      tag: 'before',
      nodeSupervisor: true,
      ...server,
    });
    progress(
      `  ${summary(oneEnvironmentBefore.totalMs, settings.oneEnvironmentBefore, oneEnvironmentBefore.workerPeakRssMb)}`,
    );
  }
  progress(`one environment: ${settings.oneEnvironment} deployments in waves of ${WAVE}...`);
  const oneEnvironment = await measureOneEnvironment(env, bundle, {
    deployments: settings.oneEnvironment,
    wave: WAVE,
    refillBelow: REFILL_BELOW,
    tag: 'now',
    ...server,
  });
  progress(`  ${summary(oneEnvironment.totalMs, settings.oneEnvironment, oneEnvironment.workerPeakRssMb)}`);
  return {
    settings,
    oneEnvironment,
    ...(oneEnvironmentBefore ? { oneEnvironmentBefore } : {}),
    many: many[0]!,
    manyBefore: many[1]!,
    fanOut,
    fanOutBefore,
    fanOutMetrics,
    fanOutFloorMs,
  };
}

function summary(totalMs: number, deployments: number, rssMb: number): string {
  return (
    `${seconds(totalMs)}, ${(totalMs / deployments).toFixed(1)} ms a deployment, ` +
    `worker peak RSS ${rssMb.toFixed(0)} MiB`
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const mib = (value: number) => `${value.toFixed(0)} MiB`;

/** CPU per deployment, by part, as table cells: worker, steps, server, client, total. */
function cpuCells(cpu: PartsCpu, deployments: number): string {
  const parts = [cpu.worker, cpu.steps, cpu.server ?? Number.NaN, cpu.client];
  const total = parts.reduce((sum, part) => sum + (Number.isNaN(part) ? 0 : part), 0);
  return [...parts, total].map((part) => (Number.isNaN(part) ? 'n/a' : ms(part / deployments))).join(' | ');
}

/** The run whose total time is the median of the rounds (its CPU and memory go with it). */
function medianRun(runs: readonly FanOutResult[]): FanOutResult {
  const time = median(runs.map((run) => run.totalMs));
  return runs.find((run) => run.totalMs === time)!;
}

export function scaleReport(result: ScaleResult): string {
  const { settings, oneEnvironment: one, oneEnvironmentBefore: oneBefore, many, manyBefore } = result;
  const fanOut = medianRun(result.fanOut);
  const fanOutBefore = medianRun(result.fanOutBefore);
  const fanOutMetrics = medianRun(result.fanOutMetrics);
  const oneRow = (label: string, run: OneEnvironmentResult) =>
    `| ${label} | ${run.options.deployments} | ${seconds(run.totalMs)} | ${ms(run.p50)} | ${ms(run.p99)} | ` +
    `${(run.lockEvents / run.handoffs).toFixed(1)} (${run.lockRuns} runs) | ${mib(run.workerPeakRssMb)} |`;
  const manyRow = (label: string, run: FanOutResult, goalMs: number) =>
    `| ${label} | ${run.deployments} | ${seconds(run.totalMs)} | ${ms(run.totalMs / run.deployments)} | ` +
    `${mib(run.workerPeakRssMb)} | ${run.totalMs < goalMs ? 'met' : 'missed'} |`;
  const cpuRow = (label: string, run: { cpu: PartsCpu }, deployments: number) =>
    `| ${label} | ${cpuCells(run.cpu, deployments)} |`;
  const roundRow = (run: FanOutResult, i: number) =>
    `| ${i + 1} | ${seconds(run.totalMs)} | ${seconds(result.fanOutBefore[i]!.totalMs)} | ` +
    `${seconds(result.fanOutMetrics[i]!.totalMs)} | ${seconds(result.fanOutFloorMs[i]!)} |`;
  const manyGoal = `goal (${settings.manyEnvironments} × 1 < 2 min, 50 × 10 < 30 s)`;
  const stepsCounted =
    fanOut.cpu.counted === 'cgroup'
      ? 'supervisor, command and watcher: a cgroup holds all the worker starts'
      : "the processes the worker reaped: no writable cgroup, the supervisor's watcher is not counted";
  const oneBeforeCpu = oneBefore
    ? cpuRow(`one environment, before (${oneBefore.options.deployments})`, oneBefore, oneBefore.options.deployments)
    : '';
  const launchEnv = Object.entries(WORKER_ENV)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return `## Scale
The real worker (\`dist/src/worker.js\`, started as the image starts it, with \`${WORKER_NODE_FLAGS.join(' ')}\` and
\`${launchEnv}\`; default
settings: see "Sizing a worker" in docs/operating.md) in its own process, the tuned dev server, the benchmark's
client: all on this machine's ${cpus().length} cores. Every deploy command is a no-op; "before" runs each one under the
former Node supervisor (\`bench/baseline/node-supervisor.js\`, a Node process per step), "now" under the shell one.
Goal: worker peak RSS under 350 MiB in every run.

### One environment, thousands of deployments
Requested in waves of ${WAVE} (the next wave when fewer than ${REFILL_BELOW} are left waiting), through one lock that
continues as new as it goes. The handoff is from one deploy command's exit to the next one's start, as the commands
stamp them (\`sh\` and \`date\`, in nanoseconds). Every command ran exactly once, none overlapped, all succeeded.
The lock's events are those of all its runs together, each request's arrival included, divided by the handoffs.

| run | deployments | total | handoff p50 | handoff p99 | lock events per handoff (goal ≤ 12) | worker peak RSS |
|---|---|---|---|---|---|---|
${oneRow('now', one)}
${oneBefore ? oneRow('before', oneBefore) : '| before | not run | | | | | |'}

The handoff by thousand, now (flat if the lock's cost does not grow with its history):

| handoffs | p50 | p99 |
|---|---|---|
${one.slices.map((slice) => `| ${slice.from}–${slice.to} | ${ms(slice.p50)} | ${ms(slice.p99)} |`).join('\n')}
| first ÷ last thousand (p50) | ${(one.slices[0]!.p50 / one.slices[one.slices.length - 1]!.p50).toFixed(2)} | |

### Many environments at once
| run | deployments | total | per deployment | worker peak RSS | ${manyGoal} |
|---|---|---|---|---|---|
${manyRow(`${settings.manyEnvironments} × 1, now`, many, 120_000)}
${manyRow(`${settings.manyEnvironments} × 1, before`, manyBefore, 120_000)}
${manyRow(`50 × 10, now (median of ${result.fanOut.length})`, fanOut, 30_000)}
${manyRow(`50 × 10, before (median of ${result.fanOutBefore.length})`, fanOutBefore, 30_000)}
${manyRow(`50 × 10, now, metrics served (median of ${result.fanOutMetrics.length})`, fanOutMetrics, 30_000)}

The 50 × 10 rounds (each round ran the floor, then now, before, and now with metrics). The engine's floor is the
same fan-out of \`bench/engine-floor\`'s few lines of workflow code (a lock that grants by signal, deployments that
run one step and give the turn back by signal), its worker in the benchmark's own process, with the worker's tuning:
median ${seconds(median(result.fanOutFloorMs))}, the coordinator ${(fanOut.totalMs / median(result.fanOutFloorMs)).toFixed(2)}× that.

| round | now | before | now, metrics served | the engine's floor |
|---|---|---|---|---|
${result.fanOut.map(roundRow).join('\n')}

### What a deployment costs
CPU per deployment while the run lasted, by process: the worker (workflows, activities, the SDK's core), the deploy
steps (${stepsCounted}),
the Temporal dev server, and the benchmark's client that requests and awaits them.

| run | worker | deploy steps | server | client | total |
|---|---|---|---|---|---|
${cpuRow(`one environment, now (${one.options.deployments})`, one, one.options.deployments)}
${oneBeforeCpu}
${cpuRow(`${settings.manyEnvironments} × 1, now`, many, many.deployments)}
${cpuRow(`${settings.manyEnvironments} × 1, before`, manyBefore, manyBefore.deployments)}
${cpuRow('50 × 10, now (the median round)', fanOut, fanOut.deployments)}
${cpuRow('50 × 10, before (the median round)', fanOutBefore, fanOutBefore.deployments)}
`;
}
