// What a notice says, before it is shaped for Slack or for a log line: its headline and its one status line.
import type { DeploymentNotice, DeploymentStatus } from '../contract';
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
};

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The freeze a deployment finished inside, as of its end. */
function finishedWords(d: DeploymentNotice['deployment']): string {
  return closureLine(d.finishedInFreeze!, d.finishedAt ?? d.requestedAt);
}

/** The emoji and label a notice leads with. */
export function headline(notice: DeploymentNotice): { emoji: string; label: string } {
  if (notice.kind === 'stalled') return STATUS.stalled;
  if (notice.kind === 'stale-recovered') return { emoji: ':broom:', label: 'Ended without releasing' };
  return STATUS[notice.deployment.status];
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
      if (d.scheduledFor !== undefined && d.scheduledFor > d.requestedAt)
        return capitalized(scheduledWords(d.scheduledFor));
      if (queue === undefined) return 'Queued for the environment';
      if (!queue) return 'Starting: the environment is free';
      return (
        `Waiting: position ${queue.position} of ${queue.waiting}` +
        (queue.holderCorrelationId ? ` behind ${queue.holderCorrelationId}` : '') +
        (queue.closure
          ? `; ${d.environment} is ${closureLine(queue.closure, d.queuedAt ?? d.requestedAt)}`
          : `, about ${formatDuration(queue.etaMs)} to go`)
      );
    case 'started':
      return 'Deploying now';
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
        outcomeLine(outcome, STATUS[d.status].label),
        ...(d.freezeOverride ? [overrideWords(d.freezeOverride)] : []),
        ...(d.finishedInFreeze ? [`Finished inside a freeze: ${d.environment} is ${finishedWords(d)}`] : []),
        ...outputLines(d.outputs),
      ].join('\n');
    }
    default:
      return notice.detail ?? STATUS[d.status].label;
  }
}
