// Starts the coordinator: an embedded Temporal dev server when TEMPORAL_ADDRESS is unset, then the worker.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, configPath, loadConfig } from './config/deploy-config';
import { createWorker } from './worker/create-worker';
import { startDevServer } from './worker/dev-server';
import { logger } from './process/logger';
import { installRuntime, metricsAddressProblem } from './worker/runtime';
import { createSlackClient } from './activities/slack-client';
import { GitHubClients } from './activities/github-client';
import { type GitHubCredentials, githubCredentials } from './activities/github-credentials';
import { ensureSearchAttributes } from './worker/ensure-search-attributes';
import { taskQueueName } from './connection/task-queue';
import { connectClient, temporalTarget } from './connection/temporal-target';
import { DEFAULT_SHUTDOWN_GRACE, Drain } from './process/drain';
import { parseDuration } from './domain/durations';
import { present } from './domain/present';
import { workerTuning } from './worker/tuning';

const DATA_DIR = resolve(process.env.DEPLOY_DATA_DIR ?? '.data');

async function startEmbeddedServer() {
  mkdirSync(DATA_DIR, { recursive: true });
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const env = await startDevServer({ dbFilename: resolve(DATA_DIR, 'temporal.db'), port, uiPort });
  logger.info({ address: env.address, ui: `http://localhost:${uiPort}` }, 'Embedded Temporal dev server started');
  return {
    connection: env.connection,
    nativeConnection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    uiUrl: `http://localhost:${uiPort}`,
    stop: () => env.teardown(),
  };
}

async function connectToServer() {
  const { target, options } = temporalTarget();
  const { connection } = await connectClient();
  const nativeConnection = await NativeConnection.connect({ ...options.connectionOptions, address: target.address });
  return {
    connection,
    nativeConnection,
    namespace: target.namespace,
    uiUrl: process.env.TEMPORAL_UI_URL ?? '(the Web UI of your Temporal server)',
    stop: async () => {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

async function main(): Promise<number> {
  let config;
  const grace = process.env.DEPLOY_SHUTDOWN_GRACE || DEFAULT_SHUTDOWN_GRACE;
  const shutdownGraceMs = parseDuration(grace);
  if (shutdownGraceMs === undefined) {
    process.stderr.write(
      `deployment-coordinator: invalid DEPLOY_SHUTDOWN_GRACE ${JSON.stringify(grace)}: ` +
        'use a number and a unit, e.g. 30s, 15m\n',
    );
    return 64;
  }
  const metricsAddress = process.env.DEPLOY_METRICS_ADDRESS || undefined;
  const badAddress = metricsAddress === undefined ? undefined : metricsAddressProblem(metricsAddress);
  if (badAddress !== undefined) {
    process.stderr.write(`deployment-coordinator: ${badAddress}\n`);
    return 64;
  }
  const tuned = workerTuning(process.env);
  if ('problem' in tuned) {
    process.stderr.write(`deployment-coordinator: ${tuned.problem}\n`);
    return 64;
  }
  let github: GitHubCredentials | undefined;
  try {
    config = loadConfig(configPath(process.argv[2]));
    github = githubCredentials();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`deployment-coordinator: ${err.message}\n`);
      return 64;
    }
    throw err;
  }
  installRuntime(present({ metricsAddress }));
  if (metricsAddress) logger.info({ metrics: `http://${metricsAddress}/metrics` }, 'Serving Prometheus metrics');
  const server = process.env.TEMPORAL_ADDRESS ? await connectToServer() : await startEmbeddedServer();
  try {
    const added = await ensureSearchAttributes(server.connection, server.namespace).catch((err: unknown) => {
      logger.warn({ error: String(err) }, 'Could not add search attributes; add them on the server by hand');
      return [];
    });
    if (added.length > 0) logger.info({ added }, 'Added search attributes');
    const slack = createSlackClient();
    if (!slack) logger.info('Slack is off (no SLACK_BOT_TOKEN): notifications go to this log');
    if (!github) logger.info('GitHub deployments are off (no DEPLOY_GITHUB_TOKEN or DEPLOY_GITHUB_APP_ID)');
    const taskQueue = taskQueueName();
    const drain = new Drain();
    const worker = await createWorker({
      drain: drain.signals,
      shutdownGraceMs,
      tuning: tuned.tuning,
      connection: server.nativeConnection,
      client: new Client({ connection: server.connection, namespace: server.namespace }),
      namespace: server.namespace,
      taskQueue,
      config,
      ...present({ slack, github: github && new GitHubClients(github, config.github.apiUrl) }),
      ...prebuiltWorkflowBundle(),
    });
    logger.info(
      {
        taskQueue,
        namespace: server.namespace,
        environments: Object.keys(config.environments),
        // What the process was started with (src/worker/launch-settings.ts): one started otherwise grows further.
        heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
        mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? 'default',
      },
      `Worker running. Web UI: ${server.uiUrl}`,
    );
    process.stdout.write(`\nDeployment coordinator is running. Web UI: ${server.uiUrl}\n\n`);
    const onSignal = (signal: NodeJS.Signals) => {
      if (drain.next() === 'drain') {
        logger.info(
          { signal, graceMs: shutdownGraceMs },
          'Draining: no new work; running deploy steps may finish within the grace period (send it again to stop now)',
        );
        worker.shutdown();
      } else {
        logger.warn({ signal }, 'Stopping now: running deploy steps are stopped');
      }
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
    // Worker.run resolves once the drain is over: every running activity has ended or been handed over.
    await worker.run();
    logger.info('Worker stopped');
    return 0;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    logger.error({ error: err instanceof Error ? err.message : String(err) }, 'Worker stopped');
    process.exit(1);
  },
);

/**
 * DEPLOY_WORKFLOW_BUNDLE: a workflow bundle built ahead (node dist/src/worker/workflow-bundle.js FILE, from the same
 * build), so that a worker starts in about a second instead of bundling for several: what rolling restarts want.
 */
function prebuiltWorkflowBundle(): { workflowBundle?: { codePath: string } } {
  const codePath = process.env.DEPLOY_WORKFLOW_BUNDLE;
  return codePath ? { workflowBundle: { codePath: resolve(codePath) } } : {};
}
