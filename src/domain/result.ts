import type { DeploymentResult, DeploymentState } from '../contract';
import { verifiedOf } from './id-token-claims';
import { present } from './present';

/** The summary a deployment ends with (and deployctl --json prints). Pure: used by workflow and CLI alike. */
export function resultOf(state: DeploymentState): DeploymentResult {
  const { startedAt, queuedAt } = state;
  const finishedAt = state.finishedAt ?? null;
  return {
    correlationId: state.correlationId,
    workflowId: state.workflowId,
    environment: state.environment,
    stackName: state.stackName ?? null,
    status: state.status,
    queuedMs: queuedAt === undefined || finishedAt === null ? null : (startedAt ?? finishedAt) - queuedAt,
    durationMs: startedAt === undefined || finishedAt === null ? null : finishedAt - startedAt,
    error: state.error ?? state.reason ?? null,
    ...((state.status === 'failed' || state.status === 'refused') && state.errorType
      ? { errorType: state.errorType }
      : {}),
    ...(state.noChanges ? { noChanges: true } : {}),
    ...(state.outputs ? { outputs: state.outputs } : {}),
    ...(state.status === 'revoked' ? { stepCompleted: state.stepCompleted === true } : {}),
    ...present({ requestedBy: state.requestedBy }),
    ...verification(state),
    ...present({ stoppedBy: state.stoppedBy, promotedFrom: state.promotedFrom }),
    ...approvedBy(state),
    ...present({ rollbackOf: state.rollback?.correlationId }),
  };
}

/** Whether who asked was verified, where the worker verifies identities. */
function verification(state: DeploymentState): Pick<DeploymentResult, 'verified' | 'identity'> {
  const verified = verifiedOf(state);
  return present({ verified, identity: state.identity });
}

/** Who approved it: those whose approval was in force when it started (or all, if it never did). */
function approvedBy({ approval, startedAt }: DeploymentState): { approvedBy?: string[] } {
  const counted = (approval?.approvals ?? []).filter((given) => startedAt === undefined || given.expiresAt > startedAt);
  return counted.length > 0 ? { approvedBy: counted.map((given) => given.by) } : {};
}
