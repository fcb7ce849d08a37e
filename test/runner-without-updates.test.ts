// deployctl run against a server with Workflow Update turned off (frontend.enableUpdateWorkflowExecution=false): the
// runner claims its turn the way runners did before the runnerClaimTurn update (looks, a claim by signal, a query that
// confirms it), each gives its turn back by signal instead of the releaseTurn update, and two runs in one environment
// still never overlap.
import { lockWorkflowId } from '../src/contract/names';
import { startDeployctl } from './helpers/cli';
import { DEPLOY_STEP, environmentDocument, runIntervals, runLog, useCoordinator } from './helpers/coordinator';

const log = runLog();
const coordinator = useCoordinator(
  { staging: environmentDocument(runLog(), { runnerHeartbeatTimeout: '4s' }) },
  { serverArgs: ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=false'] },
);

const step = ['--', 'node', DEPLOY_STEP, '--log', log, '--sleep', '300'];

test('updates disabled: runners claim by signal, in turn, and succeed', async () => {
  const ids = ['nu-one', 'nu-two'];
  const runs = ids.map((id) =>
    startDeployctl(['run', '--env', 'staging', '--correlation-id', id, ...step], coordinator.cli),
  );
  for (const { result } of runs) expect(await result).toMatchObject({ code: 0 });
  const intervals = runIntervals(log).filter((run) => ids.includes(run.correlationId));
  expect(intervals).toHaveLength(2);
  expect(intervals[1]!.start).toBeGreaterThanOrEqual(intervals[0]!.end!);
  // The claim went by signal: the server took no update.
  const history = await coordinator.env.client.workflow.getHandle('deploy/staging/nu-two').fetchHistory();
  const signals = (history.events ?? []).map((event) => event.workflowExecutionSignaledEventAttributes?.signalName);
  expect(signals).toContain('runnerClaim');
  expect((history.events ?? []).some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
  // So did the releases (the lock's releaseTurn update refused with the rest), and the next run still got the turn.
  const lock = await coordinator.env.client.workflow.getHandle(lockWorkflowId('staging')).fetchHistory();
  const lockSignals = (lock.events ?? []).map((event) => event.workflowExecutionSignaledEventAttributes?.signalName);
  expect(lockSignals.filter((name) => name === 'release')).toHaveLength(2);
  expect((lock.events ?? []).some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
});
