import { deploymentWorkflowId } from '../contract/names';
import { stateQuery } from '../contract';
import { EXIT } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { ASKING_AGAIN, renderState } from './render';
import { connectOrExit, notFound } from '../client/connect';
import { askUntilAnswered } from '../client/refused-query';

export async function statusCommand(id: string, options: { env: string; json?: boolean }): Promise<number> {
  checkName('environment', options.env);
  checkName('correlation ID', id);
  const { client, close } = await connectOrExit();
  try {
    const workflowId = deploymentWorkflowId(options.env, id);
    const handle = client.workflow.getHandle(workflowId);
    const state = await askUntilAnswered(() => handle.query(stateQuery), {
      onRefused: () => process.stderr.write(ASKING_AGAIN),
    }).catch((err: unknown) => notFound(err, `deployment ${id} in environment ${options.env}`));
    process.stdout.write(`${options.json ? JSON.stringify(state) : renderState(state)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}
