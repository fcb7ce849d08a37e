// What a chaos run must leave true, checked on what it recorded: pure, so that the checks themselves are tested.
import { type DeploymentStatus, FINAL_STATUSES } from '../../src/contract/deployment';
import { exitCodeFor, EXIT } from '../../src/client/exit-codes';

/** One run of a deploy command, from its heartbeat file: a run killed by SIGKILL ends at its last heartbeat. */
export interface CommandRun {
  correlationId: string;
  environment: string;
  pid: number;
  start: number;
  /** Its exit, or its last heartbeat when it never got to record one. */
  end: number;
  /** Whether it recorded its own exit (else it was killed outright). */
  ended: boolean;
  /** It exited on SIGTERM: stopped by its supervisor, a cancel or a revoke. */
  terminated: boolean;
}

/** One request made during the run, by deployctl deploy or deployctl run, and what came of it. */
export interface RequestRecord {
  correlationId: string;
  environment: string;
  tool: 'deploy' | 'run' | 'promote';
  /** deployctl's exit code; null when it did not exit (killed, or still running at the end). */
  exitCode: number | null;
  /** The chaos run killed this deployctl on purpose (a runner lost mid-deploy). */
  killed: boolean;
  /** The Temporal server restarted while this deployctl ran. */
  sawServerRestart: boolean;
  /** Whether the deployment exists: a deployctl killed before its request reached Temporal started nothing. */
  requested: boolean;
  /** The deployment's final result, read from Temporal after the run; undefined if it never ended. */
  status?: DeploymentStatus;
  errorType?: string;
  /** Revoked by the run's own force-release (`--by chaos`), not by anything else that ends a turn as revoked. */
  forceReleased: boolean;
  /** The last lines deployctl wrote, for the report. */
  stderrTail: string;
  /** Gated requests: when the first deployctl approve for it was started (no approval can be older). */
  approveSentAt?: number;
  /** From its result: the upstream deployments its promotion rested on, and who approved it. */
  promotedFrom?: string[];
  approvedBy?: string[];
}

export interface QueueAtEnd {
  environment: string;
  holder?: string;
  waiting: string[];
}

export interface WorkflowTaskFailure {
  workflowId: string;
  cause: string;
  message: string;
  /**
   * The server closed the workflow right after: terminated from outside, or out of its execution timeout (it fails the
   * task in flight, as FORCE_CLOSE).
   */
  thenClosedByServer: boolean;
}

export interface ChaosObservations {
  runs: CommandRun[];
  requests: RequestRecord[];
  queues: QueueAtEnd[];
  workflowTaskFailures: WorkflowTaskFailure[];
  /** Each environment's kill grace period: how long a revoked holder's command may take to stop. */
  killGraceMs: Record<string, number>;
  /** An environment with approvals and promotion from `from` with `soakMs`. */
  gated?: { environment: string; from: string; soakMs: number };
}

export interface ChaosVerdict {
  violations: string[];
  /** Allowed, but reported: a force-released holder's command overlapping the next within its kill grace period. */
  revokedOverlaps: string[];
  /** Allowed, but reported: deployctl run exiting 69 because a server restart cut it off from Temporal. */
  runnersCutOff: string[];
  /** Allowed, but reported: deployctl exiting 69 before it asked (Temporal not reached in time), nothing started. */
  refusedUnavailable: string[];
  /**
   * Workflow task failures Temporal records as part of normal work: new events raced a closing command (retried at
   * once), or a task in flight when the server closed the workflow (terminated from outside, or timed out).
   */
  unhandledCommandRetries: number;
  tasksFailedByServerClose: number;
}

/** How late a heartbeat may be: a run's true end may fall this long after its last recorded heartbeat. */
const HEARTBEAT_SLACK_MS = 100;

