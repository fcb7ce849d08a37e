// A chaos run: the real coordinator (a Temporal dev server on a database file, worker processes, deployctl) under a
// seeded schedule of requests and faults, then the invariants checked on what happened.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { deploymentResult } from '../../src/client/follow';
import { queueQuery } from '../../src/contract';
import { deploymentWorkflowId, lockWorkflowId } from '../../src/contract/names';
import { startDevServer } from '../../src/worker/dev-server';
import { writeWorkflowBundle } from '../../src/worker/workflow-bundle';
import { findTemporalCli } from '../../src/worker/locate-temporal-cli';
import { type CliResult, startDeployctl, writeConfig } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { projectRoot } from '../helpers/project-root';
import { QUIET_BUNDLER } from '../helpers/quiet-bundler';
import { replaySinks } from '../helpers/replay';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import {
  type ChaosObservations,
  type ChaosVerdict,
  checkChaos,
  type CommandRun,
  intervalTable,
  type QueueAtEnd,
  type RequestRecord,
  type WorkflowTaskFailure,
} from './invariants';
import {
  type ChaosAction,
  type ChaosPlan,
  chaosPlan,
  describeAction,
  GATED_ENVIRONMENT,
  GATED_FROM,
  QUEUE_ENVIRONMENTS,
  RUNNER_ENVIRONMENT,
  SUPERSEDE_ENVIRONMENT,
  WORKER_ENVIRONMENTS,
} from './plan';

const DEPLOY_STEP = join(projectRoot(), 'test', 'fixtures', 'deploy-step.js');
const TASK_QUEUE = 'chaos';
const KILL_GRACE_MS = 2000;
/** deployctl run gives its command a quarter of this to stop (runner-timing.ts). */
const RUNNER_HEARTBEAT_TIMEOUT_MS = 16_000;
const SHORT_WAIT = '3s';
/** Who the run's force-releases say they are: a revoked holder's result names it. */
const FORCE_RELEASED_BY = 'chaos-force-release';
const APPROVER = 'chaos-approver';
const GATED_SOAK_MS = 2000;
/** How long the run's guaranteed promotion waits for a success in blue to promote. */
const UPSTREAM_MAX_MS = 120_000;
/**
 * Longer than a lost worker takes to be noticed (the 5 s heartbeat timeout, then the deployment's next workflow task
 * waiting out the dead worker's sticky queue: about 16 s here), and where the deliberate orphan test runs.
 */
const ORPHAN_COMMAND_MS = 25_000;
/** Its own environment, so that the other queues keep moving while it runs. */
const ORPHAN_ENVIRONMENT = 'orphans';
/**
 * How long every deployctl still running at the end of the schedule gets to see its deployment end: as long as the
 * run moves (a deployctl exits or a command starts) at least once in SETTLE_IDLE_MS, up to SETTLE_MAX_MS. A queue
 * behind killed runners moves one runner heartbeat timeout at a time: a fixed 90 s once cut a live one off.
 */
const SETTLE_IDLE_MS = 45_000;
const SETTLE_MAX_MS = 240_000;

export interface ChaosOptions {
  seed: number;
  seconds: number;
  workers?: number;
  /** Progress lines (the test prints none; npm run chaos prints them). */
  say?: (line: string) => void;
}

export interface ChaosReport {
  plan: ChaosPlan;
  verdict: ChaosVerdict;
  observed: ChaosObservations;
  /** The run's files: heartbeats, config, database, each worker's output. */
  dir: string;
  /** Seed, counts, outcomes and, when something failed, the interval table. */
  summary: string;
}

