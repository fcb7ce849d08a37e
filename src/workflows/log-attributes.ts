// A workflow interceptor (bundled with the workflows: see workflow-bundle.ts): every line a deployment or a lock
// logs names its environment, and a deployment's its correlation ID, whatever the call site passed.
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';
import { namedByWorkflowId } from '../contract/names';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      getLogAttributes: (input, next) => next({ ...namedByWorkflowId(workflowInfo().workflowId), ...input }),
    },
  ],
});