/** Temporal's name for a workflow task that tried to close while new events were arriving: it is retried at once. */
export const UNHANDLED_COMMAND = 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND';
/** How the server fails a workflow task in flight when it terminates the workflow. */
export const FORCE_CLOSE_COMMAND = 'WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND';

export function checkChaos(observed: ChaosObservations): ChaosVerdict {
  const violations: string[] = [];
  const revokedOverlaps: string[] = [];
  const runnersCutOff: string[] = [];
  const refusedUnavailable: string[] = [];
  const requestById = new Map(observed.requests.map((request) => [request.correlationId, request]));

  // Never two deploy commands at once in one environment.
  const byEnvironment = new Map<string, CommandRun[]>();
  for (const run of observed.runs) {
    byEnvironment.set(run.environment, [...(byEnvironment.get(run.environment) ?? []), run]);
  }
  for (const [environment, runs] of byEnvironment) {
    const sorted = [...runs].sort((a, b) => a.start - b.start);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const earlier = sorted[i]!;
        const later = sorted[j]!;
        if (later.start >= earlier.end) break;
        const overlapMs = earlier.end - later.start;
        const what =
          `${environment}: ${later.correlationId} started ${overlapMs} ms ` + `before ${earlier.correlationId} ended`;
        const forceReleased = requestById.get(earlier.correlationId)?.forceReleased === true;
        if (forceReleased && overlapMs <= (observed.killGraceMs[environment] ?? 0) + HEARTBEAT_SLACK_MS)
          revokedOverlaps.push(what);
        else violations.push(`two at once: ${what}`);
      }
    }
  }

  // No deploy command starts twice for one correlation ID.
  const starts = new Map<string, number>();
  for (const run of observed.runs) starts.set(run.correlationId, (starts.get(run.correlationId) ?? 0) + 1);
  for (const [correlationId, count] of starts) {
    if (count > 1) violations.push(`started twice: ${correlationId}'s deploy command ran ${count} times`);
  }

  // Every request reaches a final status, and deployctl says so with the code that status calls for.
  for (const request of observed.requests) {
    const name = `${request.environment}/${request.correlationId}`;
    if (!request.requested) {
      // deployctl said, truthfully, that it could not reach Temporal and started nothing (an overloaded machine).
      if (request.exitCode === EXIT.unavailable) refusedUnavailable.push(`${name}: ${request.stderrTail}`);
      // deployctl promote found nothing upstream to promote yet, and said so before asking.
      else if (request.tool === 'promote' && request.exitCode === EXIT.notPromoted) continue;
      else if (!request.killed) {
        violations.push(
          `lost: ${name} was requested, deployctl exited ${request.exitCode}, ` +
            `and no such deployment exists: ${request.stderrTail}`,
        );
      }
      continue;
    }
    if (request.status === undefined || !FINAL_STATUSES.includes(request.status)) {
      violations.push(`never ended: ${name} is ${request.status ?? 'unknown'}`);
      continue;
    }
    if (request.killed) continue;
    if (request.exitCode === null) {
      violations.push(`deployctl never exited: ${name} (${request.tool})`);
      continue;
    }
    const expected = exitCodeFor({ status: request.status, ...optional('errorType', request.errorType) });
    if (request.exitCode === expected) continue;
    if (request.tool === 'run' && request.exitCode === EXIT.unavailable && request.sawServerRestart) {
      runnersCutOff.push(`${name}: exit 69 (${request.status})`);
      continue;
    }
    violations.push(
      `wrong exit code: ${name} ended ${request.status} (exit ${expected} expected), ` +
        `deployctl ${request.tool} exited ${request.exitCode}: ${request.stderrTail}`,
    );
  }

  // A deploy command ran for every request that says it deployed.
  for (const request of observed.requests) {
    if (request.requested && request.status === 'succeeded' && !starts.has(request.correlationId)) {
      violations.push(`succeeded without running: ${request.environment}/${request.correlationId}`);
    }
  }

  if (observed.gated) violations.push(...gateViolations(observed, observed.gated));

  // Every queue is empty at the end.
  for (const queue of observed.queues) {
    if (queue.holder !== undefined || queue.waiting.length > 0) {
      violations.push(
        `queue not empty at the end: ${queue.environment} held by ${queue.holder ?? 'nobody'}, ` +
          `waiting [${queue.waiting.join(', ')}]`,
      );
    }
  }

  let unhandledCommandRetries = 0;
  let tasksFailedByServerClose = 0;
  for (const failure of observed.workflowTaskFailures) {
    if (failure.cause === UNHANDLED_COMMAND) unhandledCommandRetries += 1;
    else if (failure.cause === FORCE_CLOSE_COMMAND && failure.thenClosedByServer) tasksFailedByServerClose += 1;
    else violations.push(`workflow task failed: ${failure.workflowId}: ${failure.cause}: ${failure.message}`);
  }
  return {
    violations,
    revokedOverlaps,
    runnersCutOff,
    refusedUnavailable,
    unhandledCommandRetries,
    tasksFailedByServerClose,
  };
}

