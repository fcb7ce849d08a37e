// Approvals of a deployment: who may approve, until when they count, and how they are said. Pure: the deployment's
// update validator, its state and deployctl share it.
import type { Approval, ApprovalRule, ApprovalState } from '../contract/governance';

/** The approvals that still count at `now`. */
export const liveApprovals = (approvals: Approval[], now: number) => approvals.filter((a) => a.expiresAt > now);

/** Until when `required` approvals count: the `required`-th latest expiry; undefined while there are too few. */
export function approvedUntil(approvals: Approval[], required: number, now: number): number | undefined {
  const expiries = liveApprovals(approvals, now)
    .map((a) => a.expiresAt)
    .sort((a, b) => b - a);
  return expiries.length >= required ? expiries[required - 1] : undefined;
}

/**
 * Why `by` may not approve (or reject) this deployment now; undefined when they may. The one rule of who counts:
 * deployctl names the approver today (--by, the CI actor); verified identities replace how `by` is found, not this.
 */
export function approverProblem(
  rule: ApprovalRule,
  by: string,
  requestedBy: string | undefined,
  environment: string,
): string | undefined {
  if (!rule.allowSelf && requestedBy !== undefined && by === requestedBy) {
    return `${by} requested this deployment and ${environment} does not allow self-approval`;
  }
  if (rule.approvers !== undefined && !rule.approvers.includes(by)) {
    return `${by} is not an approver of ${environment} (approvers: ${rule.approvers.join(', ')})`;
  }
  return undefined;
}

/** "1/2" approvals that count now. */
export const approvalCount = (state: ApprovalState, now: number) =>
  `${Math.min(liveApprovals(state.approvals, now).length, state.required)}/${state.required}`;

/** "approval (0/1)", for the queue and the state. */
export const awaitingApprovalWords = (state: ApprovalState, now: number) => `approval (${approvalCount(state, now)})`;

/** "approved by ana, bo (2/2)". */
export function approvedWords(state: ApprovalState, now: number): string {
  const by = liveApprovals(state.approvals, now).map((a) => a.by);
  return `approved by ${by.join(', ')} (${approvalCount(state, now)})`;
}

/** The command that approves it, as Slack and deployctl status show it. */
export const approveCommand = (environment: string, correlationId: string) =>
  `deployctl approve --env ${environment} ${correlationId}`;
