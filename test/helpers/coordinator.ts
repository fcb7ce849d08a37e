import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { WebClient } from '@slack/web-api';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { CloudFormationFor } from '../../src/activities/cloudformation';
import { parseConfig } from '../../src/config/deploy-config';
import { createWorker } from '../../src/worker/create-worker';
import { deploymentWorkflowId, lockWorkflowId } from '../../src/contract/names';
import type { deployment } from '../../src/workflows';
import {
  type DeploymentInput,
  type DeploymentResult,
  queueQuery,
  type QueueView,
  type TurnRequest,
} from '../../src/contract';
import { type CliTarget, writeConfig } from './cli';
import { startServer } from './server';
import { deploymentResult } from '../../src/client/follow';

/**
 * A deployment's result, however its workflow closed (a failed deployment fails the workflow, with the result in
 * its details): what deployctl reads.
 */
export function outcome(handle: WorkflowHandle<typeof deployment>): Promise<DeploymentResult> {
  const [, environment = ''] = handle.workflowId.split('/');
  return deploymentResult(handle, environment);
}

export const DEPLOY_STEP = join(__dirname, '..', 'fixtures', 'deploy-step.js');

export interface RunRecord {
  event: 'start' | 'end' | 'terminated' | 'sigterm-ignored';
  at: number;
  pid: number;
  correlationId: string;
  environment: string;
  stackName: string;
  ref: string;
}

/** A file the deploy-step fixture records its runs into. */
export function runLog(): string {
  return join(tmpdir(), `deploy-runs-${randomUUID()}.jsonl`);
}

export function readRuns(path: string): RunRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RunRecord);
}

/** Config document for one environment whose deploy step is the fixture (held while `holds` has its ID). */
export function environmentDocument(
  log: string,
  overrides: Record<string, unknown> = {},
  sleepMs = 200,
  holds?: Holds,
) {
  const hold = holds ? ['--hold-dir', holds.dir] : [];
  return {
    stackName: 'TestStack',
    lockWaitTimeout: '5m',
    expectedDuration: '1m',
    livenessCheckInterval: '60s',
    deploy: { type: 'command', command: ['node', DEPLOY_STEP, '--log', log, '--sleep', String(sleepMs), ...hold] },
    ...overrides,
  };
}

/** Keeps chosen deployments' fixture runs going until released. */
export class Holds {
  readonly dir = mkdtempSync(join(tmpdir(), 'deploy-holds-'));
  hold(correlationId: string): void {
    writeFileSync(join(this.dir, correlationId), '');
  }
  release(correlationId: string): void {
    rmSync(join(this.dir, correlationId), { force: true });
  }
}