interface Request {
  record: RequestRecord;
  child: ReturnType<typeof startDeployctl>['child'];
  done: Promise<CliResult>;
  exited: boolean;
  /** Not a target of the cancel faults (the promotion every run must get through). */
  spared?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const lastLines = (text: string, n = 3) => text.trim().split('\n').slice(-n).join(' | ');

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.say ?? (() => undefined);
  const plan = chaosPlan(options.seed, options.seconds, options.workers ?? 2);
  const dir = mkdtempSync(join(tmpdir(), `chaos-${options.seed}-`));
  const heartbeats = join(dir, 'heartbeats');
  const plans = join(dir, 'plans');
  mkdirSync(heartbeats);
  mkdirSync(plans);
  const step = [process.execPath, DEPLOY_STEP, '--log', join(dir, 'runs.jsonl'), '--heartbeat-dir', heartbeats];
  const workerEnvironment = (queueMode: 'queue' | 'supersede') => ({
    stackName: 'ChaosStack',
    lockWaitTimeout: '10m',
    expectedDuration: '2s',
    livenessCheckInterval: '2s',
    // Locks end in the gaps between bursts and are started again by the next request, faults and all.
    idleLockTimeout: '3s',
    queueMode,
    deploy: {
      type: 'command',
      command: [...step, '--plan-dir', plans],
      killGracePeriod: `${KILL_GRACE_MS}ms`,
      heartbeatTimeout: '5s',
    },
  });
  const configPath = writeConfig({
    ...Object.fromEntries(QUEUE_ENVIRONMENTS.map((name) => [name, workerEnvironment('queue')])),
    [SUPERSEDE_ENVIRONMENT]: workerEnvironment('supersede'),
    [ORPHAN_ENVIRONMENT]: workerEnvironment('queue'),
    [GATED_ENVIRONMENT]: {
      ...workerEnvironment('queue'),
      promotion: { from: GATED_FROM, soak: `${GATED_SOAK_MS}ms` },
      // Longer than any wait here: a chaos run approves each request once (expiry is tested on its own).
      approvals: { approvers: [APPROVER], expires: '30m' },
    },
    [RUNNER_ENVIRONMENT]: {
      stackName: 'ChaosStack',
      lockWaitTimeout: '10m',
      expectedDuration: '2s',
      livenessCheckInterval: '2s',
      runnerHeartbeatTimeout: `${RUNNER_HEARTBEAT_TIMEOUT_MS}ms`,
      deploy: { type: 'runner' },
    },
  });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const dbFilename = join(dir, 'temporal.db');
  const startServer = () =>
    startDevServer({ dbFilename, port, log: { format: 'json', level: 'error' } }) as Promise<TestWorkflowEnvironment>;
  let server = await startServer();
  /** Resolves while the server is up; replaced for the length of a restart. */
  let serverUp: Promise<void> = Promise.resolve();

