// A deployment's approvals, wired to its Updates: approve and reject answer at once. The validator refuses what cannot
// count, unrecorded; a request that arrives before the environment's rules are known is decided once they are.
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  approvalSignal,
  approveUpdate,
  FAILURE,
  FINAL_STATUSES,
  lockWorkflowId,
  type NoticeKind,
  rejectUpdate,
} from '../contract';
import { approvedWords } from '../domain/approvals';
import type { DeploymentRun } from './deployment-run';

export function handleApprovals(
  run: DeploymentRun,
  environment: string,
  notify: (kind: NoticeKind, detail?: string) => void,
): void {
  const { state } = run;
  const refuse = (by: string, rejecting?: boolean) => {
    const problem = run.approvalProblem(by, rejecting);
    if (problem !== undefined) throw ApplicationFailure.create({ type: FAILURE.approvalRefused, message: problem });
  };
  /** Until its request is at the lock, its rules (and the lock's entry) may not be known yet. */
  const queuedOrEnded = () => condition(() => run.turnRequested || FINAL_STATUSES.includes(state.status));

  setHandler(
    approveUpdate,
    async (approval) => {
      await queuedOrEnded();
      refuse(approval.by);
      const given = run.approve(approval, state.settings!.approvals!.expiresMs);
      notify('progress', approvedWords(given, Date.now()));
      const forLock = run.approvalForLock()!;
      const { workflowId, runId } = workflowInfo();
      await getExternalWorkflowHandle(lockWorkflowId(environment))
        .signal(approvalSignal, { workflowId, runId, expiresAt: forLock.expiresAt })
        .catch((err: unknown) => log.warn('Approval not told to the lock', { workflowId, error: String(err) }));
      return given;
    },
    { validator: ({ by }) => refuse(by) },
  );
  setHandler(
    rejectUpdate,
    async (rejection) => {
      await queuedOrEnded();
      refuse(rejection.by, true);
      run.reject(rejection);
    },
    { validator: ({ by }) => refuse(by, true) },
  );
}
