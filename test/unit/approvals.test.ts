// Approvals without a server: who may approve, until when approvals count, and how they are said.
import type { Approval, ApprovalRule, ApprovalState } from '../../src/contract/governance';
import {
  approvalCount,
  approveCommand,
  approvedUntil,
  approvedWords,
  approverProblem,
  awaitingApprovalWords,
  liveApprovals,
} from '../../src/domain/approvals';

const NOW = 100_000;
const approval = (by: string, expiresAt: number): Approval => ({ by, at: expiresAt - 60_000, expiresAt });

test('liveApprovals: those that have not expired; one expiring now no longer counts', () => {
  const approvals = [approval('ana', NOW - 1), approval('bo', NOW), approval('cy', NOW + 1)];
  expect(liveApprovals(approvals, NOW).map((a) => a.by)).toEqual(['cy']);
});

describe('approvedUntil', () => {
  test('one required: none, then the latest expiry of those in force', () => {
    expect(approvedUntil([], 1, NOW)).toBeUndefined();
    expect(approvedUntil([approval('ana', NOW + 5_000)], 1, NOW)).toBe(NOW + 5_000);
    expect(approvedUntil([approval('ana', NOW + 5_000), approval('bo', NOW + 9_000)], 1, NOW)).toBe(NOW + 9_000);
  });

  test('one required: an expired approval does not count', () => {
    expect(approvedUntil([approval('ana', NOW - 5_000)], 1, NOW)).toBeUndefined();
    expect(approvedUntil([approval('ana', NOW + 5_000)], 1, NOW + 5_000)).toBeUndefined();
  });

  test('two required: until the second latest expiry, once there are two in force', () => {
    expect(approvedUntil([approval('ana', NOW + 5_000)], 2, NOW)).toBeUndefined();
    expect(approvedUntil([approval('ana', NOW + 9_000), approval('bo', NOW + 5_000)], 2, NOW)).toBe(NOW + 5_000);
    const three = [approval('ana', NOW + 5_000), approval('bo', NOW + 9_000), approval('cy', NOW + 7_000)];
    expect(approvedUntil(three, 2, NOW)).toBe(NOW + 7_000);
  });

  test('two required: expired approvals are left out, even when they would make two', () => {
    const approvals = [approval('ana', NOW - 1_000), approval('bo', NOW + 9_000)];
    expect(approvedUntil(approvals, 2, NOW)).toBeUndefined();
    const withAnother = [...approvals, approval('cy', NOW + 3_000)];
    expect(approvedUntil(withAnother, 2, NOW)).toBe(NOW + 3_000);
    // Once cy's expires, there are too few again.
    expect(approvedUntil(withAnother, 2, NOW + 3_000)).toBeUndefined();
  });
});

describe('approverProblem', () => {
  const rule = (overrides: Partial<ApprovalRule> = {}): ApprovalRule => ({
    required: 1,
    allowSelf: false,
    expiresMs: 4 * 3_600_000,
    ...overrides,
  });

  test('self-approval is refused unless the environment allows it', () => {
    expect(approverProblem(rule(), 'ana', 'ana', 'production')).toBe(
      'ana requested this deployment and production does not allow self-approval',
    );
    expect(approverProblem(rule({ allowSelf: true }), 'ana', 'ana', 'production')).toBeUndefined();
  });

  test('anyone else may approve when no approvers are listed, and anyone at all when the requester is unknown', () => {
    expect(approverProblem(rule(), 'bo', 'ana', 'production')).toBeUndefined();
    expect(approverProblem(rule(), 'ana', undefined, 'production')).toBeUndefined();
  });

  test('an approver who is not listed is refused; a listed one may approve', () => {
    const listed = rule({ approvers: ['bo', 'cy'] });
    expect(approverProblem(listed, 'eve', 'ana', 'production')).toBe(
      'eve is not an approver of production (approvers: bo, cy)',
    );
    expect(approverProblem(listed, 'cy', 'ana', 'production')).toBeUndefined();
    // Allowed to approve their own deployment, but still not on the list.
    expect(approverProblem({ ...listed, allowSelf: true }, 'ana', 'ana', 'production')).toBe(
      'ana is not an approver of production (approvers: bo, cy)',
    );
  });

  test('a listed approver who requested the deployment is refused as the requester', () => {
    expect(approverProblem(rule({ approvers: ['ana', 'bo'] }), 'ana', 'ana', 'production')).toBe(
      'ana requested this deployment and production does not allow self-approval',
    );
  });
});

describe('wording', () => {
  const state = (approvals: Approval[], required = 2): ApprovalState => ({ required, approvals });

  test('approvalCount: those in force, at most the number required', () => {
    expect(approvalCount(state([]), NOW)).toBe('0/2');
    expect(approvalCount(state([approval('ana', NOW + 1), approval('bo', NOW - 1)]), NOW)).toBe('1/2');
    const three = [approval('ana', NOW + 1), approval('bo', NOW + 2), approval('cy', NOW + 3)];
    expect(approvalCount(state(three), NOW)).toBe('2/2');
  });

  test('approvedWords: who approved, of those in force', () => {
    const approvals = [approval('ana', NOW + 1_000), approval('old', NOW - 1), approval('bo', NOW + 2_000)];
    expect(approvedWords(state(approvals), NOW)).toBe('approved by ana, bo (2/2)');
    expect(approvedWords(state(approvals), NOW + 1_000)).toBe('approved by bo (1/2)');
  });

  test('what a waiting deployment shows, and the command that approves it', () => {
    expect(awaitingApprovalWords(state([], 1), NOW)).toBe('approval (0/1)');
    expect(approveCommand('production', 'deploy-7')).toBe('deployctl approve --env production deploy-7');
  });
});
