// One workflow per deployment request: wait for the environment's turn, deploy, and always give the turn back. Its
// rules live in DeploymentRun and its steps in deploy-steps.ts; this file wires them to signals, queries and clean-up.
import {
  CancellationScope,
  currentUpdateInfo,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { HandlerUnfinishedPolicy, type SearchAttributeUpdatePair } from '@temporalio/common';
import {
  cancelDeploymentSignal,
  cancelDeploymentUpdate,
  closedSignal,
  CORRELATION_ID,
  DEPLOYMENT_ENVIRONMENT,
  DEPLOYMENT_REF,
  DEPLOYMENT_STATUS,
  type DeploymentInput,
  type DeploymentResult,
  type DeploymentState,
  grantedSignal,
  nameProblem,
  type NoticeKind,
  type OperatorMessage,
  REQUESTED_BY,
  revokedSignal,
  stateQuery,
  supersededSignal,
  withdrawIfWaitingSignal,
} from '../contract';
import { close } from './close';
import { Compensation } from './compensation';
import { deploySteps } from './deploy-steps';
import { RunnerLink } from './deployers/runner';
import { DeploymentRun, requestProblem } from './deployment-run';
import { handleApprovals } from './approvals';
import { authorizedOperator, isAccessDenied, refuseWhileLocalWorkRuns } from './operators';
import { PATCHES } from './patches';
import { present } from '../domain/present';
import { recordUndelivered } from './metrics';
import { Notifier } from './notifier';

export async function deployment(input: DeploymentInput): Promise<DeploymentResult> {
  const { workflowId, runId } = workflowInfo();
  // Asked first, where no local activity runs yet (local-work.ts says why messages wait for none to run).
  const settleMessages = patched(PATCHES.operatorMessagesSettle.id);
  // (Only requests that name a repository ask: the others' histories stay as they were.)
  const showOnGitHub = input.github !== undefined && patched(PATCHES.githubDeployments.id);
  // (Asked here, not once the environment is known: a patch asked right after a local activity's result would replay
  // elsewhere when a query forced the task that brought the result, as operator messages once did.)
  const bakes = patched(PATCHES.bake.id);
  const work = new CancellationScope();
  /** Search attributes upserted with the next status, in the same command. */
  let withNextStatus: SearchAttributeUpdatePair[] = [];
  const showStatus = ({ status, stackName, environment, correlationId }: DeploymentState) => {
    upsertSearchAttributes([...withNextStatus, { key: DEPLOYMENT_STATUS, value: status }]);
    withNextStatus = [];
    setCurrentDetails(`${status}: ${stackName ?? '(stack pending)'} → ${environment} (${correlationId})`);
  };
  const run = new DeploymentRun(input, workflowId, { now: Date.now, runId, stopWork: () => work.cancel(), showStatus });
  const { state } = run;
  const notifier = new Notifier(() => {
    state.notificationsFailed += 1;
    recordUndelivered(input.environment, 1);
  });
  const notify = (kind: NoticeKind, detail?: string) => notifier.send(run.notice(kind, detail));
  // Runner-side deploys: the runner's messages are taken from the start, so that none is ever dropped.
  const runner = input.runner ? new RunnerLink(state, settleMessages) : undefined;

  setHandler(stateQuery, () => state);
  setHandler(grantedSignal, (granted) => run.granted(granted));
  setHandler(revokedSignal, (revoked) => run.revoked(revoked));
  setHandler(supersededSignal, (superseded) => run.superseded(superseded));
  setHandler(closedSignal, (closed) => run.closed(closed));
  /** A cancel takes effect once the environment's operator rules allow it. */
  const cancel = async ({ reason, ...message }: OperatorMessage, actingFor: string) => {
    const { shown } = await authorizedOperator(input.environment, 'cancel', actingFor, message, settleMessages);
    run.cancel({ reason, ...present({ by: shown }) });
  };
  setHandler(cancelDeploymentSignal, (message) => {
    // (Before 1.4.1 the signal took effect as it came: replayed so.)
    if (!settleMessages) return run.cancel(message);
    // (A signal has no answer: a refusal, or rules that could not be asked, is logged; the deployment goes on.)
    cancel(message, `${workflowId}/cancel`).catch((err: unknown) => {
      const what = isAccessDenied(err) ? 'Cancel refused' : 'Cancel not decided';
      log.warn(what, { reason: message.reason, error: String(err) });
    });
  });
  setHandler(
    cancelDeploymentUpdate,
    (message) => cancel(message, `${workflowId}/cancel/${currentUpdateInfo()?.id ?? ''}`),
    // (A deployment that ends while its cancel is decided has nothing left to cancel.)
    {
      unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
      validator: (message: OperatorMessage) => refuseWhileLocalWorkRuns(message),
    },
  );
  setHandler(withdrawIfWaitingSignal, (withdraw) => run.withdrawIfWaiting(withdraw));
  handleApprovals(run, input.environment, notify, settleMessages);

  const { requestedBy } = state;
  withNextStatus = [
    { key: DEPLOYMENT_ENVIRONMENT, value: input.environment },
    { key: CORRELATION_ID, value: input.correlationId },
    // (A bad ref is refused below, as a bad requester is.)
    ...(input.ref !== undefined && !nameProblem('ref', input.ref) ? [{ key: DEPLOYMENT_REF, value: input.ref }] : []),
    // (A bad requester is refused below; the attribute takes only a valid one.)
    ...(requestedBy !== undefined && !nameProblem('actor', requestedBy)
      ? [{ key: REQUESTED_BY, value: requestedBy }]
      : []),
  ];
  run.setStatus('pending');

  const compensation = new Compensation();
  // Registered first, so it runs last: after the turn is given back, the next deployment does not wait for news.
  compensation.always('send the final notice', async () => {
    run.finishing();
    log.info('Deployment finished', { workflowId, status: state.status });
    notify('finished');
    // (Read after the await: failures counted while waiting must not be overwritten.)
    const undelivered = await notifier.flush();
    state.notificationsFailed += undelivered;
    recordUndelivered(input.environment, undelivered);
  });

  const problem = requestProblem(input);
  if (problem !== undefined) {
    run.refuse(problem);
  } else {
    const upsert = (pairs: SearchAttributeUpdatePair[]) => withNextStatus.push(...pairs);
    const steps = { run, input, notifier, notify, compensation, runner, upsert, showOnGitHub, bakes };
    // Cancelled or revoked mid-step: the clean-up below still runs, in a scope cancellation cannot skip.
    await work
      .run(() => deploySteps(steps))
      .catch((err: unknown) => {
        run.ended(err, isCancellation(err) || work.consideredCancelled);
      });
  }
  // Runs even when the workflow itself is cancelled: the stack is left stable, then the environment is freed.
  await compensation.run(() => state.status === 'succeeded');
  return close(run.result(), run.memo());
}
