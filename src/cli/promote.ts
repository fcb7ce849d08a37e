// deployctl promote: deploys to an environment the ref that last succeeded upstream (or checks the one given). The
// deployment checks promotion itself, when asked and again when its turn comes; this only picks the ref.
import { deploymentRequest } from '../client/deployment-request';
import { usageError } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { pickPromotion } from '../client/promotion-pick';
import { present } from '../domain/present';
import { type DeployOptions, requestAndFollow } from './deploy';

export interface PromoteOptions extends Omit<DeployOptions, 'env'> {
  from: string;
  to: string;
}

export async function promoteCommand(options: PromoteOptions): Promise<number> {
  checkName('environment', options.from);
  checkName('environment', options.to);
  if (options.from === options.to) throw usageError('--from and --to name the same environment');
  if (options.ref !== undefined) checkName('ref', options.ref);
  const picked = await pickPromotion(
    options.from,
    options.ref,
    present({ environment: options.to, assembly: options.assembly, config: options.config }),
  );
  process.stderr.write(`${options.to}: promoting ${picked.ref} from ${options.from} (${picked.correlationId})\n`);
  const request = deploymentRequest({
    ...options,
    env: options.to,
    ref: picked.ref,
    ...present({ assembly: options.assembly ?? picked.assembly }),
  });
  return requestAndFollow(request, { ...options, env: options.to });
}
