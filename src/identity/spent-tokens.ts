// The once-only rule of ID tokens, kept by Temporal itself: spending a token starts a tiny workflow whose ID is the
// token's digest, and a workflow ID is taken at most once while the namespace retains it (a day at least, longer
// than any token accepted lives). So a token read from a history cannot start a second deployment.
import { createHash } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

/** The workflow that records a spent token; the worker registers it (workflows/identity.ts). */
export const SPENT_TOKEN_WORKFLOW = 'idTokenSpent';

export function spentTokenWorkflowId(tokenId: string): string {
  return `id-token/${createHash('sha256').update(tokenId).digest('hex').slice(0, 40)}`;
}

/**
 * Spends a token for `spentBy` (a deployment's workflow ID). Undefined when this request may use it (first, or the
 * same request asking again after a retry); else who spent it before.
 */
export function createSpendToken(client: Client, taskQueue: string) {
  return async function spendToken(tokenId: string, spentBy: string): Promise<string | undefined> {
    const workflowId = spentTokenWorkflowId(tokenId);
    try {
      await client.workflow.start(SPENT_TOKEN_WORKFLOW, {
        workflowId,
        taskQueue,
        args: [],
        memo: { spentBy },
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `ID token spent by ${spentBy}`,
      });
      return undefined;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const { memo } = await client.workflow.getHandle(workflowId).describe();
      const before = typeof memo?.spentBy === 'string' ? memo.spentBy : 'another request';
      return before === spentBy ? undefined : before;
    }
  };
}
