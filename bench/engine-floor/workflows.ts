// The least a queue on Temporal can do for a handoff, with nothing of the coordinator's: a lock that grants by
// signal, deployments that ask by signal, run one activity and give the turn back by signal. The same four server
// hops as a real handoff (the step's end to its workflow, the release to the lock, the grant to the next, its step
// dispatched eagerly), with the least workflow code around them.
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';

export const requestSignal = defineSignal<[string]>('request');
export const releaseSignal = defineSignal('release');
export const grantSignal = defineSignal('grant');

const { step } = proxyActivities<{ step(lockId: string, correlationId: string): Promise<void> }>({
  startToCloseTimeout: '1m',
});

/** Grants turns in the order asked, in the task that takes a release; ends once `turns` were given back. */
export async function floorLock(turns: number): Promise<void> {
  const waiting: string[] = [];
  let holder: string | undefined;
  let released = 0;
  const grantNext = () => {
    if (holder !== undefined || waiting.length === 0) return;
    holder = waiting.shift()!;
    void getExternalWorkflowHandle(holder).signal(grantSignal);
  };
  setHandler(requestSignal, (workflowId) => {
    waiting.push(workflowId);
    grantNext();
  });
  setHandler(releaseSignal, () => {
    holder = undefined;
    released++;
    grantNext();
  });
  await condition(() => released === turns);
}

/** Asks for a turn, runs its step when granted, gives the turn back. */
export async function floorDeployment(lockId: string): Promise<void> {
  let granted = false;
  setHandler(grantSignal, () => void (granted = true));
  const lock = getExternalWorkflowHandle(lockId);
  await lock.signal(requestSignal, workflowInfo().workflowId);
  await condition(() => granted);
  await step(lockId, workflowInfo().workflowId);
  await lock.signal(releaseSignal);
}
