import { deploymentWorkflowId } from '../names';
import { cancelDeploymentSignal } from '../workflows/messages';
import { EXIT } from './exit-codes';
import { checkName, checkReason } from './inputs';
import { connectOrExit, notFound } from './temporal';

export async function cancelCommand(id: string, options: { env: string; reason?: string }): Promise<number> {
  checkName('environment', options.env);
  checkName('correlation ID', id);
  const reason = options.reason === undefined ? 'cancelled with deployctl' : checkReason(options.reason);
  const { client, close } = await connectOrExit();
  try {
    const handle = client.workflow.getHandle(deploymentWorkflowId(options.env, id));
    const description = await handle
      .describe()
      .catch((err: unknown) => notFound(err, `deployment ${id} in environment ${options.env}`));
    if (description.status.name !== 'RUNNING') {
      process.stderr.write(`${id} has already ended (${description.status.name.toLowerCase()}); nothing to cancel\n`);
      return EXIT.ok;
    }
    await handle.signal(cancelDeploymentSignal, { reason });
    process.stderr.write(`${id}: cancel requested (${reason})\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}