  // Bundled once, as the image does: a worker restarted mid-run polls again within a second or so.
  const bundle = join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundle, QUIET_BUNDLER);
  const workerEnv = {
    TEMPORAL_ADDRESS: address,
    DEPLOY_TASK_QUEUE: TASK_QUEUE,
    LOG_FORMAT: 'json',
    DEPLOY_WORKFLOW_BUNDLE: bundle,
  };
  const workers: Array<WorkerProcess | undefined> = [];
  const startWorker = async (slot: number) => {
    await serverUp;
    const worker = await startWorkerProcess(configPath, workerEnv);
    workers[slot] = worker;
    return worker;
  };
  const keepOutput = (slot: number, worker: WorkerProcess) =>
    writeFileSync(join(dir, `worker-${slot}-${worker.pid}.log`), worker.output());
  for (let slot = 0; slot < plan.workers; slot++) await startWorker(slot);

  const requests = new Map<string, Request>();
  const background: Array<Promise<unknown>> = [];
  const actionLog: string[] = [];
  let requestCount = 0;

  /** Starts deployctl for a new request, once its plan (how long its command runs, whether it fails) is in place. */
  const launch = (
    tool: 'deploy' | 'run' | 'promote',
    environment: string,
    args: string[],
    command: { sleepMs: number; fails: boolean },
  ): Request => {
    const correlationId = `c${String(++requestCount).padStart(3, '0')}`;
    writeFileSync(
      join(plans, `${correlationId}.json`),
      JSON.stringify({ sleepMs: command.sleepMs, exitCode: command.fails ? 1 : 0 }),
    );
    // Each request deploys a ref of its own; the gated environment promotes the one that last succeeded in blue.
    const common =
      tool === 'promote'
        ? ['--from', GATED_FROM, '--to', environment, '--correlation-id', correlationId]
        : ['--env', environment, '--correlation-id', correlationId, '--ref', `chaos-${plan.seed}-${correlationId}`];
    const { child, result } = startDeployctl([tool, ...common, ...args], {
      address,
      taskQueue: TASK_QUEUE,
      configPath,
    });
    const request: Request = {
      record: {
        correlationId,
        environment,
        tool,
        exitCode: null,
        killed: false,
        requested: true,
        forceReleased: false,
        sawServerRestart: false,
        stderrTail: '',
      },
      child,
      done: result,
      exited: false,
    };
    void result.then(({ code, stderr }) => {
      request.exited = true;
      request.record.exitCode = code;
      request.record.stderrTail = lastLines(stderr);
    });
    requests.set(correlationId, request);
    return request;
  };
  const cli = (args: string[]) =>
    startDeployctl(args, { address, taskQueue: TASK_QUEUE, configPath }).result.then(
      ({ code, stderr }) => `exit ${code}${code === 0 ? '' : `: ${lastLines(stderr, 1)}`}`,
    );

  /**
   * Approves (or rejects) a gated request, trying again while its deployment does not exist yet or Temporal is away;
   * done once answered, or once the deployment has ended or runs (refused by promotion, cancelled, timed out).
   */
  async function answerGated(request: Request, rejects: boolean): Promise<void> {
    const { correlationId } = request.record;
    const args = rejects
      ? ['reject', correlationId, '--env', GATED_ENVIRONMENT, '--by', APPROVER, '--reason', 'chaos']
      : ['approve', correlationId, '--env', GATED_ENVIRONMENT, '--by', APPROVER];
    for (let attempt = 0; attempt < 90 && !request.exited; attempt++) {
      await serverUp;
      request.record.approveSentAt ??= Date.now();
      const { code, stderr } = await startDeployctl(args, { address, taskQueue: TASK_QUEUE, configPath }).result;
      if (code === 0 || /ended|already deploying/.test(stderr)) {
        actionLog.push(`${elapsed()} ${args[0]} ${correlationId}: exit ${code}`);
        return;
      }
      // (Not sooner: every try is a deployctl process, and the machine runs the coordinator too.)
      await sleep(2000);
    }
  }

  /** Resolves (with its correlation ID) once a deployctl deploy to blue has exited 0, or after UPSTREAM_MAX_MS. */
  async function upstreamSucceeded(): Promise<string> {
    for (const giveUpAt = Date.now() + UPSTREAM_MAX_MS; Date.now() < giveUpAt; await sleep(500)) {
      const found = [...requests.values()].find(
        ({ exited, record }) =>
          exited && record.exitCode === 0 && record.environment === GATED_FROM && record.tool === 'deploy',
      );
      if (found) return found.record.correlationId;
    }
    return `no success in ${GATED_FROM} within ${UPSTREAM_MAX_MS} ms`;
  }

  /** A deploy command longer than a lost worker takes to be noticed (about 16 s), and a request queued behind it. */
  function startLongCommand(): Request {
    const long = launch('deploy', ORPHAN_ENVIRONMENT, ['--priority', 'high'], {
      sleepMs: ORPHAN_COMMAND_MS,
      fails: false,
    });
    launch('deploy', ORPHAN_ENVIRONMENT, ['--priority', 'high'], { sleepMs: 500, fails: false });
    return long;
  }

  /** SIGKILL to a worker (alone, or its whole process group), and a new one in its place after a moment. */
  async function killWorker(action: Extract<ChaosAction, { kind: 'kill-worker' }>): Promise<string> {
    // With `longCommand`: a command that outlasts the lost worker's detection, and one queued behind it, so that a
    // command orphaned by the kill would still run when the next one starts.
    const target = action.longCommand ? startLongCommand() : undefined;
    if (target) await commandStarted(heartbeats, target.record.correlationId, () => target.exited);
    const only = target?.record.correlationId;
    // Else the worker running a deploy command, waiting a few seconds for one: the kill that tests the supervisor.
    let busy = workerRunningCommand(heartbeats, workers, only);
    for (const waitUntil = Date.now() + 5000; busy === undefined && Date.now() < waitUntil;) {
      await sleep(100);
      busy = workerRunningCommand(heartbeats, workers, only);
    }
    const slot = busy ?? action.worker % workers.length;
    const worker = workers[slot];
    if (!worker || worker.exited()) return `worker ${slot} is down already`;
    workers[slot] = undefined;
    if (action.group) await worker.stopGroup('SIGKILL');
    else {
      process.kill(worker.pid, 'SIGKILL');
      await worker.stop('SIGKILL');
    }
    keepOutput(slot, worker);
    background.push(sleep(action.downMs).then(() => startWorker(slot)));
    return `worker ${slot} (pid ${worker.pid}${action.group ? ', whole group' : ''}); back in ${action.downMs} ms`;
  }

  async function act(action: ChaosAction): Promise<string> {
    switch (action.kind) {
      case 'deploy': {
        const priority = ['--priority', action.priority];
        const wait = action.shortWait ? ['--wait-timeout', SHORT_WAIT] : [];
        const gated = action.environment === GATED_ENVIRONMENT;
        const start = () => {
          const request = launch(gated ? 'promote' : 'deploy', action.environment, [...priority, ...wait], action);
          if (gated) {
            request.spared = action.afterUpstream;
            background.push(sleep(action.approveAfterMs).then(() => answerGated(request, action.rejects)));
          }
          return request.record.correlationId;
        };
        if (!action.afterUpstream) return start();
        background.push(
          upstreamSucceeded().then((found) => actionLog.push(`${elapsed()} promote after ${found}: ${start()}`)),
        );
        return 'once something has succeeded in blue';
      }
      case 'run': {
        const request = launch('run', RUNNER_ENVIRONMENT, ['--', ...step, '--plan-dir', plans], action);
        if (action.killAfterMs !== undefined) {
          background.push(
            (action.whileRunning
              ? commandStarted(heartbeats, request.record.correlationId, () => request.exited)
              : sleep(0)
            )
              .then(() => sleep(action.killAfterMs!))
              .then(() => {
                if (request.exited) return;
                request.record.killed = true;
                request.child.kill('SIGKILL');
                actionLog.push(`${elapsed()} killed deployctl run ${request.record.correlationId}`);
              }),
          );
        }
        return request.record.correlationId;
      }
      case 'cancel': {
        const following = [...requests.values()].filter(
          (request) => !request.exited && !request.record.killed && !request.spared,
        );
        const target = following[action.pick % Math.max(1, following.length)];
        if (!target) return 'nothing to cancel';
        const { environment, correlationId } = target.record;
        const outcome = cli(['cancel', '--env', environment, correlationId, '--reason', 'chaos', '--by', 'chaos']);
        background.push(outcome.then((text) => actionLog.push(`${elapsed()} cancel ${correlationId}: ${text}`)));
        return correlationId;
      }
      case 'force-release': {
        const outcome = cli([
          'force-release',
          '--env',
          action.environment,
          '--reason',
          'chaos',
          '--by',
          FORCE_RELEASED_BY,
        ]);
        background.push(
          outcome.then((text) => actionLog.push(`${elapsed()} force-release ${action.environment}: ${text}`)),
        );
        return action.environment;
      }
      case 'freeze': {
        const what = action.lift
          ? ['unfreeze', '--env', action.environment, '--reason', 'chaos', '--by', 'chaos']
          : ['freeze', '--env', action.environment, '--reason', 'chaos', '--by', 'chaos', '--for', `${action.forMs}ms`];
        const outcome = cli(what);
        background.push(
          outcome.then((text) => actionLog.push(`${elapsed()} ${what[0]} ${action.environment}: ${text}`)),
        );
        return action.environment;
      }
      case 'terminate-holder': {
        const view = await server.client.workflow
          .getHandle(lockWorkflowId(action.environment))
          .query(queueQuery)
          .catch(() => undefined);
        const holder = view?.holder?.workflowId;
        if (!holder) return 'no holder';
        const outcome = promisify(execFile)(findTemporalCli() ?? 'temporal', [
          'workflow',
          'terminate',
          '--workflow-id',
          holder,
          '--reason',
          'chaos',
          '--address',
          address,
        ]).then(
          () => 'terminated',
          (err: Error) => `failed: ${err.message.split('\n')[0]}`,
        );
        background.push(outcome.then((text) => actionLog.push(`${elapsed()} terminate ${holder}: ${text}`)));
        return holder;
      }
      case 'kill-worker': {
        background.push(killWorker(action).then((what) => actionLog.push(`${elapsed()} kill-worker: ${what}`)));
        return 'under way';
      }
      case 'restart-server': {
        for (const request of requests.values()) if (!request.exited) request.record.sawServerRestart = true;
        let up: () => void = () => undefined;
        serverUp = new Promise((resolve) => (up = resolve));
        await server.teardown();
        await sleep(action.downMs);
        server = await startServer();
        up();
        return `down ${action.downMs} ms`;
      }
    }
  }

  const origin = Date.now();
  const elapsed = () => `${((Date.now() - origin) / 1000).toFixed(1).padStart(6)}s`;
  say(`chaos seed ${plan.seed}: ${plan.actions.length} actions over ${plan.seconds} s, ${plan.workers} workers`);
  for (const timed of plan.actions) {
    await sleep(origin + timed.at - Date.now());
    await serverUp;
    const what = await act(timed.action).catch((err: unknown) => `failed: ${String(err)}`);
    const line = `${describeAction(timed)} -> ${what}`;
    actionLog.push(`${elapsed()} ${line}`);
    if (timed.action.kind !== 'deploy' && timed.action.kind !== 'run') say(line);
  }
  say(`schedule done at ${elapsed()}; waiting for ${[...requests.values()].filter((r) => !r.exited).length} deployctl`);

  // Every deployctl gets time to see its deployment end; the workers all come back.
  // (A settled action may have scheduled another: a killed worker's restart.)
  while (background.length > 0) await Promise.allSettled(background.splice(0));
  await serverUp;
  const environments = [...WORKER_ENVIRONMENTS, RUNNER_ENVIRONMENT, ORPHAN_ENVIRONMENT];
  // The run moves when a deployctl exits, a command starts or a lock hands its turn on (to a killed runner, say).
  const moves = async () =>
    [
      [...requests.values()].filter((request) => request.exited).length,
      readdirSync(heartbeats).filter((name) => name.endsWith('.json')).length,
      ...(await leases(server, environments)),
    ].join(' ');
  const settleBy = Date.now() + SETTLE_MAX_MS;
  let lastMove = await moves();
  let movedAt = Date.now();
  while ([...requests.values()].some((request) => !request.exited) && Date.now() < settleBy) {
    if (Date.now() - movedAt > SETTLE_IDLE_MS) break;
    await sleep(1000);
    const move = await moves();
    if (move !== lastMove) [lastMove, movedAt] = [move, Date.now()];
  }
  for (const request of requests.values()) if (!request.exited) request.child.kill('SIGKILL');
  for (let slot = 0; slot < workers.length; slot++)
    if (!workers[slot] || workers[slot]!.exited()) await startWorker(slot);
  say(`deployctl all done at ${elapsed()}`);

  const client = server.client;
  const ran = new Set(readCommandRuns(heartbeats).map((run) => run.correlationId));
  // A runner killed before its command ran still holds its turn for a heartbeat timeout once the turn comes (lost
  // then): the queues get that long for each such runner beyond the minute they always get.
  const deadRunners = [...requests.values()].filter(
    ({ record }) => record.tool === 'run' && record.killed && !ran.has(record.correlationId),
  ).length;
  const queues = await settledQueues(server, environments, 60_000 + deadRunners * RUNNER_HEARTBEAT_TIMEOUT_MS);
  // All at once, under one deadline: a deployment that never ends must not hold up the report by its own timeout.
  const resultsBy = sleep(30_000).then(() => undefined);
  await Promise.all(
    [...requests.values()].map(async (request) => {
      const { environment, correlationId } = request.record;
      const handle = client.workflow.getHandle(deploymentWorkflowId(environment, correlationId));
      const result = await Promise.race([deploymentResult(handle, environment), resultsBy]).catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) request.record.requested = false;
        return undefined;
      });
      if (result) {
        request.record.status = result.status;
        request.record.forceReleased = result.status === 'revoked' && result.stoppedBy === FORCE_RELEASED_BY;
        if (result.errorType !== undefined) request.record.errorType = result.errorType;
        if (result.promotedFrom) request.record.promotedFrom = result.promotedFrom.map((e) => e.correlationId);
        if (result.approvedBy) request.record.approvedBy = result.approvedBy;
      }
    }),
  );
  const workflowTaskFailures = await taskFailures(server);
  const runs = readCommandRuns(heartbeats);
  const observed: ChaosObservations = {
    runs,
    requests: [...requests.values()].map((request) => request.record),
    queues,
    workflowTaskFailures,
    gated: { environment: GATED_ENVIRONMENT, from: GATED_FROM, soakMs: GATED_SOAK_MS },
    killGraceMs: {
      ...Object.fromEntries([...WORKER_ENVIRONMENTS, ORPHAN_ENVIRONMENT].map((name) => [name, KILL_GRACE_MS])),
      [RUNNER_ENVIRONMENT]: Math.min(10_000, Math.floor(RUNNER_HEARTBEAT_TIMEOUT_MS / 4)),
    },
  };
  const verdict = checkChaos(observed);
  // Every history the run made replays against the code that made it: a worker killed mid-task resumes by replay, and
  // a history it cannot replay leaves its workflow stuck (a local activity in an update handler once did).
  verdict.violations.push(...(await unreplayable(server, bundle)).map((line) => `does not replay: ${line}`));

  for (let slot = 0; slot < workers.length; slot++) {
    const worker = workers[slot];
    if (!worker) continue;
    await worker.stop('SIGTERM', 5000);
    keepOutput(slot, worker);
  }
  await server.teardown();

  const statuses = new Map<string, number>();
  for (const { record } of requests.values()) {
    const key = record.requested ? (record.status ?? 'never ended') : 'killed before requesting';
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const faults = new Map<string, number>();
  for (const { action } of plan.actions) faults.set(action.kind, (faults.get(action.kind) ?? 0) + 1);
  const outcomeWord = verdict.violations.length === 0 ? 'passed' : `${verdict.violations.length} violations`;
  const sigtermed = runs.filter((run) => run.terminated).length;
  const killedOutright = runs.filter((run) => !run.ended).length;
  const forceReleasedCount = observed.requests.filter((request) => request.forceReleased).length;
  const lines = [
    `chaos seed ${plan.seed}, ${plan.seconds} s, ${plan.workers} workers: ${outcomeWord}`,
    `actions: ${[...faults].map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
    `requests: ${requests.size}; outcomes: ${[...statuses].map(([status, n]) => `${status} ${n}`).join(', ')}; ` +
      `command runs ${runs.length} (${sigtermed} stopped by SIGTERM, ${killedOutright} killed outright)`,
    `allowed and reported: ${verdict.revokedOverlaps.length} force-released holders (of ${forceReleasedCount}) ` +
      `overlapping within their kill grace, ${verdict.runnersCutOff.length} runners cut off by the server restart, ` +
      `${verdict.refusedUnavailable.length} requests refused as unavailable (exit 69, nothing started), ` +
      `${verdict.unhandledCommandRetries} workflow tasks retried for new events, ` +
      `${verdict.tasksFailedByServerClose} failed as the server closed their workflow`,
    `${GATED_ENVIRONMENT}: ` +
      (observed.requests
        .filter((record) => record.environment === GATED_ENVIRONMENT)
        .map(({ correlationId, requested, status, exitCode, stderrTail }) =>
          requested && status ? `${correlationId} ${status}` : `${correlationId} exit ${exitCode}: ${stderrTail}`,
        )
        .join('; ') || 'no requests'),
    ...verdict.revokedOverlaps.map((line) => `  revoked overlap: ${line}`),
    ...verdict.runnersCutOff.map((line) => `  runner cut off: ${line}`),
    ...verdict.refusedUnavailable.map((line) => `  refused as unavailable: ${line}`),
  ];
  if (verdict.violations.length > 0) {
    lines.push(
      `replay the schedule: npm run chaos -- --seed ${plan.seed} --seconds ${plan.seconds}`,
      'violations:',
      ...verdict.violations.map((line) => `  ${line}`),
      'command runs:',
      intervalTable(runs, observed.requests, origin),
      'actions:',
      ...actionLog,
      `files (heartbeats, worker logs, database): ${dir}`,
    );
  }
  return { plan, verdict, observed, dir, summary: lines.join('\n') };
}

/** Each lock's current lease ('-' with no holder, '?' when its lock does not answer within a second or two). */
function leases(server: TestWorkflowEnvironment, environments: string[]): Promise<string[]> {
  return Promise.all(
    environments.map((environment) =>
      Promise.race([
        server.client.workflow
          .getHandle(lockWorkflowId(environment))
          .query(queueQuery)
          .then(
            (view) => view.holder?.leaseId ?? '-',
            () => '?',
          ),
        sleep(2000).then(() => '?'),
      ]),
    ),
  );
}

/** Each environment's queue once the locks have caught up (a release may still be on its way for a few seconds). */
async function settledQueues(
  server: TestWorkflowEnvironment,
  environments: string[],
  withinMs: number,
): Promise<QueueAtEnd[]> {
  const read = () =>
    Promise.all(
      environments.map(async (environment): Promise<QueueAtEnd> => {
        const view = await server.client.workflow
          .getHandle(lockWorkflowId(environment))
          .query(queueQuery)
          .catch(() => undefined);
        return {
          environment,
          ...(view?.holder ? { holder: view.holder.correlationId } : {}),
          waiting: view?.waiting.map((entry) => entry.correlationId) ?? [],
        };
      }),
    );
  const deadline = Date.now() + withinMs;
  for (;;) {
    const queues = await read();
    const empty = queues.every((queue) => queue.holder === undefined && queue.waiting.length === 0);
    if (empty || Date.now() > deadline) return queues;
    await sleep(500);
  }
}

/** The workflows of the run whose histories the workflow bundle cannot replay, with why. */
async function unreplayable(server: TestWorkflowEnvironment, codePath: string): Promise<string[]> {
  const histories = [];
  for await (const execution of server.client.workflow.list()) {
    const { workflowId, runId } = execution;
    histories.push({ workflowId, history: await server.client.workflow.getHandle(workflowId, runId).fetchHistory() });
  }
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath }, sinks: replaySinks() },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error).split('\n')[0]}`);
  }
  return failures;
}

