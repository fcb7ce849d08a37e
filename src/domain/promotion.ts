// Whether a ref may be promoted into an environment, from what its upstream environments recorded. Pure: the
// activity that reads visibility and the tests give it the records and the clock.
import type { PromotionEvidence, PromotionRule, PromotionVerdict } from '../contract/governance';
import { formatDuration } from './durations';
import { formatInstant } from './closure-wording';

/** One deployment upstream, as visibility recorded it. */
export interface UpstreamDeployment {
  environment: string;
  correlationId: string;
  ref?: string;
  /** Its final status, or its status now while it runs. */
  status: string;
  requestedAt: number;
  /** When it closed; absent while it runs. */
  closedAt?: number;
}

/** What the check reads in one upstream environment. */
export interface UpstreamRecord {
  environment: string;
  /** The ref's deployments there, any order. */
  ofRef: UpstreamDeployment[];
  /** The environment's latest deployment, of any ref: what a refusal points to. */
  latest?: UpstreamDeployment;
}

const ago = (at: number, now: number) => `${formatDuration(now - at)} ago`;

function latestWords(record: UpstreamRecord, now: number): string {
  const { latest, environment } = record;
  if (!latest) return `${environment} has had no deployment yet`;
  const ref = latest.ref === undefined ? '' : ` of ${latest.ref}`;
  return `last ${environment} deployment: ${latest.correlationId}${ref}, ${latest.status}, ${ago(latest.requestedAt, now)}`;
}

/**
 * One upstream environment's verdict on `ref`: its successes there since it last failed there count (a failure after
 * the newest success refuses it); the newest must be within maxAge; the soak runs from the oldest still within it.
 */
function upstreamVerdict(rule: PromotionRule, ref: string, record: UpstreamRecord, now: number): PromotionVerdict {
  const { environment } = record;
  const byRequest = (a: UpstreamDeployment, b: UpstreamDeployment) => b.requestedAt - a.requestedAt;
  const ended = record.ofRef.filter((d) => d.closedAt !== undefined).sort(byRequest);
  const lastFailure = ended.find((d) => d.status === 'failed');
  const succeeded = ended.filter((d) => d.status === 'succeeded');
  const newest = succeeded[0];
  if (!newest)
    return { kind: 'refused', reason: `${ref} has not succeeded in ${environment}; ${latestWords(record, now)}` };
  if (lastFailure && lastFailure.requestedAt > newest.requestedAt) {
    return {
      kind: 'refused',
      reason:
        `${ref} failed in ${environment} (${lastFailure.correlationId}, ${ago(lastFailure.closedAt!, now)}) ` +
        `after it succeeded there: deploy it to ${environment} again first`,
    };
  }
  const maxAge = rule.maxAgeMs ?? Infinity;
  if (now - newest.closedAt! > maxAge) {
    return {
      kind: 'refused',
      reason:
        `${ref} succeeded in ${environment} ${ago(newest.closedAt!, now)} (${newest.correlationId}), longer ago ` +
        `than its maxAge of ${formatDuration(maxAge)}: deploy it to ${environment} again first`,
    };
  }
  const counted = succeeded.filter(
    (d) => now - d.closedAt! <= maxAge && (!lastFailure || d.requestedAt > lastFailure.requestedAt),
  );
  const oldest = counted[counted.length - 1]!;
  const succeededAt = oldest.closedAt!;
  const evidence: PromotionEvidence[] = [{ environment, correlationId: oldest.correlationId, ref, succeededAt }];
  const readyAt = succeededAt + rule.soakMs;
  return readyAt > now ? { kind: 'soaking', readyAt, evidence } : { kind: 'ready', evidence };
}

/** The verdict on deploying `ref`: refused if any upstream refuses; else soaking until the last soak ends. */
export function promotionVerdict(
  rule: PromotionRule,
  ref: string,
  records: UpstreamRecord[],
  now: number,
): PromotionVerdict {
  const verdicts = rule.from.map((environment) =>
    upstreamVerdict(
      rule,
      ref,
      records.find((record) => record.environment === environment) ?? { environment, ofRef: [] },
      now,
    ),
  );
  const refused = verdicts.filter((v) => v.kind === 'refused');
  if (refused.length > 0) return { kind: 'refused', reason: refused.map((v) => v.reason).join('; ') };
  const evidence = verdicts.flatMap((v) => (v.kind === 'refused' ? [] : v.evidence));
  const readyAt = Math.max(...verdicts.map((v) => (v.kind === 'soaking' ? v.readyAt : 0)));
  return readyAt > now ? { kind: 'soaking', readyAt, evidence } : { kind: 'ready', evidence };
}

/** "soaks in staging until Mon 2026-12-07 08:00 UTC (in 4m)"; "soaks upstream until ..." without `from`. */
export function soakWords(readyAt: number, now: number, from?: string[]): string {
  const where = from ? `in ${from.join(' and ')}` : 'upstream';
  return `soaks ${where} until ${formatInstant(readyAt)} (in ${formatDuration(readyAt - now)})`;
}

/** "promoted from staging (deploy-…-12, succeeded 2h ago)". */
export function evidenceWords(evidence: PromotionEvidence[], now: number): string {
  return `promoted from ${evidence
    .map((e) => `${e.environment} (${e.correlationId}, succeeded ${ago(e.succeededAt, now)})`)
    .join(', ')}`;
}

/** Why a ref cannot take part in promotion queries (they quote it). */
export function promotableRefProblem(ref: string | undefined, environment: string): string | undefined {
  if (ref === undefined) return `${environment} takes only promoted refs: give the ref (--ref) that succeeded upstream`;
  return /['"\\]/.test(ref) ? `ref ${JSON.stringify(ref)}: a promoted ref has no quotes or backslashes` : undefined;
}
