// Replays finished workflows' histories against the current workflow code: a determinism check for any test.
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';

/** The replay failures of these workflows' histories, one line each; empty when all replay. */
export async function replayFailures(client: Client, workflowIds: string[]): Promise<string[]> {
  const codePath = process.env.WORKFLOW_BUNDLE_PATH;
  const options = codePath
    ? { workflowBundle: { codePath } }
    : { workflowsPath: require.resolve('../../src/workflows') };
  const histories = await Promise.all(
    workflowIds.map(async (workflowId) => ({
      workflowId,
      history: await client.workflow.getHandle(workflowId).fetchHistory(),
    })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  return failures;
}
