// An activity interceptor: every line an activity logs names the environment and correlation ID of the deployment
// (or the environment of the lock) it works for.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { namedByWorkflowId } from '../contract/names';

export const deploymentLogAttributes: ActivityInterceptorsFactory = (context) => ({
  outbound: {
    getLogAttributes: (input, next) =>
      next({ ...namedByWorkflowId(context.info.workflowExecution?.workflowId ?? ''), ...input }),
  },
});
