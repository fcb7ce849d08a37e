// Idle environments: E environments deploy once each, then sit idle. What the real worker still holds 30 s later,
// with locks that end when idle (idleLockTimeout) and with locks that stay: the workflows in its cache (the SDK's
// temporal_sticky_cache_size), the locks still running, its memory now and at its peak.
// node dist/bench/idle-environments.js [environments, default 300]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { deploymentWorkflowId } from '../src/contract/names';
import { startDevServer } from '../src/worker/dev-server';
import { writeWorkflowBundle } from '../src/worker/workflow-bundle';
import { QUIET_BUNDLER } from '../test/helpers/quiet-bundler';
import { freePort } from '../test/helpers/ports';
import { noOpEnvironment, startBenchWorker } from './bench-worker';
import { peakRssMb, rssMb } from './process-usage';

export interface IdleResult {
  idleLockTimeout: string;
  environments: number;
  cachedWorkflows: number;
  runningLocks: number;
  rssMb: number;
  peakRssMb: number;
}

export async function measureIdleEnvironments(
  env: TestWorkflowEnvironment,
  bundle: string,
  options: { environments: number; idleLockTimeout: string; tag: string; idleForMs: number },
): Promise<IdleResult> {
  const names = Array.from({ length: options.environments }, (_, i) => `idle-${options.tag}-${i}`);
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const worker = await startBenchWorker(env, {
    environments: Object.fromEntries(
      names.map((name) => [
        name,
        { ...noOpEnvironment(`Stack-${name}`, ['true']), idleLockTimeout: options.idleLockTimeout },
      ]),
    ),
    taskQueue: `bench-idle-${options.tag}`,
    bundle,
    env: { DEPLOY_METRICS_ADDRESS: metricsAddress },
  });
  try {
    const handles = await Promise.all(
      names.map((environment) =>
        env.client.workflow.start('deployment', {
          taskQueue: `bench-idle-${options.tag}`,
          workflowId: deploymentWorkflowId(environment, `idle-${options.tag}`),
          args: [{ environment, correlationId: `idle-${options.tag}`, priority: 'normal' }],
        }),
      ),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    await new Promise((resolve) => setTimeout(resolve, options.idleForMs));
    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    const cached = /^temporal_sticky_cache_size\{[^}]*\} (\d+)/m.exec(metrics)?.[1];
    let runningLocks = 0;
    const query = `WorkflowType = 'environmentLock' AND ExecutionStatus = 'Running' AND TaskQueue = 'bench-idle-${options.tag}'`;
    for await (const _execution of env.client.workflow.list({ query })) runningLocks += 1;
    return {
      idleLockTimeout: options.idleLockTimeout,
      environments: options.environments,
      cachedWorkflows: Number(cached ?? Number.NaN),
      runningLocks,
      rssMb: rssMb(worker.pid),
      peakRssMb: peakRssMb(worker.pid),
    };
  } finally {
    await worker.stop();
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const environments = Number(process.argv[2] ?? 300);
  const bundle = join(mkdtempSync(join(tmpdir(), 'bench-idle-')), 'workflows.js');
  await writeWorkflowBundle(bundle, QUIET_BUNDLER);
  const rows: IdleResult[] = [];
  for (const [round, idleLockTimeout] of ['5s', '1h', '5s', '1h'].entries()) {
    const env = await startDevServer();
    try {
      rows.push(
        await measureIdleEnvironments(env, bundle, {
          environments,
          idleLockTimeout,
          tag: `r${round}`,
          idleForMs: 30_000,
        }),
      );
    } finally {
      await env.teardown();
    }
  }
  console.log(
    '| idleLockTimeout | environments | workflows cached 30 s later | locks running | worker RSS then | peak |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.idleLockTimeout} | ${row.environments} | ${row.cachedWorkflows} | ${row.runningLocks} | ` +
        `${row.rssMb.toFixed(0)} MiB | ${row.peakRssMb.toFixed(0)} MiB |`,
    );
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
