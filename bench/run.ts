// npm run bench: measures the coordinator on a local Temporal dev server and writes bench/results.md.
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevServer } from '../src/worker/dev-server';
import { findTemporalCli } from '../src/worker/locate-temporal-cli';
import { cdkReport, measureCdkDeploy, motoAvailable } from './cdk-deploy';
import { cliStartupReport, measureCliStartup } from './cli-startup';
import { deployStepCpuReport, measureDeployStepCpu } from './deploy-step-cpu';
import { measureEngineFloor } from './engine-floor';
import { type HandoffResult, measureHandoff } from './handoff';
import { measurePostgresHandoff } from './postgres-handoff';
import { measureRunnerHandoff } from './runner-handoff';
import { measureScale, scaleReport } from './scale';
import { childrenNamed } from './process-usage';
import { writeWorkflowBundle } from '../src/worker/workflow-bundle';
import { QUIET_BUNDLER } from '../test/helpers/quiet-bundler';
import { freePort } from '../test/helpers/ports';

const HANDOFF_DEPLOYMENTS = Number(process.env.BENCH_HANDOFFS ?? 301);
const FAN_OUT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONE_ENVIRONMENT = Number(process.env.BENCH_ONE_ENVIRONMENT ?? 10_000);
const ONE_ENVIRONMENT_BEFORE = Number(process.env.BENCH_ONE_ENVIRONMENT_BEFORE ?? 1000);
const MANY_ENVIRONMENTS = Number(process.env.BENCH_MANY_ENVIRONMENTS ?? 1000);
const CDK_ROUNDS = Number(process.env.BENCH_CDK_ROUNDS ?? 6);
const RUNNER_DEPLOYMENTS = Number(process.env.BENCH_RUNNER_DEPLOYMENTS ?? 61);
const POLLING_QUEUE_INTERVAL_MS = 60_000;

const ms = (value: number) => `${value.toFixed(1)} ms`;

function handoffRow(server: string, result: HandoffResult, goalMs: number): string {
  const { p50, p99, max, commands } = result;
  const goal = `< ${goalMs} ms (${p99 < goalMs ? 'met' : 'missed'})`;
  const ratio = `${(POLLING_QUEUE_INTERVAL_MS / p50).toFixed(0)}×`;
  return (
    `| ${server} | ${ms(p50)} | ${ms(p99)} | ${ms(max)} | ${goal} | ` +
    `${ms(commands.p50)} / ${ms(commands.p99)} | ${ratio} |`
  );
}

