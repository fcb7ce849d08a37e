import { WorkflowNotFoundError } from '@temporalio/client';
import { lockWorkflowId } from '../contract/names';
import { forceReleaseSignal, forceReleaseUpdate } from '../contract';
import { EXIT } from '../client/exit-codes';
import { checkName, checkReason } from '../client/inputs';
import { accessDeniedExit, byWords, operatorIdentity, type OperatorOptions } from '../client/actor';
import { sendOperatorMessage } from '../client/operator-message';
import { connectOrExit } from '../client/connect';

export async function forceReleaseCommand(
  options: OperatorOptions & { env: string; reason?: string },
): Promise<number> {
  checkName('environment', options.env);
  const reason = checkReason(options.reason);
  const who = await operatorIdentity(options);
  const { client, close } = await connectOrExit();
  try {
    try {
      await sendOperatorMessage(
        client.workflow.getHandle(lockWorkflowId(options.env)),
        forceReleaseUpdate,
        forceReleaseSignal,
        { reason, ...who },
      );
    } catch (err) {
      const denied = accessDeniedExit(err, `environment ${options.env}`);
      if (denied) throw denied;
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      process.stderr.write(`environment ${options.env} has no running lock: nothing to release\n`);
      return EXIT.ok;
    }
    process.stderr.write(`environment ${options.env}: turn force-released${byWords(who)} (${reason})\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}
