// What a notice says, before it is shaped for Slack or for a log line: its headline and its one status line.
import { type DeploymentNotice, type DeploymentStatus, FAILURE } from '../contract';
import { approveCommand, approvedWords, awaitingApprovalWords } from '../domain/approvals';
import { evidenceWords, soakWords } from '../domain/promotion';
import { formatDuration } from '../domain/durations';
import { outcomeLine, outputLines } from '../domain/outcome';
import { closureLine, overrideWords, scheduledWords } from '../domain/closure-wording';
import { present } from '../domain/present';
import type { QueuePosition } from '../domain/queue-position';

const STATUS: Record<DeploymentStatus | 'stalled', { emoji: string; label: string }> = {
  pending: { emoji: ':hourglass_flowing_sand:', label: 'Requested' },
  queued: { emoji: ':hourglass_flowing_sand:', label: 'Queued' },
  deploying: { emoji: ':rocket:', label: 'Deploying' },
  stalled: { emoji: ':warning:', label: 'Stalled' },
  succeeded: { emoji: ':white_check_mark:', label: 'Succeeded' },
  failed: { emoji: ':x:', label: 'Failed' },
  cancelled: { emoji: ':no_entry_sign:', label: 'Cancelled' },
  superseded: { emoji: ':fast_forward:', label: 'Superseded' },
  revoked: { emoji: ':octagonal_sign:', label: 'Revoked (force-released)' },
  'timed-out': { emoji: ':alarm_clock:', label: 'Gave up waiting' },
  refused: { emoji: ':snowflake:', label: 'Refused (environment closed)' },
  rejected: { emoji: ':no_entry:', label: 'Rejected' },
};
const NOT_PROMOTED = { emoji: ':no_entry:', label: 'Refused (not promoted)' };

/** A status's emoji and label: a refusal says which rule refused it. */
const statusWords = (d: DeploymentNotice['deployment']) =>
  d.status === 'refused' && d.errorType === FAILURE.notPromoted ? NOT_PROMOTED : STATUS[d.status];

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The freeze a deployment finished inside, as of its end. */
function finishedWords(d: DeploymentNotice['deployment']): string {
  return closureLine(d.finishedInFreeze!, d.finishedAt ?? d.requestedAt);
}

/** The emoji and label a notice leads with. */
export function headline(notice: DeploymentNotice): { emoji: string; label: string } {
  if (notice.kind === 'stalled') return STATUS.stalled;
  if (notice.kind === 'stale-recovered') return { emoji: ':broom:', label: 'Ended without releasing' };
  return statusWords(notice.deployment);
}

/** "<stack> → <environment>", the subject of every notice. */
export function subject(notice: DeploymentNotice): string {
  return `${notice.deployment.stackName ?? '(stack pending)'} → ${notice.deployment.environment}`;
}

/**
 * The notice's one line of news. `queue` is where a queued deployment waits, when that was looked up; without it a
 * queued notice says only that it is queued, or, with `queue: null`, that the environment was free.
 */
export function statusLine(notice: DeploymentNotice, queue?: QueuePosition | null): string {
  const d = notice.deployment;
  switch (notice.kind) {
    case 'queued':
      return [queuedLine(notice, queue), ...gateLines(d)].join('\n');
    case 'started':
      return ['Deploying now', ...governanceLines(d)].join('\n');
    case 'finished': {
      const durationMs = d.startedAt !== undefined && d.finishedAt !== undefined ? d.finishedAt - d.startedAt : null;
      const outcome = {
        status: d.status,
        durationMs,
        why: d.error ?? d.reason ?? null,
        noChanges: d.noChanges === true,
        ...present({ stoppedBy: d.stoppedBy }),
      };
      return [
        outcomeLine(outcome, statusWords(d).label),
        ...governanceLines(d),
        ...(d.freezeOverride ? [overrideWords(d.freezeOverride)] : []),
        ...(d.finishedInFreeze ? [`Finished inside a freeze: ${d.environment} is ${finishedWords(d)}`] : []),
        ...outputLines(d.outputs),
      ].join('\n');
    }
    default:
      return notice.detail ?? statusWords(d).label;
  }
}

/** What a waiting deployment waits for besides its turn: its soak, its approvals (with the command that gives one). */
function gateLines(d: DeploymentNotice['deployment']): string[] {
  const at = d.queuedAt ?? d.requestedAt;
  const soaking = d.soakUntil !== undefined && d.soakUntil > at;
  return [
    ...(d.rollback ? [rollbackWords(d)] : []),
    ...(soaking ? [`${d.ref ?? 'The ref'} ${soakWords(d.soakUntil!, at)}`] : []),
    ...(d.approval && d.approval.approvedUntil === undefined
      ? [`Waiting for ${awaitingApprovalWords(d.approval, at)}: ${approveCommand(d.environment, d.correlationId)}`]
      : []),
  ];
}

/** What let it through: its promotion's evidence, its approvals; and whether it is a rollback. */
function governanceLines(d: DeploymentNotice['deployment']): string[] {
  const at = d.startedAt ?? d.finishedAt ?? d.requestedAt;
  return [
    ...(d.rollback ? [rollbackWords(d)] : []),
    ...(d.promotedFrom ? [capitalized(evidenceWords(d.promotedFrom, at))] : []),
    ...(d.approval && d.approval.approvals.length > 0 && d.startedAt !== undefined
      ? [capitalized(approvedWords(d.approval, at))]
      : []),
  ];
}

const rollbackWords = (d: DeploymentNotice['deployment']) =>
  `Rollback to ${d.rollback!.correlationId}${d.ref ? ` (${d.ref})` : ''}: ${d.rollback!.reason}`;

function queuedLine(notice: DeploymentNotice, queue?: QueuePosition | null): string {
  const d = notice.deployment;
  if (d.scheduledFor !== undefined && d.scheduledFor > d.requestedAt)
    return capitalized(scheduledWords(d.scheduledFor));
  if (queue === undefined) return 'Queued for the environment';
  if (!queue) return gateLines(d).length > 0 ? 'Queued: the environment is free' : 'Starting: the environment is free';
  return (
    `Waiting: position ${queue.position} of ${queue.waiting}` +
    (queue.holderCorrelationId ? ` behind ${queue.holderCorrelationId}` : '') +
    (queue.closure
      ? `; ${d.environment} is ${closureLine(queue.closure, d.queuedAt ?? d.requestedAt)}`
      : `, about ${formatDuration(queue.etaMs)} to go`)
  );
}
