// A deployment's approvals, wired to its Updates: approve and reject answer at once. The validator refuses what cannot
// count, unrecorded; a request that arrives before the environment's rules are known is decided once they are.
import {
  ApplicationFailure,
  condition,
  currentUpdateInfo,
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
import { present } from '../domain/present';
import { authorizedOperator, refuseWhileLocalWorkRuns } from './operators';

export function handleApprovals(
  run: DeploymentRun,
  environment: string,
  notify: (kind: NoticeKind, detail?: string) => void,
  settle: boolean,
): void {
  const { state } = run;
  const refuse = (by: string, rejecting?: boolean) => {
    const problem = run.approvalProblem(by, rejecting);
    if (problem !== undefined) throw ApplicationFailure.create({ type: FAILURE.approvalRefused, message: problem });
  };
  /** Until its request is at the lock, its rules (and the lock's entry) may not be known yet. */
  const queuedOrEnded = () => condition(() => run.turnRequested || FINAL_STATUSES.includes(state.status));

  /** Who answers, as the worker verified them (approve covers reject); each update's token is spent by that update. */
  const answerer = async (message: { by: string; idToken?: string }) => {
    const { name: update, id } = currentUpdateInfo() ?? { name: 'approve', id: '' };
    const actingFor = `${workflowInfo().workflowId}/${update}/${id}`;
    const { name } = await authorizedOperator(environment, 'approve', actingFor, message, settle);
    return name ?? message.by;
  };
  /** With an ID token, who answers is known once it is verified: only the deployment's own state is checked first. */
  const validate = ({ by, idToken }: { by: string; idToken?: string }, rejecting?: boolean) => {
    refuseWhileLocalWorkRuns();
    const problem = idToken === undefined ? run.approvalProblem(by, rejecting) : run.answerableProblem();
    if (problem !== undefined) throw ApplicationFailure.create({ type: FAILURE.approvalRefused, message: problem });
  };

  setHandler(
    approveUpdate,
    async (approval) => {
      await queuedOrEnded();
      const by = await answerer(approval);
      refuse(by);
      const given = run.approve(
        { by, ...present({ comment: approval.comment }) },
        state.settings!.approvals!.expiresMs,
      );
      notify('progress', approvedWords(given, Date.now()));
      const forLock = run.approvalForLock()!;
      const { workflowId, runId } = workflowInfo();
      await getExternalWorkflowHandle(lockWorkflowId(environment))
        .signal(approvalSignal, { workflowId, runId, expiresAt: forLock.expiresAt })
        .catch((err: unknown) => log.warn('Approval not told to the lock', { workflowId, error: String(err) }));
      return given;
    },
    { validator: (approval) => validate(approval) },
  );
  setHandler(
    rejectUpdate,
    async (rejection) => {
      await queuedOrEnded();
      const by = await answerer(rejection);
      refuse(by, true);
      run.reject({ by, reason: rejection.reason });
    },
    { validator: (rejection) => validate(rejection, true) },
  );
}
