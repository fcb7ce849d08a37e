// How an environment delivers, from its deployments as visibility recorded them (deployctl stats): how often it
// changes, how often a change fails, how long it takes to recover, and how long deployments wait and take. Pure:
// the figures a hand calculation over `deployctl history --json` gives.
import type { HistoryEntry } from '../contract/deployment';

/** A deployment that took its turn and ended so is a failed change. */
const FAILED_CHANGE = ['failed', 'revoked', 'timed-out'];

/** The middle and the 90th percentile of a set of durations (nearest rank); null for none. */
export interface Spread {
  count: number;
  medianMs: number;
  p90Ms: number;
}

export interface DeliveryStats {
  environment: string;
  /** The window: requests from `since` (inclusive) to `until` (exclusive), ISO 8601. */
  since: string;
  until: string;
  days: number;
  /** Every request in the window, whatever became of it. */
  requested: number;
  /** Those that took their turn and ended: the changes. */
  deployed: number;
  deploymentsPerDay: number;
  /** Changes by UTC day of their request, oldest first; days without one left out. */
  daily: Array<{ day: string; deployed: number }>;
  /** Failed changes (failed, revoked, timed out after taking the turn) and rollbacks. */
  changeFailures: number;
  /** changeFailures over deployed; null when nothing deployed. */
  changeFailureRate: number | null;
  /** From the end of a failed change to the end of the next successful one, for each such failure run. */
  timeToRestore: Spread | null;
  /** When the failure run still unrestored at the window's end began (ISO 8601); null when the last change worked. */
  failingSince: string | null;
  queueWait: Spread | null;
  duration: Spread | null;
  /** From the commit to the end of its successful deployment, for those whose request said when the commit was made. */
  leadTime: Spread | null;
}

/** Nearest rank: the smallest value with at least `fraction` of the values at or below it. */
function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)]!;
}

export function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9) };
}

/** When an entry ended: its close, else its request plus its wait and its run. */
function endOf(entry: HistoryEntry): number {
  if (entry.endedAt !== null) return Date.parse(entry.endedAt);
  return Date.parse(entry.requestedAt) + (entry.queuedMs ?? 0) + (entry.durationMs ?? 0);
}

/**
 * The delivery figures of one environment's deployments requested in [since, until). A change is a deployment that
 * took its turn and ended (it has a duration); a rollback counts as a failed change besides the one it undoes.
 */
export function deliveryStats(
  environment: string,
  entries: HistoryEntry[],
  window: { since: number; until: number },
): DeliveryStats {
  const inWindow = entries.filter((entry) => {
    const at = Date.parse(entry.requestedAt);
    return at >= window.since && at < window.until;
  });
  const changes = inWindow
    .filter((entry) => entry.durationMs !== null && entry.workflowStatus !== 'RUNNING')
    .sort((a, b) => endOf(a) - endOf(b));
  const days = (window.until - window.since) / 86_400_000;

  const perDay = new Map<string, number>();
  for (const change of changes) {
    const day = change.requestedAt.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }

  const failed = (entry: HistoryEntry) => FAILED_CHANGE.includes(entry.status);
  const changeFailures = changes.filter(failed).length + changes.filter((entry) => entry.rollbackOf !== null).length;

  // A run of failures is restored by the next success; it is timed from its first failure.
  const restores: number[] = [];
  let failingSince: number | undefined;
  for (const change of changes) {
    if (failed(change)) failingSince ??= endOf(change);
    else if (change.status === 'succeeded' && failingSince !== undefined) {
      restores.push(endOf(change) - failingSince);
      failingSince = undefined;
    }
  }

  return {
    environment,
    since: new Date(window.since).toISOString(),
    until: new Date(window.until).toISOString(),
    days,
    requested: inWindow.length,
    deployed: changes.length,
    deploymentsPerDay: days > 0 ? changes.length / days : 0,
    daily: [...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, deployed]) => ({ day, deployed })),
    changeFailures,
    changeFailureRate: changes.length > 0 ? changeFailures / changes.length : null,
    timeToRestore: spread(restores),
    failingSince: failingSince === undefined ? null : new Date(failingSince).toISOString(),
    queueWait: spread(changes.flatMap((change) => (change.queuedMs === null ? [] : [change.queuedMs]))),
    duration: spread(changes.flatMap((change) => (change.durationMs === null ? [] : [change.durationMs]))),
    leadTime: spread(
      changes.flatMap((change) =>
        change.status === 'succeeded' && change.commitTime !== null
          ? [endOf(change) - Date.parse(change.commitTime)]
          : [],
      ),
    ),
  };
}
