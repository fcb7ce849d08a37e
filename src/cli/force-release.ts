import { WorkflowNotFoundError } from '@temporalio/client';
import { lockWorkflowId } from '../contract/names';
import { forceReleaseSignal } from '../contract';
import { EXIT } from '../client/exit-codes';
import { checkName, checkReason } from '../client/inputs';
import { actorOption } from '../client/actor';
import { connectOrExit } from '../client/connect';
import { present } from '../domain/present';

export async function forceReleaseCommand(options: { env: string; reason?: string; by?: string }): Promise<number> {
  checkName('environment', options.env);
  const reason = checkReason(options.reason);
  const by = actorOption(options.by);
  const { client, close } = await connectOrExit();
  try {
    try {
      await client.workflow
        .getHandle(lockWorkflowId(options.env))
        .signal(forceReleaseSignal, { reason, ...present({ by }) });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      process.stderr.write(`environment ${options.env} has no lock yet: nothing to release\n`);
      return EXIT.ok;
    }
    process.stderr.write(
      `environment ${options.env}: turn force-released${by === undefined ? '' : ` by ${by}`} (${reason})\n`,
    );
    return EXIT.ok;
  } finally {
    await close();
  }
}
