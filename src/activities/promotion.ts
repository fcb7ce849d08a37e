// The promotion check: reads what the upstream environments recorded, and rules on one ref.
import type { Client } from '@temporalio/client';
import type { PromotionRule, PromotionVerdict } from '../contract';
import { promotionVerdict, type UpstreamRecord } from '../domain/promotion';
import { listDeployments } from '../visibility/deployments';

export interface PromotionCheck {
  rule: PromotionRule;
  ref: string;
  /** The time to rule at (the workflow's clock: when it asks, or when its turn came). */
  at: number;
}

export function createCheckPromotion(client: Client) {
  return async function checkPromotion({ rule, ref, at }: PromotionCheck): Promise<PromotionVerdict> {
    const records: UpstreamRecord[] = await Promise.all(
      rule.from.map(async (environment) => {
        const [ofRef, latest] = await Promise.all([
          listDeployments(client, { environment, ref }, 200),
          listDeployments(client, { environment }, 10),
        ]);
        return { environment, ofRef, ...(latest[0] ? { latest: latest[0] } : {}) };
      }),
    );
    return promotionVerdict(rule, ref, records, at);
  };
}
