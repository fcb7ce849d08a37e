import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { deploymentWorkflowId } from '../contract/names';
import { cancelDeploymentSignal, cancelDeploymentUpdate, DEPLOYMENT_STATUS } from '../contract';
import { EXIT } from '../client/exit-codes';
import { checkName, checkReason } from '../client/inputs';
import { accessDeniedExit, byWords, operatorIdentity, type OperatorOptions } from '../client/actor';
import { sendOperatorMessage } from '../client/operator-message';
import { connectOrExit, notFound } from '../client/connect';

export async function cancelCommand(
  id: string,
  options: OperatorOptions & { env: string; reason?: string },
): Promise<number> {
  checkName('environment', options.env);
  checkName('correlation ID', id);
  const reason = options.reason === undefined ? 'cancelled with deployctl' : checkReason(options.reason);
  const who = await operatorIdentity(options);
  const { client, close } = await connectOrExit();
  try {
    const handle = client.workflow.getHandle(deploymentWorkflowId(options.env, id));
    try {
      // Sent straight away: a deployment that ends at any moment before this is told apart below. The worker decides
      // it by the environment's operator rules before it takes effect.
      await sendOperatorMessage(handle, cancelDeploymentUpdate, cancelDeploymentSignal, { reason, ...who });
    } catch (err) {
      const denied = accessDeniedExit(err, id);
      if (denied) throw denied;
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const ended = await endedStatus(handle);
      if (ended === undefined) notFound(err, `deployment ${id} in environment ${options.env}`);
      process.stderr.write(`${id} had already ended (${ended}); nothing to cancel\n`);
      return EXIT.ok;
    }
    // Temporal's own cancel too, once the worker has taken it: the workflow then ends Canceled in the Web UI. A
    // deployment that has ended meanwhile refuses it, and credentials without it (docs/trust.md) are refused it:
    // neither changes the outcome, which the update has decided.
    await handle.cancel().catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) {
        process.stderr.write(`${id}: (Temporal's own cancel was refused: ${(err as Error).message})\n`);
      }
    });
    process.stderr.write(`${id}: cancel requested${byWords(who)} (${reason})\n`);
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
