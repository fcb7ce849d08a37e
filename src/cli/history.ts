// deployctl history: an environment's recent deployments, from visibility alone (search attributes and memo), so it
// answers without a worker and for deployments long closed.
import {
  DEPLOYMENT_ENVIRONMENT,
  DEPLOYMENT_STATUS,
  DEPLOYMENT_STATUSES,
  type DeploymentStatus,
  type HistoryEntry,
} from '../contract';
import { historyEntry } from '../visibility/deployments';
import { EXIT, usageError } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { quoted } from '../contract/names';
import { renderHistory } from './render';
import { connectOrExit } from '../client/connect';

const MAX_LIMIT = 1000;

export async function historyCommand(options: {
  env: string;
  limit: string;
  status?: string;
  json?: boolean;
}): Promise<number> {
  checkName('environment', options.env);
  const limit = checkLimit(options.limit);
  const status = options.status === undefined ? undefined : checkStatus(options.status);
  // (Both values are checked above: no quote can reach the query.)
  const query =
    `WorkflowType = 'deployment' AND ${DEPLOYMENT_ENVIRONMENT.name} = '${options.env}'` +
    (status === undefined ? '' : ` AND ${DEPLOYMENT_STATUS.name} = '${status}'`);
  const { client, close } = await connectOrExit();
  try {
    const entries: HistoryEntry[] = [];
    for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      entries.push(historyEntry(execution));
      if (entries.length >= limit) break;
    }
    // Newest request first (visibility lists the open ones first, then by when they closed).
    entries.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
    process.stdout.write(`${options.json ? JSON.stringify(entries) : renderHistory(options.env, entries)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

function checkLimit(value: string): number {
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw usageError(`invalid --limit ${quoted(value)}: use a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

function checkStatus(value: string): DeploymentStatus {
  const status = DEPLOYMENT_STATUSES.find((known) => known === value);
  if (status === undefined) {
    throw usageError(`invalid --status ${quoted(value)}: use one of ${DEPLOYMENT_STATUSES.join(', ')}`);
  }
  return status;
}
