import { WorkflowNotFoundError } from '@temporalio/client';
import { lockWorkflowId } from '../contract/names';
import { queueQuery, type QueueView } from '../contract';
import { EXIT } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { ASKING_AGAIN, renderQueue } from './render';
import { connectOrExit } from '../client/connect';
import { askUntilAnswered } from '../client/refused-query';

export async function queueCommand(options: { env: string; json?: boolean }): Promise<number> {
  checkName('environment', options.env);
  const { client, close } = await connectOrExit();
  try {
    const lock = client.workflow.getHandle(lockWorkflowId(options.env));
    const view: QueueView = await askUntilAnswered(() => lock.query(queueQuery), {
      onRefused: () => process.stderr.write(ASKING_AGAIN),
    }).catch((err: unknown) => {
      // No lock workflow yet: nobody has deployed to this environment.
      if (err instanceof WorkflowNotFoundError) return { environment: options.env, holder: null, waiting: [] };
      throw err;
    });
    process.stdout.write(`${options.json ? JSON.stringify(view) : renderQueue(view)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}
