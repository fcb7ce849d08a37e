// What an environment lock tells deployments (by signal) and people (a notice when it recovers a stale turn).
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import {
  closedSignal,
  type DeploymentNotice,
  grantedSignal,
  type Holder,
  revokedSignal,
  supersededSignal,
} from '../contract';
import { DEFAULT_NOTIFY_TIMEOUT_MS } from './activity-options';
import { about, type LockDecision, type LockState } from './lock-state';
import { deliverNotice } from './notifier';

/** Tells a deployment its turn has come; one that closed before its turn came passes the turn on. */
export async function grant(lock: LockState, granted: Holder): Promise<void> {
  const { workflowId, runId, leaseId } = granted;
  try {
    await getExternalWorkflowHandle(workflowId).signal(grantedSignal, { leaseId, runId });
  } catch (err) {
    // Closed before its turn came (terminated, timed out): pass the turn on instead of failing the lock.
    lock.grantUndelivered(granted, String(err));
  }
}

export async function tell(decision: LockDecision): Promise<void> {
  const target = getExternalWorkflowHandle(decision.workflowId);
  try {
    if (decision.kind === 'granted') {
      const { leaseId, runId } = decision;
      await target.signal(grantedSignal, { leaseId, runId });
    } else if (decision.kind === 'superseded') {
      const { byWorkflowId, runId } = decision;
      await target.signal(supersededSignal, { byWorkflowId, runId });
    } else if (decision.kind === 'closed') {
      const { closure, runId } = decision;
      await target.signal(closedSignal, { closure, runId });
    } else {
      const { kind: _kind, workflowId: _workflowId, ...revoked } = decision;
      await target.signal(revokedSignal, revoked);
    }
  } catch (err) {
    // The deployment has closed already: nothing left to tell it.
    log.info('Could not notify a deployment', { ...about(decision.workflowId), decision, error: String(err) });
  }
}

/** Best effort and in the background: the turn has been passed on already. */
export function tellStaleRecovered(environment: string, stale: Holder): void {
  const notice: DeploymentNotice = {
    kind: 'stale-recovered',
    deployment: {
      workflowId: stale.workflowId,
      environment,
      correlationId: stale.correlationId,
      stackName: stale.stackName,
      priority: stale.priority,
      status: 'failed',
      requestedAt: stale.requestedAt,
      startedAt: stale.grantedAt,
      error: 'ended without giving its turn back (terminated or timed out)',
    },
    detail:
      `Stale lock recovered: ${stale.correlationId} ended without giving its turn back; ` +
      `${environment} was passed on.`,
  };
  deliverNotice(notice, stale.notices, DEFAULT_NOTIFY_TIMEOUT_MS).catch((err: unknown) =>
    log.warn('Notification not delivered', { notice: notice.kind, error: String(err) }),
  );
}
