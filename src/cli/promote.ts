// deployctl promote: deploys to an environment the ref that last succeeded upstream (or checks the one given). The
// deployment checks promotion itself, when asked and again when its turn comes; this only picks the ref.
import { deploymentRequest } from '../client/deployment-request';
import { loadCliConfig } from '../client/deploy-inputs';
import { connectOrExit } from '../client/connect';
import { EXIT, ExitError, usageError } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { recordedInput } from '../client/recorded-input';
import { lastSucceeded } from '../visibility/deployments';
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
  const { client, close } = await connectOrExit();
  let picked: { ref: string; assembly?: string };
  try {
    const upstream = await lastSucceeded(client, options.from, options.ref);
    if (!upstream) {
      const what = options.ref === undefined ? 'no deployment' : options.ref;
      throw new ExitError(EXIT.notPromoted, `not promoted: ${what} has not succeeded in ${options.from}`);
    }
    if (upstream.ref === undefined) {
      throw new ExitError(
        EXIT.notPromoted,
        `not promoted: ${upstream.correlationId}, the last success in ${options.from}, names no ref`,
      );
    }
    // The upstream assembly, unless one is given or the target deploys otherwise (its config says).
    const targetKind = loadCliConfig(options.config)?.environments[options.to]?.deploy.type;
    const reuse = options.assembly === undefined && (targetKind === undefined || targetKind === 'cdk');
    const { assembly } = reuse ? await recordedInput(client, upstream) : {};
    picked = { ref: upstream.ref, ...(assembly === undefined ? {} : { assembly }) };
    process.stderr.write(`${options.to}: promoting ${picked.ref} from ${options.from} (${upstream.correlationId})\n`);
  } finally {
    await close();
  }
  const request = deploymentRequest({
    ...options,
    env: options.to,
    ...picked,
    ...(options.assembly ? { assembly: options.assembly } : {}),
  });
  return requestAndFollow(request, { ...options, env: options.to });
}
