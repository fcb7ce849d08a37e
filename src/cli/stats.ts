// deployctl stats: how environments deliver (deployments per day, change failure rate, time to restore, queue wait and
// duration), from visibility alone: no worker needed, and closed deployments count as long as the namespace keeps them.
import { DEPLOYMENT_ENVIRONMENT, type HistoryEntry } from '../contract';
import { connectOrExit } from '../client/connect';
import { EXIT, usageError } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { quoted } from '../contract/names';
import { type DeliveryStats, deliveryStats, type Spread } from '../domain/delivery-stats';
import { formatDuration, parseDuration } from '../domain/durations';
import { historyEntry } from '../visibility/deployments';

/** Visibility keeps closed workflows for the namespace's retention; more than a year is never asked of it. */
const LONGEST_WINDOW_MS = 366 * 86_400_000;
/** Enough for a busy environment's year; beyond it the figures would be of a sample, so deployctl says so. */
const MOST_DEPLOYMENTS = 20_000;

function checkSince(value: string): number {
  const since = parseDuration(value);
  if (since === undefined || since < 3_600_000 || since > LONGEST_WINDOW_MS) {
    throw usageError(`invalid --since ${quoted(value)}: a duration from 1h to 366d, e.g. 7d, 30d`);
  }
  return since;
}

export async function statsCommand(options: { env?: string[]; since: string; json?: boolean }): Promise<number> {
  const environments = [...new Set(options.env ?? [])];
  for (const name of environments) checkName('environment', name);
  const until = Date.now();
  const since = until - checkSince(options.since);
  // (Environment names are checked above: no quote can reach the query.)
  const query = [
    `WorkflowType = 'deployment'`,
    `StartTime >= '${new Date(since).toISOString()}'`,
    ...(environments.length > 0
      ? [`${DEPLOYMENT_ENVIRONMENT.name} IN (${environments.map((name) => `'${name}'`).join(', ')})`]
      : []),
  ].join(' AND ');
  const { client, close } = await connectOrExit();
  try {
    const byEnvironment = new Map<string, HistoryEntry[]>(environments.map((name) => [name, []]));
    let listed = 0;
    for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
      const environment = execution.typedSearchAttributes.get(DEPLOYMENT_ENVIRONMENT);
      if (environment === undefined) continue;
      if ((listed += 1) > MOST_DEPLOYMENTS) {
        throw usageError(`more than ${MOST_DEPLOYMENTS} deployments since ${options.since}: give a shorter --since`);
      }
      byEnvironment.set(environment, [...(byEnvironment.get(environment) ?? []), historyEntry(execution)]);
    }
    const stats = [...byEnvironment.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([environment, entries]) => deliveryStats(environment, entries, { since, until }));
    process.stdout.write(`${options.json ? JSON.stringify(stats) : renderStats(stats, options.since)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

const spreadWords = (value: Spread | null) =>
  value === null ? '-' : `median ${formatDuration(value.medianMs)}, p90 ${formatDuration(value.p90Ms)}`;

function renderStats(stats: DeliveryStats[], since: string): string {
  if (stats.length === 0) return `no deployments in the last ${since}`;
  return stats
    .map((s) => {
      const rate = s.changeFailureRate === null ? '-' : `${(s.changeFailureRate * 100).toFixed(1)}%`;
      const restore =
        s.timeToRestore === null ? '-' : `${spreadWords(s.timeToRestore)} (${s.timeToRestore.count} restored)`;
      return [
        `${s.environment} (last ${since}):`,
        `  deployments:          ${s.deployed} of ${s.requested} requests, ${s.deploymentsPerDay.toFixed(2)} a day`,
        `  change failure rate:  ${rate} (${s.changeFailures} failed or rolled back)`,
        `  time to restore:      ${restore}${s.failingSince ? `; failing since ${s.failingSince}` : ''}`,
        `  queue wait:           ${spreadWords(s.queueWait)}`,
        `  duration:             ${spreadWords(s.duration)}`,
        `  lead time:            ${s.leadTime === null ? '- (requests without --commit-time)' : spreadWords(s.leadTime)}`,
      ].join('\n');
    })
    .join('\n\n');
}
