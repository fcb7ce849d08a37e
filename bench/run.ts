// npm run bench: measures the coordinator on a local Temporal dev server and writes bench/results.md.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevServer } from '../src/server/dev-server';
import { findTemporalCli } from '../src/server/locate-temporal-cli';
import { cdkReport, measureCdkDeploy, motoAvailable } from './cdk-deploy';
import { cliStartupReport, measureCliStartup } from './cli-startup';
import { deployStepCpuReport, measureDeployStepCpu } from './deploy-step-cpu';
import { type FanOutResult, measureFanOut } from './fan-out';
import { measureHandoff } from './handoff';
import { measurePostgresHandoff } from './postgres-handoff';
import { measureRunnerHandoff } from './runner-handoff';
import { median } from './stats';
import { freePort } from '../test/helpers/ports';

const HANDOFF_DEPLOYMENTS = Number(process.env.BENCH_HANDOFFS ?? 301);
const FAN_OUT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CDK_ROUNDS = Number(process.env.BENCH_CDK_ROUNDS ?? 6);
const RUNNER_DEPLOYMENTS = Number(process.env.BENCH_RUNNER_DEPLOYMENTS ?? 61);
const POLLING_QUEUE_INTERVAL_MS = 60_000;

const ms = (value: number) => `${value.toFixed(1)} ms`;

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
    console.error(`handoff, tuned server: ${HANDOFF_DEPLOYMENTS} deployments queued on one environment...`);
    const handoff = await measureHandoff(env, HANDOFF_DEPLOYMENTS);
    console.error(`  p50 ${ms(handoff.p50)}, p99 ${ms(handoff.p99)} over ${handoff.handoffs.length}`);
    console.error(`handoff, PostgreSQL-backed Temporal server: ${HANDOFF_DEPLOYMENTS} deployments...`);
    const postgres = await measurePostgresHandoff(HANDOFF_DEPLOYMENTS);
    console.error(postgres ? `  p50 ${ms(postgres.p50)}, p99 ${ms(postgres.p99)}` : '  skipped: no server build');
    console.error(`runner handoff: ${RUNNER_DEPLOYMENTS} deployctl run in one environment, 4 at a time...`);
    const runner = await measureRunnerHandoff(env, RUNNER_DEPLOYMENTS);
    console.error(`  p50 ${ms(runner.p50)}, p99 ${ms(runner.p99)} over ${runner.handoffs.length}`);
    const rounds: FanOutResult[] = [];
    const metricsRounds: FanOutResult[] = [];
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
      // Without and with metrics in turn, so that the machine's noise falls on both alike.
      for (const metrics of [false, true]) {
        console.error(
          `fan-out round ${round + 1}/${FAN_OUT_ROUNDS}${metrics ? ', metrics on' : ''}: 50 environments x 10 deployments...`,
        );
        const result = await measureFanOut(env, 50, 10, round, metrics ? metricsAddress : undefined);
        (metrics ? metricsRounds : rounds).push(result);
        console.error(`  ${ms(result.totalMs)}, worker peak RSS ${result.workerPeakRssMb.toFixed(0)} MiB`);
      }
    }
    const fanOutMedian = median(rounds.map((r) => r.totalMs));
    const metricsMedian = median(metricsRounds.map((r) => r.totalMs));
    let cdk = '## CDK deployments\nSkipped: moto is not installed (`bash scripts/ensure-moto.sh`).\n';
    if (motoAvailable()) {
      console.error(`cdk: ${CDK_ROUNDS} rounds of update + no changes, coordinator and cdk deploy directly...`);
      cdk = cdkReport(await measureCdkDeploy(env, CDK_ROUNDS));
      console.error(cdk);
    }
    console.error('deployctl start-up...');
    const startup = cliStartupReport(measureCliStartup(env.address));
    console.error(startup);
    const cli = findTemporalCli();
    const serverVersion = cli ? execFileSync(cli, ['--version']).toString().trim() : 'SDK cached download';
    const cpu = cpus();
    const report = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Shared, noisy machine: read medians and ratios.

## Machine
- CPU: ${cpu.length} × ${cpu[0]?.model ?? 'unknown'}
- Memory: ${(totalmem() / 2 ** 30).toFixed(0)} GiB
- Node ${process.version}; Temporal dev server: ${serverVersion} (SQLite in memory), on the same machine as the worker and the benchmark's client

