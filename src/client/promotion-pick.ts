// Which ref a promotion deploys: the one that last succeeded upstream, or the one asked for if it succeeded there.
// The deployment checks promotion itself (soak, maxAge, failures since); this only picks, for deployctl promote and
// the action's promote-from.
import { EXIT, ExitError } from './exit-codes';
import { connectOrExit } from './connect';
import { loadCliConfig } from './deploy-inputs';
import { recordedInput } from '../visibility/recorded-input';
import { lastSucceeded } from '../visibility/deployments';

export interface PromotionPick {
  ref: string;
  /** The upstream deployment's assembly, when it had one and it is wanted. */
  assembly?: string;
  /** The upstream deployment it was picked from. */
  correlationId: string;
}

/** Where the ref goes: the environment, the assembly given for it (if any), the config deployctl checks against. */
export interface PromotionTarget {
  environment: string;
  assembly?: string;
  config?: string;
}

/**
 * Picks the ref to promote from `from` (`ref`: check that one instead). The upstream deployment's cloud assembly goes
 * with it unless one is given or the target deploys otherwise (its config says). Refused (exit 5) when nothing
 * qualifies.
 */
export async function pickPromotion(
  from: string,
  ref: string | undefined,
  target: PromotionTarget,
): Promise<PromotionPick> {
  const targetKind = loadCliConfig(target.config)?.environments[target.environment]?.deploy.type;
  const withAssembly = target.assembly === undefined && (targetKind === undefined || targetKind === 'cdk');
  const { client, close } = await connectOrExit();
  try {
    const upstream = await lastSucceeded(client, from, ref);
    if (!upstream) {
      const what = ref === undefined ? `no deployment has succeeded in ${from}` : `${ref} has not succeeded in ${from}`;
      throw new ExitError(EXIT.notPromoted, `not promoted: ${what}`);
    }
    if (upstream.ref === undefined) {
      throw new ExitError(
        EXIT.notPromoted,
        `not promoted: ${upstream.correlationId}, the last success in ${from}, names no ref`,
      );
    }
    const { assembly } = withAssembly ? await recordedInput(client, upstream) : {};
    return {
      ref: upstream.ref,
      correlationId: upstream.correlationId,
      ...(assembly === undefined ? {} : { assembly }),
    };
  } finally {
    await close();
  }
}