const HANDOFF_HEADER =
  '| dev server | p50 | p99 | max | goal (p99) | command exit → next command start: p50 / p99 | ' +
  "a 60 s polling queue's interval ÷ p50 |";

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.error('deploy step supervision: CPU per step, before and after...');
  const stepCpu = deployStepCpuReport(await measureDeployStepCpu());
  console.error(stepCpu);
  console.error(`handoff, server defaults: ${HANDOFF_DEPLOYMENTS} deployments queued on one environment...`);
  const untuned = await startDevServer({ defaultTuning: true });
  const handoffDefaults = await measureHandoff(untuned, HANDOFF_DEPLOYMENTS).finally(() => untuned.teardown());
  console.error(`  p50 ${ms(handoffDefaults.p50)}, p99 ${ms(handoffDefaults.p99)}`);
  const env = await startDevServer();
  try {
    const serverPid = childrenNamed(process.pid, 'temporal')[0];
    const bundle = join(mkdtempSync(join(tmpdir(), 'bench-bundle-')), 'workflows.js');
    await writeWorkflowBundle(bundle, QUIET_BUNDLER);
    console.error(`handoff, tuned server: ${HANDOFF_DEPLOYMENTS} deployments queued on one environment...`);
    const handoff = await measureHandoff(env, HANDOFF_DEPLOYMENTS);
    console.error(`  p50 ${ms(handoff.p50)}, p99 ${ms(handoff.p99)} over ${handoff.handoffs.length}`);
    console.error(`handoff, the engine's floor: ${HANDOFF_DEPLOYMENTS} trivial deployments on one lock...`);
    const floor = await measureEngineFloor(env, {
      environments: 1,
      perEnvironment: HANDOFF_DEPLOYMENTS,
      tag: 'handoff',
    });
    console.error(`  p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)}`);
    console.error(`handoff, PostgreSQL-backed Temporal server: ${HANDOFF_DEPLOYMENTS} deployments...`);
    const postgres = await measurePostgresHandoff(HANDOFF_DEPLOYMENTS);
    console.error(postgres ? `  p50 ${ms(postgres.p50)}, p99 ${ms(postgres.p99)}` : '  skipped: no server build');
    console.error(`runner handoff: ${RUNNER_DEPLOYMENTS} deployctl run in one environment, 4 at a time...`);
    const runner = await measureRunnerHandoff(env, RUNNER_DEPLOYMENTS);
    console.error(`  p50 ${ms(runner.p50)}, p99 ${ms(runner.p99)} over ${runner.handoffs.length}`);
    const scale = await measureScale(
      env,
      bundle,
      {
        oneEnvironment: ONE_ENVIRONMENT,
        oneEnvironmentBefore: ONE_ENVIRONMENT_BEFORE,
        manyEnvironments: MANY_ENVIRONMENTS,
        fanOutRounds: FAN_OUT_ROUNDS,
        metricsAddress: `127.0.0.1:${await freePort()}`,
      },
      serverPid,
      (line) => console.error(line),
    );
    let cdk = '## CDK deployments\nSkipped: moto is not installed (`bash scripts/ensure-moto.sh`).\n';
    if (motoAvailable()) {
      console.error(`cdk: ${CDK_ROUNDS} rounds of update + no changes, coordinator and cdk deploy directly...`);
      cdk = cdkReport(await measureCdkDeploy(env, CDK_ROUNDS));
      console.error(cdk);
    }
    console.error('deployctl start-up...');
    const startup = cliStartupReport(await measureCliStartup(env.address));
    console.error(startup);
    const cli = findTemporalCli();
    const serverVersion = cli ? execFileSync(cli, ['--version']).toString().trim() : 'SDK cached download';
    const cpu = cpus();
    const postgresRow = postgres
      ? handoffRow(
          `Temporal server ${postgres.version} on PostgreSQL ${postgres.postgresVersion} ` +
            "(docker-compose.yml's configuration and dynamic config, run natively)",
          postgres,
          250,
        )
      : '| Temporal server on PostgreSQL | skipped: run `bash scripts/ensure-temporal-server.sh` | | | | | |';
    const report = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Shared, noisy machine: read medians and
ratios.

## Machine
- CPU: ${cpu.length} × ${cpu[0]?.model ?? 'unknown'}
- Memory: ${(totalmem() / 2 ** 30).toFixed(0)} GiB
- Node ${process.version}; Temporal dev server: ${serverVersion} (SQLite in memory), on the same machine as the worker
  and the benchmark's client

## Handoff latency
From one deployment's deploy step ending to the next waiting deployment's deploy step starting, same environment,
timed inside the worker (activity interceptor); beside it, from the deploy command's exit to the next command's
start, as the commands stamp them (\`sh\` and \`date\`, in nanoseconds): that adds the supervisor's start and the
command's own exit. ${HANDOFF_DEPLOYMENTS} deployments queued at once, ${handoff.handoffs.length} handoffs.

${HANDOFF_HEADER}
|---|---|---|---|---|---|---|
${handoffRow('tuned (`FAST_HANDOFF_ARGS`: what `npm start` and the tests run)', handoff, 100)}
| the engine's floor, tuned (\`bench/engine-floor\`) | ${ms(floor.p50)} | ${ms(floor.p99)} | ${ms(Math.max(...floor.handoffs))} | | | |
${handoffRow('server defaults', handoffDefaults, 250)}
${postgresRow}

A handoff crosses four server hops (the release, sent from the deployment's local activity; the lock's
workflow task; the grant signal; the next deployment's workflow task)
and one activity dispatch. The engine's floor crosses the same hops with a few lines of workflow code (a lock that
grants by signal, deployments that run one step and give the turn back by signal), on the same server with the same
SDK, worker tuning and deploy command: the coordinator's p50 is ${(handoff.p50 / floor.p50).toFixed(2)}× the floor's. The floor runs after the
coordinator's handoffs, on the same server. With the server's defaults each hop waits for the transfer queue's poll (at most 20 a
second, \`history.transferProcessorMaxPollRPS\`); set it higher on a self-hosted server for the same gain. The
deploy step here is a no-op (it only stamps the time), which ends
before the previous deployment's own last workflow task (its completion) has left that
rate-limited queue, so the server-defaults row also measures that contention: with a 0.6 s step the same server
hands off in about 80 ms (p50, old and new supervisor alike).

## Handoff between runner-side deploys
From one \`deployctl run\` command's end to the next one's start, same environment (tuned dev server), as CI sees
it: each \`deployctl run\` a process of the built CLI, four at a time (one running, three waiting; every handoff is
checked to have had its next deployment already waiting), ${RUNNER_DEPLOYMENTS} deployments, ${runner.handoffs.length}
handoffs. The commands stamp their own start and end (a shell, in nanoseconds) and run 1.5 s each.

| p50 | p99 | max | worker-side handoff p50 (above) |
|---|---|---|---|
| ${ms(runner.p50)} | ${ms(runner.p99)} | ${ms(runner.max)} | ${ms(handoff.p50)} |

Beyond the worker-side handoff, a runner-side one carries the runner's exit report (a signal) and the next runner's
claim: its \`runnerClaimTurn\` update, sent as it starts waiting and answered in the workflow task that opens its step,
and the update's answer back to the runner before the command starts.

${scaleReport(scale)}
${stepCpu}
${startup}
${cdk}`;
    writeFileSync(join(__dirname, '..', '..', 'bench', 'results.md'), report);
    console.log(report);
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