## Handoff latency
From one deployment's deploy step ending to the next waiting deployment's deploy step starting, same environment,
timed inside the worker (activity interceptor). ${HANDOFF_DEPLOYMENTS} deployments queued at once, ${handoff.handoffs.length} handoffs.

| dev server | p50 | p99 | max | goal (p99) | a 60 s polling queue's interval ÷ p50 |
|---|---|---|---|---|---|
| tuned (\`FAST_HANDOFF_ARGS\`: what \`npm start\` and the tests run) | ${ms(handoff.p50)} | ${ms(handoff.p99)} | ${ms(handoff.max)} | < 250 ms | ${(POLLING_QUEUE_INTERVAL_MS / handoff.p50).toFixed(0)}× |
| server defaults | ${ms(handoffDefaults.p50)} | ${ms(handoffDefaults.p99)} | ${ms(handoffDefaults.max)} | < 250 ms | ${(POLLING_QUEUE_INTERVAL_MS / handoffDefaults.p50).toFixed(0)}× |
${postgres ? `| Temporal server ${postgres.version} on PostgreSQL ${postgres.postgresVersion} (docker-compose.yml's configuration and dynamic config, run natively) | ${ms(postgres.p50)} | ${ms(postgres.p99)} | ${ms(postgres.max)} | < 250 ms | ${(POLLING_QUEUE_INTERVAL_MS / postgres.p50).toFixed(0)}× |` : '| Temporal server on PostgreSQL | skipped: run `bash scripts/ensure-temporal-server.sh` | | | | |'}

A handoff crosses four server hops (release signal, lock workflow task, grant signal, deployment workflow task)
and one activity dispatch. With the server's defaults each hop waits for the transfer queue's poll (at most 20 a
second, \`history.transferProcessorMaxPollRPS\`); set it higher on a self-hosted server for the same gain. The deploy step here is a no-op (\`true\`), which ends
before the previous deployment's own last workflow tasks (its release acknowledged, its completion) have left that
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

Beyond the worker-side handoff, a runner-side one carries the runner's exit report (a signal), the next runner's
look at its deployment (every 100 ms once nobody else is ahead of it: 50 ms on average) and its claim (a signal,
then a query that confirms it) before the command starts.

## Many environments
50 environments × 10 deployments of a no-op deploy command, all requested at once; the worker is the real
\`dist/src/worker.js\` in its own process. ${FAN_OUT_ROUNDS} rounds.

| round | total | per deployment | worker peak RSS |
|---|---|---|---|
${rounds.map((r, i) => `| ${i + 1} | ${(r.totalMs / 1000).toFixed(1)} s | ${ms(r.totalMs / 500)} | ${r.workerPeakRssMb.toFixed(0)} MiB |`).join('\n')}
| **median** | **${(median(rounds.map((r) => r.totalMs)) / 1000).toFixed(1)} s** | | **${median(rounds.map((r) => r.workerPeakRssMb)).toFixed(0)} MiB** |

### The cost of metrics
The same fan-out with the worker serving Prometheus metrics (\`DEPLOY_METRICS_ADDRESS\`; the deployment metrics
recorded by every deployment and lock, one scrape at the end), each round run right after the one without.

| round | without metrics | with metrics | worker peak RSS without / with |
|---|---|---|---|
${rounds.map((r, i) => `| ${i + 1} | ${(r.totalMs / 1000).toFixed(1)} s | ${(metricsRounds[i]!.totalMs / 1000).toFixed(1)} s | ${r.workerPeakRssMb.toFixed(0)} / ${metricsRounds[i]!.workerPeakRssMb.toFixed(0)} MiB |`).join('\n')}
| **median** | **${(fanOutMedian / 1000).toFixed(1)} s** | **${(metricsMedian / 1000).toFixed(1)} s** (× ${(metricsMedian / fanOutMedian).toFixed(2)}) | **${median(rounds.map((r) => r.workerPeakRssMb)).toFixed(0)} / ${median(metricsRounds.map((r) => r.workerPeakRssMb)).toFixed(0)} MiB** |

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
