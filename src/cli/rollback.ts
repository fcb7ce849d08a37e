// deployctl rollback: repeats a deployment that succeeded in the environment, with its recorded inputs, ahead of
// normal requests. Exempt from promotion (it ran here already); freezes still hold unless overridden.
import { deploymentRequest } from '../client/deployment-request';
import { connectOrExit } from '../client/connect';
import { ExitError, EXIT, usageError } from '../client/exit-codes';
import { checkName, checkReason } from '../client/inputs';
import { recordedInput } from '../visibility/recorded-input';
import { rollbackTarget } from '../domain/rollback-target';
import { listDeployments } from '../visibility/deployments';
import { type DeployOptions, requestAndFollow } from './deploy';

export interface RollbackOptions extends Omit<DeployOptions, 'priority' | 'ref' | 'stack' | 'assembly'> {
  to?: string;
  ref?: string;
}

export async function rollbackCommand(options: RollbackOptions): Promise<number> {
  checkName('environment', options.env);
  if (options.to !== undefined && options.ref !== undefined) throw usageError('give --to or --ref, not both');
  if (options.to !== undefined) checkName('correlation ID', options.to);
  if (options.ref !== undefined) checkName('ref', options.ref);
  const reason = checkReason(options.reason);
  if (reason.length > 200) throw usageError('--reason has at most 200 characters');
  const { client, close } = await connectOrExit();
  let target;
  try {
    const succeeded = await listDeployments(client, { environment: options.env, status: 'succeeded' }, 200);
    const found = rollbackTarget(succeeded, options.env, { ...options });
    if (typeof found === 'string') throw new ExitError(EXIT.usage, `cannot roll back: ${found}`);
    target = { deployment: found, input: await recordedInput(client, found) };
  } finally {
    await close();
  }
  const { deployment, input } = target;
  if (input.runner) {
    throw usageError(
      `${deployment.correlationId} ran its deploy step on a CI runner: roll back by running it again there ` +
        `(deployctl run --ref ${input.ref ?? '<ref>'} --priority high)`,
    );
  }
  process.stderr.write(`${options.env}: rolling back to ${deployment.correlationId} (ref ${input.ref ?? '-'})\n`);
  const request = deploymentRequest({
    ...options,
    priority: 'high',
    ...(input.ref === undefined ? {} : { ref: input.ref }),
    ...(input.stackName === undefined ? {} : { stack: input.stackName }),
    ...(input.assembly === undefined ? {} : { assembly: input.assembly }),
    reason: options.overrideFreeze ? reason : undefined,
    rollback: { correlationId: deployment.correlationId, reason },
  });
  return requestAndFollow(request, { ...options, priority: 'high' });
}
