// Following a deployment to its end: its queue position and state changes as lines, then its result.
import { type Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  type DeploymentResult,
  type DeploymentState,
  FINAL_STATUSES,
  lockWorkflowId,
  queueQuery,
  stateQuery,
} from '../contract';
import { formatDuration } from '../domain/durations';
import { queuePosition } from '../domain/queue-position';
import { closureLine, scheduledWords } from '../domain/closure-wording';
import { approveCommand } from '../domain/approvals';
import { newerRun, resultOfClose } from './closed-deployment';
import { isUnavailable } from './connect';
import type { deployment } from '../workflows';

const FOLLOW_EVERY_MS = 1000;

export interface Followed {
  result: DeploymentResult;
  /** Whom it waited behind: each deployment seen holding the turn while it was queued, in order. */
  waitedBehind: string[];
}

/** Waits until the deployment has left `pending` (it is queued, or already further); returns its state then. */
export async function waitUntilQueued(handle: WorkflowHandle<typeof deployment>): Promise<DeploymentState> {
  for (;;) {
    const state = await handle.query(stateQuery);
    if (state.status !== 'pending') return state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** How long deployctl waits out a Temporal server that stops answering mid-way (a restart, a failover). */
const OUTAGE_PATIENCE_MS = 5 * 60_000;

/**
 * The deployment's result, waited for through a server restart: the client's own retries cover a few seconds, this
 * covers minutes. However the workflow closed (failed, Canceled, terminated), the result is the deployment's; a run
 * reset from the Web UI while it was followed is followed on in its new run.
 */
export async function deploymentResult(
  followed: WorkflowHandle<typeof deployment>,
  environment: string,
): Promise<DeploymentResult> {
  let handle = followed;
  let unavailableSince: number | undefined;
  for (;;) {
    try {
      return await handle.result();
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const rerun = await newerRun(handle, err);
        if (rerun) {
          handle = rerun;
          continue;
        }
        return resultOfClose(handle, environment, err);
      }
      unavailableSince ??= Date.now();
      if (!isUnavailable(err) || Date.now() - unavailableSince > OUTAGE_PATIENCE_MS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Reports each new progress line through `say` until the deployment ends; returns its result. */
export async function follow(
  client: Client,
  handle: WorkflowHandle<typeof deployment>,
  environment: string,
  say: (line: string) => void,
): Promise<Followed> {
  let done = false;
  const result = deploymentResult(handle, environment).finally(() => {
    done = true;
  });
  const progress = progressReporter(say);
  const lock = client.workflow.getHandle(lockWorkflowId(environment));
  while (!done) {
    progress.report(
      await handle
        .query(stateQuery)
        .then((state) => progressOf(state, lock))
        .catch(() => undefined),
    );
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS))]);
  }
  return { result: await result, waitedBehind: progress.waitedBehind };
}

export interface Progress {
  line: string;
  /** The holder it waits behind. */
  behind?: string;
  /** Its place in line (1 is next), while it waits. */
  position?: number;
}

/** Says each new progress line once, and keeps whom the deployment waited behind, in order. */
export function progressReporter(say: (line: string) => void): {
  report(progress: Progress | undefined): void;
  waitedBehind: string[];
} {
  let last = '';
  const waitedBehind: string[] = [];
  return {
    waitedBehind,
    report(progress) {
      if (progress?.behind && !waitedBehind.includes(progress.behind)) waitedBehind.push(progress.behind);
      if (progress !== undefined && progress.line !== last) {
        say(progress.line);
        last = progress.line;
      }
    },
  };
}

/** A deployment's progress as one line, from its state (and the lock's queue while it waits). */
export async function progressOf(state: DeploymentState, lock: WorkflowHandle): Promise<Progress | undefined> {
  if (FINAL_STATUSES.includes(state.status)) return undefined;
  if (state.status !== 'queued') return { line: `${state.correlationId}: ${state.status}` };
  const view = await lock.query(queueQuery).catch(() => undefined);
  const at = view && queuePosition(view, state.workflowId);
  if (!at) {
    const scheduled = state.scheduledFor !== undefined && state.scheduledFor > Date.now();
    return { line: `${state.correlationId}: ${scheduled ? scheduledWords(state.scheduledFor!) : 'queued'}` };
  }
  const behind = at.holderCorrelationId ? `, behind ${at.holderCorrelationId}` : '';
  const closed = at.closure ? `; ${state.environment} is ${closureLine(at.closure, Date.now())}` : '';
  const waitingFor = view.waiting.find((entry) => entry.workflowId === state.workflowId)?.waitingFor ?? [];
  const approve = waitingFor.some((what) => what.startsWith('approval'))
    ? `: ${approveCommand(state.environment, state.correlationId)}`
    : '';
  const gates = waitingFor.length > 0 ? `; waiting for ${waitingFor.join(', ')}${approve}` : '';
  return {
    line:
      `${state.correlationId}: queued at position ${at.position} of ${at.waiting}${behind} ` +
      `(ETA ${formatDuration(at.etaMs)})${closed}${gates}`,
    ...(at.holderCorrelationId ? { behind: at.holderCorrelationId } : {}),
    position: at.position,
  };
}

/** A workflow terminated or timed out from outside (the Web UI, a server timeout) never returned its result. */