/** Every workflow task failure in every run of every workflow on the server. */
async function taskFailures(server: TestWorkflowEnvironment): Promise<WorkflowTaskFailure[]> {
  const failures: WorkflowTaskFailure[] = [];
  for await (const execution of server.client.workflow.list()) {
    const history = await server.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const events = history.events ?? [];
    events.forEach((event, index) => {
      const failed = event.workflowTaskFailedEventAttributes;
      if (!failed) return;
      failures.push({
        workflowId: execution.workflowId,
        cause: temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0] ?? String(failed.cause),
        message: failed.failure?.message ?? '',
        thenClosedByServer: closedByServerAfter(events.slice(index + 1)),
      });
    });
  }
  return failures;
}

/** Resolves once the request's deploy command has started (or its deployctl has exited, or after a minute). */
async function commandStarted(heartbeats: string, correlationId: string, exited: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !exited(); await sleep(50)) {
    if (readCommandRuns(heartbeats).some((run) => run.correlationId === correlationId)) return;
  }
}

/**
 * The slot of a worker with a deploy command running under it (Linux: its parent chain in /proc), if any; with
 * `correlationId`, the one running that deployment's command.
 */
function workerRunningCommand(
  heartbeats: string,
  workers: Array<WorkerProcess | undefined>,
  correlationId?: string,
): number | undefined {
  const parentOf = (pid: number) => {
    try {
      return Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  for (const run of readCommandRuns(heartbeats)) {
    if (run.ended) continue;
    if (correlationId !== undefined && run.correlationId !== correlationId) continue;
    // The command's parent is the worker (the supervisor shell became the command), or a supervisor under it.
    for (let pid = parentOf(run.pid), depth = 0; pid > 1 && depth < 3; pid = parentOf(pid), depth++) {
      const slot = workers.findIndex((worker) => worker?.pid === pid && !worker.exited());
      if (slot !== -1) return slot;
    }
  }
  return undefined;
}

/**
 * Whether the server closed the workflow (terminated, timed out) before another workflow task started (signals
 * buffered meanwhile come first).
 */
function closedByServerAfter(events: temporal.api.history.v1.IHistoryEvent[]): boolean {
  for (const event of events) {
    if (event.workflowExecutionTerminatedEventAttributes || event.workflowExecutionTimedOutEventAttributes) return true;
    if (event.workflowTaskScheduledEventAttributes || event.workflowTaskStartedEventAttributes) return false;
  }
  return false;
}

/** The deploy commands' runs, from their heartbeat files. */
function readCommandRuns(heartbeats: string): CommandRun[] {
  return readdirSync(heartbeats)
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const beat = JSON.parse(readFileSync(join(heartbeats, name), 'utf8')) as {
        correlationId: string;
        environment: string;
        pid: number;
        start: number;
        last: number;
        ended: boolean;
        sigterm?: boolean;
      };
      return {
        correlationId: beat.correlationId,
        environment: beat.environment,
        pid: beat.pid,
        start: beat.start,
        end: beat.last,
        ended: beat.ended,
        terminated: beat.sigterm === true,
      };
    });
}
