// Which ref a promotion deploys: the one that last succeeded upstream, or the one asked for if it succeeded there.
// The deployment checks promotion itself (soak, maxAge, failures since); this only picks, for deployctl promote and
// the action's promote-from.
import { EXIT, ExitError } from './exit-codes';
import { connectOrExit } from './connect';
import { recordedInput } from './recorded-input';
import { lastSucceeded } from '../visibility/deployments';

export interface PromotionPick {
  ref: string;
  /** The upstream deployment's assembly, when it had one and it is wanted. */
  assembly?: string;
  /** The upstream deployment it was picked from. */
  correlationId: string;
}

/**
 * Picks the ref to promote from `from` (`ref`: check that one instead); `withAssembly`: reuse the upstream
 * deployment's cloud assembly. Refused (exit 5) when nothing qualifies.
 */
export async function pickPromotion(
  from: string,
  ref: string | undefined,
  withAssembly: boolean,
): Promise<PromotionPick> {
  const { client, close } = await connectOrExit();
  try {
    const upstream = await lastSucceeded(client, from, ref);
    if (!upstream) {
      throw new ExitError(EXIT.notPromoted, `not promoted: ${ref ?? 'no deployment'} has not succeeded in ${from}`);
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
