import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { deploymentWorkflowId } from '../contract/names';
import { cancelDeploymentSignal, DEPLOYMENT_STATUS } from '../contract';
import { EXIT } from './exit-codes';
import { checkName, checkReason } from './inputs';
import { connectOrExit, notFound } from './connect';

export async function cancelCommand(id: string, options: { env: string; reason?: string }): Promise<number> {
  checkName('environment', options.env);
  checkName('correlation ID', id);
  const reason = options.reason === undefined ? 'cancelled with deployctl' : checkReason(options.reason);
  const { client, close } = await connectOrExit();
  try {
    const handle = client.workflow.getHandle(deploymentWorkflowId(options.env, id));
    try {
      // Signalled straight away: a deployment that ends at any moment before this is told apart below.
      await handle.signal(cancelDeploymentSignal, { reason });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const ended = await endedStatus(handle);
      if (ended === undefined) notFound(err, `deployment ${id} in environment ${options.env}`);
      process.stderr.write(`${id} had already ended (${ended}); nothing to cancel\n`);
      return EXIT.ok;
    }
    process.stderr.write(`${id}: cancel requested (${reason})\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

/** How a deployment that no longer takes signals ended; undefined when there is no such deployment. */
async function endedStatus(handle: WorkflowHandle): Promise<string | undefined> {
  // The search attribute needs no worker to answer, unlike a query of a closed workflow.
  const description = await handle.describe().catch(() => undefined);
  if (!description) return undefined;
  return description.typedSearchAttributes.get(DEPLOYMENT_STATUS) ?? description.status.name.toLowerCase();
}