export interface Coordinator {
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A real worker of the coordinator on the test server, with a config built from `environments`. */
export interface CoordinatorOptions {
  /** Top-level config keys besides the environments (slack). */
  config?: Record<string, unknown>;
  slack?: WebClient;
  cloudFormationFor?: CloudFormationFor;
}

export async function startCoordinator(
  env: TestWorkflowEnvironment,
  environments: Record<string, unknown>,
  options: CoordinatorOptions = {},
): Promise<Coordinator> {
  const taskQueue = `deployments-${randomUUID()}`;
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const worker = await createWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: env.namespace ?? 'default',
    taskQueue,
    config: parseConfig({ ...options.config, environments }),
    ...(options.slack ? { slack: options.slack } : {}),
    ...(options.cloudFormationFor ? { cloudFormationFor: options.cloudFormationFor } : {}),
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

export function startDeployment(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  input: Partial<DeploymentInput> & { environment: string; correlationId: string },
): Promise<WorkflowHandle<typeof deployment>> {
  return env.client.workflow.start('deployment', {
    taskQueue,
    workflowId: deploymentWorkflowId(input.environment, input.correlationId),
    args: [{ priority: 'normal', ...input }],
  }) as Promise<WorkflowHandle<typeof deployment>>;
}

/** Polls until `check` returns a value, for states that arrive asynchronously (a queue filling up). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the environment's queue satisfies `check`; returns that view. */
export function queueWhen(
  env: TestWorkflowEnvironment,
  environment: string,
  check: (view: QueueView) => boolean,
  timeoutMs?: number,
): Promise<QueueView> {
  return eventually(async () => {
    const view = await env.client.workflow.getHandle(lockWorkflowId(environment)).query(queueQuery);
    return check(view) ? view : undefined;
  }, timeoutMs);
}

/** Start and end time of each correlation ID's run, in the order the runs started. */
export function runIntervals(
  path: string,
): Array<{ correlationId: string; start: number; end?: number; terminated?: number }> {
  const byId = new Map<string, { correlationId: string; start: number; end?: number; terminated?: number }>();
  for (const run of readRuns(path)) {
    const entry = byId.get(run.correlationId) ?? { correlationId: run.correlationId, start: run.at };
    if (run.event === 'start') entry.start = run.at;
    if (run.event === 'end') entry.end = run.at;
    if (run.event === 'terminated') entry.terminated = run.at;
    byId.set(run.correlationId, entry);
  }
  return [...byId.values()].sort((a, b) => a.start - b.start);
}

/** Waits until the fixture has recorded `event` for a correlation ID; returns that record. */
export function waitForRun(
  log: string,
  correlationId: string,
  event: RunRecord['event'] = 'start',
): Promise<RunRecord> {
  return eventually(async () =>
    readRuns(log).find((run) => run.correlationId === correlationId && run.event === event),
  );
}

export interface TestCoordinator {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** deployctl pointed at this server and worker, with a config file of the same environments. */
  cli: CliTarget;
  deploy(
    input: Partial<DeploymentInput> & { environment: string; correlationId: string },
  ): Promise<WorkflowHandle<typeof deployment>>;
  queueWhen(environment: string, check: (view: QueueView) => boolean, timeoutMs?: number): Promise<QueueView>;
}

/** For one test file: a real dev server and a worker serving `environments`, both stopped after the file. */
export function useCoordinator(
  environments: Record<string, unknown>,
  options: {
    serverArgs?: string[];
    config?: Record<string, unknown>;
    slack?: () => WebClient;
    cloudFormationFor?: CloudFormationFor;
  } = {},
): TestCoordinator {
  let stop = async () => undefined as void;
  const context: TestCoordinator = {
    env: undefined as unknown as TestWorkflowEnvironment,
    taskQueue: '',
    cli: { address: '', taskQueue: '', configPath: '' },
    deploy: (input) => startDeployment(context.env, context.taskQueue, input),
    queueWhen: (environment, check, timeoutMs) => queueWhen(context.env, environment, check, timeoutMs),
  };
  beforeAll(async () => {
    const env = await startServer(options.serverArgs);
    const slack = options.slack?.();
    const coordinator = await startCoordinator(env, environments, {
      ...(options.config ? { config: options.config } : {}),
      ...(slack ? { slack } : {}),
      ...(options.cloudFormationFor ? { cloudFormationFor: options.cloudFormationFor } : {}),
    }).catch(async (err: unknown) => {
      await env.teardown();
      throw err;
    });
    stop = async () => {
      await coordinator.stop();
      await env.teardown();
    };
    context.env = env;
    context.taskQueue = coordinator.taskQueue;
    context.cli = {
      address: env.address,
      taskQueue: coordinator.taskQueue,
      configPath: writeConfig(environments, options.config),
    };
  });
  afterAll(() => stop());
  return context;
}

/** A turn request as a deployment's activity sends it, for tests that speak to the lock directly. */
export function turnRequest(workflowId: string, overrides: Partial<TurnRequest> = {}): TurnRequest {
  return {
    workflowId,
    runId: 'run-1',
    correlationId: workflowId.split('/').pop() ?? workflowId,
    stackName: 'TestStack',
    priority: 'normal',
    requestedAt: Date.now(),
    queueMode: 'queue',
    livenessCheckIntervalMs: 60_000,
    expectedDurationMs: 60_000,
    revokeWaitMs: 70_000,
    notices: { to: 'log' },
    ...overrides,
  };
}

/** Alive and not a zombie waiting for its new parent to collect its exit status (Linux). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}
