// What may reach an environment, and who lets it: promotion from upstream environments with a soak time, approvals
// collected while a deployment waits, and rollbacks to a deployment that succeeded there.

/** Promotion: a ref deploys here only after it succeeded in each `from` environment. */
export interface PromotionRule {
  /** The upstream environments, each checked alone. */
  from: string[];
  /** How long the ref must have succeeded upstream before its turn here. */
  soakMs: number;
  /** How old the upstream success may be at most; absent: any age. */
  maxAgeMs?: number;
}

/** Approvals: `required` people (of `approvers`, when listed) approve a deployment before it may take its turn. */
export interface ApprovalRule {
  required: number;
  /** Who may approve; absent: anyone but (unless allowSelf) the requester. */
  approvers?: string[];
  allowSelf: boolean;
  /** How long an approval counts; one that expires before the turn is void. */
  expiresMs: number;
}

/** The upstream deployment a promotion rests on: recorded with the deployment it let through. */
export interface PromotionEvidence {
  environment: string;
  correlationId: string;
  ref: string;
  /** When it succeeded (epoch milliseconds). */
  succeededAt: number;
}

/**
 * What the promotion check found: the ref may deploy now (with its evidence), once its soak ends (`readyAt`), or
 * never as things stand (`reason` says which check failed and what would satisfy it).
 */
export type PromotionVerdict =
  | { kind: 'ready'; evidence: PromotionEvidence[] }
  | { kind: 'soaking'; readyAt: number; evidence: PromotionEvidence[] }
  | { kind: 'refused'; reason: string };

export interface Approval {
  by: string;
  at: number;
  expiresAt: number;
  comment?: string;
}

/** A deployment's approvals as its state shows them. */
export interface ApprovalState {
  required: number;
  approvers?: string[];
  approvals: Approval[];
  /** Until when the approvals count (the `required`-th latest expiry); absent until there are enough. */
  approvedUntil?: number;
}

/** A rollback: it repeats a deployment that succeeded in its environment, with that deployment's recorded inputs. */
export interface RollbackOf {
  /** The correlation ID of the deployment it repeats. */
  correlationId: string;
  reason: string;
  /** Queued by the coordinator when this alarm ended a bake (onAlarm: rollback): if it fails, it freezes. */
  afterBakeAlarm?: string;
}