/**
 * A gated deployment that deployed was approved first, by someone, and promoted: its ref succeeded upstream, and that
 * upstream command ended at least the soak before this one started.
 */
function gateViolations(observed: ChaosObservations, gated: NonNullable<ChaosObservations['gated']>): string[] {
  const violations: string[] = [];
  const startOf = (id: string) => observed.runs.filter((run) => run.correlationId === id).map((run) => run.start)[0];
  const requestById = new Map(observed.requests.map((request) => [request.correlationId, request]));
  for (const request of observed.requests) {
    if (request.environment !== gated.environment) continue;
    const start = startOf(request.correlationId);
    if (start === undefined) continue;
    const name = `${gated.environment}/${request.correlationId}`;
    if (request.approveSentAt === undefined || start < request.approveSentAt) {
      violations.push(`deployed unapproved: ${name} started before anybody approved it`);
    }
    if (request.status === 'succeeded' && !request.approvedBy?.length) {
      violations.push(`deployed unapproved: ${name} succeeded with no approver recorded`);
    }
    if (request.status !== 'succeeded') continue;
    const evidence = request.promotedFrom?.[0];
    const upstream = evidence === undefined ? undefined : requestById.get(evidence);
    if (!upstream || upstream.environment !== gated.from || upstream.status !== 'succeeded') {
      violations.push(
        `not promoted: ${name} deployed on evidence ${evidence ?? 'none'}, not a success in ${gated.from}`,
      );
      continue;
    }
    const upstreamEnd = observed.runs.find((run) => run.correlationId === upstream.correlationId)?.end;
    if (upstreamEnd === undefined || start - upstreamEnd < gated.soakMs - HEARTBEAT_SLACK_MS) {
      violations.push(`not soaked: ${name} started ${start - (upstreamEnd ?? start)} ms after ${evidence} ended`);
    }
  }
  return violations;
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** The runs as a table, ordered by environment and start, times relative to `origin`: printed when a run fails. */
export function intervalTable(runs: readonly CommandRun[], requests: readonly RequestRecord[], origin: number): string {
  const statusOf = new Map(requests.map((request) => [request.correlationId, request.status ?? '?']));
  const rows = [...runs]
    .sort((a, b) => a.environment.localeCompare(b.environment) || a.start - b.start)
    .map((run) =>
      [
        run.environment.padEnd(8),
        run.correlationId.padEnd(10),
        ((run.start - origin) / 1000).toFixed(3).padStart(9),
        ((run.end - origin) / 1000).toFixed(3).padStart(9),
        (run.ended ? (run.terminated ? 'sigterm' : 'exited') : 'killed').padEnd(7),
        String(run.pid).padStart(7),
        statusOf.get(run.correlationId) ?? '?',
      ].join(' '),
    );
  return ['environment correlation    start s     end s  run        pid  status', ...rows].join('\n');
}
